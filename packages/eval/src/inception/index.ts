export type {
  FidInception,
  InceptionFeatures,
  InceptionFeaturesOptions,
} from './fid-inception';
export { loadFidInception } from './fid-inception';
export type { InceptionWeights, LayoutTensor } from './convert';
export type { FidInceptionNet, InceptionOutputs } from './network';
export { buildFidInception } from './network';
export { GRAYSCALE_NOTE, inceptionInput } from './preprocess';
export { INPUT_SIZE, LOGITS_DIM, POOL3_DIM } from './spec';
export type { StateDict, TorchDtype, TorchTensor } from './torch-checkpoint';
export { readStateDict } from './torch-checkpoint';
export type {
  FoundInceptionWeights,
  InceptionWeightsOptions,
  LoadedInceptionWeights,
} from './weights';
export {
  FID_INCEPTION_FILE,
  FID_INCEPTION_SHA256,
  FID_INCEPTION_URL,
  findInceptionWeights,
  loadInceptionWeights,
  WEIGHTS_ENV,
} from './weights';

// @acsm/models: the model zoo as functional networks over tf.Variables, and
// checkpoints. See README.md.
export {
  assertNever,
  disposeParams,
  getParam,
  initParams,
  paramCount,
  paramScope,
  paramSeed,
  paramShapes,
  sizeOf,
  trainableNames,
  trainableVariables,
} from './params';
export type {
  Init,
  ParamCountOptions,
  ParamScope,
  ParamSource,
  ParamSpec,
  Params,
} from './params';
export { checkImageInput, summary } from './network';
export type {
  AnyNetwork,
  ApplyOptions,
  Network,
  NetworkDescription,
} from './network';
export {
  INSTANCE_NORM_EPS,
  instanceNormPlus,
  instanceNormPlusSpecs,
} from './layers/instance-norm-plus';
export {
  SPECTRAL_NORM_EPS,
  powerIteration,
  spectralNormScope,
  spectralNormSpec,
  spectralNormalized,
} from './layers/spectral-norm';
export { conv2dSame, meanPool2 } from './layers/conv';
export { groupNorm, groupNormSpecs } from './layers/group-norm';
export type { GroupNormLayer } from './layers/group-norm';
export { applyNin, ninSpecs } from './layers/nin';
export type { NinLayer } from './layers/nin';
export { attnBlock, attnBlockSpecs } from './layers/attention';
export type { AttnBlockLayer } from './layers/attention';
export { ncsnv2, ncsnv2Deeper } from './ncsnv2';
export type {
  NCSNv2Config,
  NCSNv2Kind,
  NCSNv2Network,
  NCSNv2Options,
} from './ncsnv2';
export {
  UNET_DEFAULTS,
  UNET_GROUP_NORM_EPS,
  unet,
  unetTorchLayout,
} from './unet';
export type { TorchTensor, UNetConfig, UNetNetwork } from './unet';
export { bigganDiscriminator } from './biggan-discriminator';
export type { BigGANDiscriminatorConfig } from './biggan-discriminator';
export { toyDiscriminator, toyMlp, toyScoreNetwork } from './toy-mlp';
export type { ToyMlpConfig, ToyMlpOptions } from './toy-mlp';
export { NETWORK_KINDS, createNetwork, describeNetwork } from './registry';
export type { NetworkConfigs, NetworkKind } from './registry';
export {
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  checkCheckpoint,
  checkGroup,
  jsonDiff,
  loadCheckpoint,
  paramsFromGroup,
  readCheckpointManifest,
  restoreParams,
  saveCheckpoint,
} from './checkpoint';
export type {
  Checkpoint,
  CheckpointData,
  CheckpointExpectation,
  CheckpointManifest,
  CheckpointNetworks,
  GroupEntry,
  StoredGroup,
  StoredTensor,
  TensorEntry,
  TensorGroup,
} from './checkpoint';

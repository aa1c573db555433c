export type { GaussianStats } from './frechet';
export { frechetDistance, gaussianStats, traceSqrtProduct } from './frechet';
export type { SymmetricEigen } from './linalg';
export { sqrtPsd, symmetricEigen, symmetricEigenvalues } from './linalg';
export type {
  ExtractFeaturesOptions,
  FeatureExtractor,
  FeatureSet,
  FidResult,
  ImageArray,
  ReferenceStats,
} from './fid';
export {
  extractFeatures,
  FID_MNIST_CLASSIFIER,
  fidFromFeatures,
  fidMnistClassifier,
  quantizeImages,
  referenceStats,
} from './fid';
export type { LockHolder } from './classifier-cache';
export type { ClassifierArchitecture } from './classifier-net';
export type {
  ClassifierProgress,
  ClassifierTraining,
} from './classifier-train';
export type {
  MnistClassifier,
  MnistClassifierConfig,
  TrainOrLoadMnistClassifierOptions,
} from './mnist-classifier';
export {
  DEFAULT_MNIST_CLASSIFIER_CONFIG,
  MNIST_CLASSIFIER_CODE_VERSION,
  isMnistClassifierCached,
  mnistClassifierHash,
  trainOrLoadMnistClassifier,
} from './mnist-classifier';
export * from './metrics/index';
export * from './inception/index';

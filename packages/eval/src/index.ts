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
export type { NpyArray, NpyDtype } from './npy';
export { encodeNpy, parseNpy } from './npy';
export type { NpzContents } from './npz';
export { crc32, readNpz, writeNpz } from './npz';
export type { MomentAccumulator, SampleFrechet } from './feature-stats';
export {
  featureMoments,
  frechetDistanceLowRank,
  momentAccumulator,
  sampleFrechetDistance,
} from './feature-stats';
export type {
  InceptionStats,
  InceptionStatsMeta,
  ReferenceSplit,
} from './stats-file';
export {
  describeStats,
  EXTERNAL_STATS_NOTE,
  INCEPTION_EXTRACTOR,
  INCEPTION_INPUT_PIPELINE,
  INCEPTION_STATS_FORMAT,
  inceptionStatsFileName,
  loadInceptionStats,
  saveInceptionStats,
  statsContentHash,
} from './stats-file';
export type {
  InceptionImages,
  InceptionMeasurement,
  InceptionProgress,
  InceptionRunOptions,
  KidReference,
  MeasureInceptionOptions,
  SampleFeatures,
} from './inception-metrics';
export {
  checkMeasurable,
  checkStatsReproduce,
  inceptionReferenceStats,
  isGrayscale,
  measureFeatures,
  measureInception,
  PAPER_SAMPLES,
  REPRODUCE_TOLERANCE,
  sampleFeatures,
  softmaxRows,
} from './inception-metrics';
export type { LoadedSamples } from './samples';
export { loadSamples, SAMPLE_IMAGE_EXTENSIONS } from './samples';

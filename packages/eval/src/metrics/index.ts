export type {
  InceptionScoreOptions,
  InceptionScoreResult,
} from './inception-score';
export { inceptionScore } from './inception-score';
export type { KidOptions, KidResult } from './kid';
export { kernelInceptionDistance } from './kid';
export type { StackedMnistResult } from './stacked-mnist';
export { STACKED_MNIST_MODES, stackedMnistModes } from './stacked-mnist';
export type { NearestNeighbourResult } from './nearest-neighbour';
export { nearestNeighbourDistances } from './nearest-neighbour';

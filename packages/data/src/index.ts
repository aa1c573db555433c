export type { ImageDataset, ImageShape } from './dataset';
export { contentChecksum, gather, subset } from './dataset';
export type { MnistSplit } from './mnist';
export {
  loadMnist,
  MNIST_SIZE,
  MNIST_SOURCE_SHA256,
  MNIST_SPLIT_SALT,
  MNIST_SPLITS,
  MNIST_TRAIN_SIZE,
} from './mnist';
export type { Batch, BatchAtOptions, BatchesOptions } from './batch';
export { batchAt, batches, imagesTensor, stepsPerEpoch } from './batch';
export { permutation } from './random';

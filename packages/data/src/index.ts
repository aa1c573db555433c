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
export type {
  SwissRollOptions,
  Toy2d,
  TwentyFiveGaussiansOptions,
} from './toy2d';
export {
  swissRoll,
  SWISS_ROLL_SCALE,
  TWENTY_FIVE_GRID,
  twentyFiveGaussians,
} from './toy2d';
export type { StackedMnist, StackedMnistOptions } from './stacked-mnist';
export { stackedMnist } from './stacked-mnist';
export type { Cifar10Batch, Cifar10Split, LoadCifar10Options } from './cifar10';
export {
  CIFAR10_ARCHIVE,
  CIFAR10_ARCHIVE_MD5,
  CIFAR10_BATCH_RECORDS,
  CIFAR10_DIR,
  CIFAR10_RECORD_BYTES,
  CIFAR10_SPLITS,
  CIFAR10_URL,
  cifar10Files,
  loadCifar10,
  readCifar10Batch,
} from './cifar10';
export type { IdxArray } from './idx';
export { parseIdx, readIdxFile } from './idx';
export type {
  FashionMnistSplit,
  LoadFashionMnistOptions,
} from './fashion-mnist';
export {
  FASHION_MNIST_DEBIAN_DIR,
  FASHION_MNIST_SHA256,
  fashionMnistDir,
  loadFashionMnist,
} from './fashion-mnist';
export type {
  LoadLsunOptions,
  LsunDataset,
  LsunProgress,
  LsunSourceInfo,
  LsunSourceKind,
} from './lsun';
export {
  describeLsunSource,
  gatherLsun,
  loadLsun,
  LSUN_CHURCH_TRAIN_SIZE,
  LSUN_IMAGE_EXTENSIONS,
  LSUN_IMAGE_SIZE,
  LSUN_LMDB_DIR,
  LSUN_URL,
} from './lsun';
export type { RgbImage } from './resize';
export {
  bilinearWeights,
  centerCrop,
  resizeBilinear,
  resizeCenterCrop,
  roundHalfEven,
  shorterSideSize,
} from './resize';
export { decodeRgb } from './decode';
export type { LmdbEntry, LmdbFile } from './lmdb';
export { closeLmdb, lmdbEntries, openLmdb } from './lmdb';

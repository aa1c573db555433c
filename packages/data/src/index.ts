export type { ImageDataset, ImageShape } from './dataset';
export { contentChecksum, gather, subset } from './dataset';
export type {
  LoadMnistOptions,
  MnistDataset,
  MnistOrigin,
  MnistSource,
  MnistSplit,
  MnistVerification,
} from './mnist';
export type { MnistIdxFiles } from './mnist-idx';
export {
  findMnistIdx,
  MNIST_IDX_FILES,
  MNIST_IDX_MD5,
  mnistIdxDir,
  mnistIdxMissingMessage,
} from './mnist-idx';
export {
  describeMnistSource,
  loadMnist,
  MNIST_SIZE,
  MNIST_SOURCE_SHA256,
  MNIST_SPLIT_SALT,
  MNIST_SPLITS,
  MNIST_TRAIN_SIZE,
} from './mnist';
export type { Batch, BatchAtOptions, BatchesOptions } from './batch';
export {
  batchAt,
  batches,
  flipLeftRight,
  flipMask,
  imagesTensor,
  stepsPerEpoch,
} from './batch';
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
  CIFAR10_MANIFEST,
  CIFAR10_RECORD_BYTES,
  CIFAR10_SPLITS,
  CIFAR10_URL,
  cifar10Files,
  cifar10MissingMessage,
  cifar10Root,
  loadCifar10,
  readCifar10Batch,
  readCifar10Manifest,
} from './cifar10';
export type {
  Cifar10Progress,
  Cifar10Source,
  EnsureCifar10Options,
} from './cifar10-ensure';
export { describeCifar10Source, ensureCifar10 } from './cifar10-ensure';
export type { DownloadOptions } from './download';
export { downloadVerified, fileMd5 } from './download';
export type { TarEntry } from './tar';
export { readTar, safeMemberName } from './tar';
export type { IdxArray } from './idx';
export { decodeIdxFile, parseIdx, readIdxFile } from './idx';
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

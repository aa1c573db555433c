// Fashion-MNIST (70 000 28×28 grey images of clothing, 10 classes) from
// its four IDX files: Debian's dataset-fashion-mnist, or a folder given
// by the caller or by ACSM_DATA_DIR/fashion-mnist.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { contentChecksum, type ImageDataset } from './dataset';
import { readIdxFile } from './idx';

/** Where Debian's package `dataset-fashion-mnist` installs the files. */
export const FASHION_MNIST_DEBIAN_DIR = '/usr/share/datasets/fashion-mnist';

export type FashionMnistSplit = 'train' | 'test';

const FILES: Record<FashionMnistSplit, { images: string; labels: string }> = {
  train: {
    images: 'train-images-idx3-ubyte',
    labels: 'train-labels-idx1-ubyte',
  },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
};

/**
 * sha256 of each decompressed file, measured on the files of Debian's
 * dataset-fashion-mnist 0.0~git20200523.55506a9-1 (the gzip bytes differ
 * between copies; the decompressed IDX content does not).
 */
export const FASHION_MNIST_SHA256: Record<string, string> = {
  'train-images-idx3-ubyte':
    'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888',
  'train-labels-idx1-ubyte':
    'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9',
  't10k-images-idx3-ubyte':
    '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b',
  't10k-labels-idx1-ubyte':
    '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34',
};

export interface LoadFashionMnistOptions {
  /** A folder with the four files (.gz or not); default: see `fashionMnistDir`. */
  readonly dir?: string;
  /** Check FASHION_MNIST_SHA256 (default true; false for other copies). */
  readonly verify?: boolean;
}

const present = (dir: string, name: string) =>
  [join(dir, `${name}.gz`), join(dir, name)].find((p) => existsSync(p));

/** The folder read: the option, $ACSM_DATA_DIR/fashion-mnist, then Debian's. */
export function fashionMnistDir(dir?: string): string {
  const candidates = [
    dir,
    process.env.ACSM_DATA_DIR &&
      join(process.env.ACSM_DATA_DIR, 'fashion-mnist'),
    FASHION_MNIST_DEBIAN_DIR,
  ].filter((d): d is string => Boolean(d));
  const found = candidates.find((d) => present(d, FILES.train.images));
  if (!found) {
    throw new Error(
      `Fashion-MNIST not found in ${candidates.join(', ')}: install Debian's ` +
        'dataset-fashion-mnist (apt-get install dataset-fashion-mnist) or put ' +
        'its four IDX files (.gz or not) in $ACSM_DATA_DIR/fashion-mnist',
    );
  }
  return found;
}

/** One split as [N, 28, 28, 1] in [0, 1] with labels; fails whole on bad files. */
export function loadFashionMnist(
  split: FashionMnistSplit,
  options: LoadFashionMnistOptions = {},
): ImageDataset {
  if (!(split in FILES)) {
    throw new Error(
      `loadFashionMnist: split must be train or test, got ${JSON.stringify(split)}`,
    );
  }
  const dir = fashionMnistDir(options.dir);
  const read = (name: string) => {
    const path = present(dir, name);
    if (!path)
      throw new Error(`Fashion-MNIST: ${join(dir, name)}(.gz) is missing`);
    const idx = readIdxFile(path);
    const expected = FASHION_MNIST_SHA256[name];
    if ((options.verify ?? true) && idx.sha256 !== expected) {
      throw new Error(
        `${path}: sha256 of its content is ${idx.sha256}, expected ${expected} ` +
          '(a different or damaged copy; pass verify: false to read it anyway)',
      );
    }
    return { path, idx };
  };
  const images = read(FILES[split].images);
  const labels = read(FILES[split].labels);
  const [n, h, w] = images.idx.dims;
  if (images.idx.dims.length !== 3 || h !== 28 || w !== 28) {
    throw new Error(
      `${images.path}: images must be [N, 28, 28], got [${images.idx.dims}]`,
    );
  }
  if (labels.idx.dims.length !== 1 || labels.idx.dims[0] !== n) {
    throw new Error(
      `${labels.path}: ${labels.idx.dims} labels for ${n} images in ${images.path}`,
    );
  }
  const bad = labels.idx.data.findIndex((l) => l > 9);
  if (bad >= 0) {
    throw new Error(
      `${labels.path}: label ${labels.idx.data[bad]} at ${bad} is not a class 0-9`,
    );
  }
  const pixels = Float32Array.from(images.idx.data, (v) => v / 255);
  return {
    images: pixels,
    labels: labels.idx.data,
    shape: [n, 28, 28, 1],
    source: `fashion-mnist:${dir}`,
    split,
    checksum: contentChecksum(pixels, labels.idx.data),
    sourceChecksum: `${images.idx.sha256}+${labels.idx.sha256}`,
  };
}

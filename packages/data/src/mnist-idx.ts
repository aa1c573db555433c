// The full MNIST (LeCun, Cortes and Burges; 60 000 training and 10 000
// test digits, the standard split) from its four IDX files, gzipped as
// distributed or not, in a folder given by the caller or in
// ACSM_DATA_DIR/mnist.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { contentChecksum } from './dataset';
import { decodeIdxFile, type IdxArray } from './idx';
import type { MnistDataset, MnistSplit, MnistVerification } from './mnist';

/** The standard parts of MNIST and their files (without .gz). */
export const MNIST_IDX_FILES = {
  train: {
    images: 'train-images-idx3-ubyte',
    labels: 'train-labels-idx1-ubyte',
    count: 60_000,
  },
  test: {
    images: 't10k-images-idx3-ubyte',
    labels: 't10k-labels-idx1-ubyte',
    count: 10_000,
  },
} as const;

/**
 * MD5 of the four gzipped files as distributed, as published in
 * torchvision's `datasets/mnist.py` (`MNIST.resources`, torchvision
 * 0.14). No checksum of the uncompressed files is published: those are
 * checked for structure only (dimensions, counts, labels 0..9).
 */
export const MNIST_IDX_MD5: Readonly<Record<string, string>> = {
  'train-images-idx3-ubyte.gz': 'f68b3c2dcbeaaa9fbdd348bbdeb94873',
  'train-labels-idx1-ubyte.gz': 'd53e105ee54ea40749a09fcbcd1e9432',
  't10k-images-idx3-ubyte.gz': '9fb629c4189551a2d022fa330f9573f3',
  't10k-labels-idx1-ubyte.gz': 'ec29112dd5afa0611ce80d1b7f02629c',
};

const ALL_FILES = Object.values(MNIST_IDX_FILES).flatMap((f) => [
  f.images,
  f.labels,
]);

/** The four files found in a folder: base name → path (.gz or not). */
export interface MnistIdxFiles {
  readonly dir: string;
  readonly paths: Readonly<Record<string, string>>;
}

/** The folder searched: `dir`, else ACSM_DATA_DIR/mnist. */
export function mnistIdxDir(dir?: string): string | undefined {
  const root = process.env['ACSM_DATA_DIR'];
  return dir ?? (root === undefined ? undefined : join(root, 'mnist'));
}

const found = (dir: string, name: string) =>
  [join(dir, `${name}.gz`), join(dir, name)].find((p) => existsSync(p));

/**
 * The four IDX files under `dir` (see `mnistIdxDir`), or undefined when
 * none is there. Some but not all of them fails, naming the missing.
 */
export function findMnistIdx(dir?: string): MnistIdxFiles | undefined {
  const folder = mnistIdxDir(dir);
  if (folder === undefined) return undefined;
  const pairs = ALL_FILES.map((name) => [name, found(folder, name)]);
  const missing = pairs.filter(([, path]) => path === undefined);
  if (missing.length === ALL_FILES.length) return undefined;
  if (missing.length > 0) {
    throw new Error(
      `MNIST: ${folder} holds only some of the four IDX files; missing ` +
        `${missing.map(([name]) => `${name}(.gz)`).join(', ')}`,
    );
  }
  return { dir: folder, paths: Object.fromEntries(pairs) };
}

/** How to provide the IDX files, for an error or a dry run. */
export function mnistIdxMissingMessage(dir?: string): string {
  const folder = mnistIdxDir(dir) ?? '$ACSM_DATA_DIR/mnist';
  return (
    `MNIST IDX files not found in ${folder}: put ${ALL_FILES.join(', ')} ` +
    `(each .gz as distributed, or uncompressed) there, or pass dir`
  );
}

interface Read {
  readonly path: string;
  readonly idx: IdxArray;
  readonly verified: MnistVerification;
}

/** One file, its published MD5 checked when it is a .gz and `verify`. */
function readVerified(path: string, name: string, verify: boolean): Read {
  const stored = readFileSync(path);
  const published = MNIST_IDX_MD5[`${name}.gz`];
  const gz = path.endsWith('.gz');
  if (verify && gz) {
    const md5 = createHash('md5').update(stored).digest('hex');
    if (md5 !== published) {
      throw new Error(
        `${path}: MD5 ${md5}, the published MD5 is ${published} ` +
          `(a different or damaged copy; pass verify: false to read it)`,
      );
    }
  }
  const idx = decodeIdxFile(stored, path);
  return { path, idx, verified: verify && gz ? 'md5' : 'structure' };
}

/** Images [N, 28, 28] and N labels 0..9; N the standard count if `verify`. */
function checkPair(images: Read, labels: Read, count?: number): void {
  const [n, h, w] = images.idx.dims;
  if (images.idx.dims.length !== 3 || h !== 28 || w !== 28) {
    throw new Error(
      `${images.path}: images must be [N, 28, 28], got [${images.idx.dims}]`,
    );
  }
  if (count !== undefined && n !== count) {
    throw new Error(
      `${images.path}: ${n} images, the standard split has ${count} ` +
        `(pass verify: false to read another count)`,
    );
  }
  if (labels.idx.dims.length !== 1 || labels.idx.dims[0] !== n) {
    throw new Error(
      `${labels.path}: labels [${labels.idx.dims}] for ${n} images in ` +
        `${images.path}`,
    );
  }
  const bad = labels.idx.data.findIndex((l) => l > 9);
  if (bad >= 0) {
    throw new Error(
      `${labels.path}: label ${labels.idx.data[bad]} at ${bad} is not 0..9`,
    );
  }
}

/** The images and labels of one standard part, checked. */
function readPart(
  files: MnistIdxFiles,
  part: 'train' | 'test',
  verify: boolean,
): [Read, Read] {
  const { images, labels, count } = MNIST_IDX_FILES[part];
  const img = readVerified(files.paths[images], images, verify);
  const lbl = readVerified(files.paths[labels], labels, verify);
  checkPair(img, lbl, verify ? count : undefined);
  return [img, lbl];
}

function partsOf(split: MnistSplit): ('train' | 'test')[] {
  switch (split) {
    case 'train':
    case 'test':
      return [split];
    case 'all':
      return ['train', 'test'];
    default: {
      const unknown: never = split;
      throw new Error(`loadMnist: unknown split ${unknown}`);
    }
  }
}

/**
 * One split from the IDX files as [N, 28, 28, 1], values k/255 in
 * [0, 1]: 'train' 60 000, 'test' 10 000, 'all' train then test. Every
 * file is read and checked before the dataset is built.
 */
export function loadMnistIdx(
  split: MnistSplit,
  files: MnistIdxFiles,
  verify: boolean,
): MnistDataset {
  const reads = partsOf(split).flatMap((p) => readPart(files, p, verify));
  const images = reads.filter((_, k) => k % 2 === 0);
  const n = images.reduce((s, r) => s + r.idx.dims[0], 0);
  const pixels = new Float32Array(n * 784);
  const labels = new Uint8Array(n);
  let offset = 0;
  for (let k = 0; k < reads.length; k += 2) {
    const count = reads[k].idx.dims[0];
    reads[k].idx.data.forEach((v, i) => (pixels[offset * 784 + i] = v / 255));
    labels.set(reads[k + 1].idx.data, offset);
    offset += count;
  }
  const allMd5 = reads.every((r) => r.verified === 'md5');
  return {
    images: pixels,
    labels,
    shape: [n, 28, 28, 1],
    source: `mnist-idx:${files.dir}`,
    split,
    checksum: contentChecksum(pixels, labels),
    sourceChecksum: reads.map((r) => r.idx.sha256).join('+'),
    origin: 'mnist-idx',
    verified: allMd5 ? 'md5' : 'structure',
  };
}

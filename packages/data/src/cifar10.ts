import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { contentChecksum, ImageDataset } from './dataset';

/** The parts of CIFAR-10 as the binary distribution ships them. */
export type Cifar10Split = 'train' | 'test';

export const CIFAR10_SPLITS: readonly Cifar10Split[] = ['train', 'test'];

/** The canonical archive of the binary version and its published MD5. */
export const CIFAR10_ARCHIVE = 'cifar-10-binary.tar.gz';
export const CIFAR10_ARCHIVE_MD5 = 'c32a1d4ab5d03f1284b67883e8d87530';
export const CIFAR10_URL = `https://www.cs.toronto.edu/~kriz/${CIFAR10_ARCHIVE}`;

/** Folder the archive extracts to. */
export const CIFAR10_DIR = 'cifar-10-batches-bin';

const SIDE = 32;
const PLANE = SIDE * SIDE;
/** One record: a label byte, then the R, G and B planes (32×32 each). */
export const CIFAR10_RECORD_BYTES = 1 + 3 * PLANE;
/** Records in each data_batch_k.bin and in test_batch.bin. */
export const CIFAR10_BATCH_RECORDS = 10_000;

/** A decoded batch file. */
export interface Cifar10Batch {
  /** [N, 32, 32, 3] row-major (NHWC), values k/255 in [0, 1]. */
  readonly images: Float32Array;
  /** [N] classes 0..9. */
  readonly labels: Uint8Array;
}

export interface LoadCifar10Options {
  /** Holds `cifar-10-batches-bin/`; default: env ACSM_DATA_DIR. */
  readonly dir?: string;
  readonly split: Cifar10Split;
  /** Records expected per file (default 10 000; tests use fewer). */
  readonly recordsPerBatch?: number;
}

/** Batch files of a split, in the order their records are concatenated. */
export function cifar10Files(split: Cifar10Split): string[] {
  switch (split) {
    case 'train':
      return [1, 2, 3, 4, 5].map((k) => `data_batch_${k}.bin`);
    case 'test':
      return ['test_batch.bin'];
    default: {
      const unknown: never = split;
      throw new Error(`cifar10Files: unknown split ${unknown}`);
    }
  }
}

/**
 * Decode one CIFAR-10 binary batch (Krizhevsky 2009; format as on the
 * dataset's page): records of 1 label byte + 3072 bytes, the R, G, B
 * planes each 32×32 row-major. Pixels go planar → NHWC, as k/255.
 * `name` only labels the errors. Any size that is not a whole number of
 * records, or a label > 9, fails before anything is returned.
 */
export function readCifar10Batch(
  bytes: Uint8Array,
  name: string,
): Cifar10Batch {
  const r = CIFAR10_RECORD_BYTES;
  if (bytes.length === 0 || bytes.length % r !== 0) {
    throw new Error(
      `readCifar10Batch: ${name} has ${bytes.length} bytes, not a ` +
        `positive multiple of the ${r}-byte record (truncated or not a ` +
        `CIFAR-10 binary batch)`,
    );
  }
  const n = bytes.length / r;
  const images = new Float32Array(n * 3 * PLANE);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const record = bytes.subarray(i * r, (i + 1) * r);
    if (record[0] > 9) {
      throw new Error(
        `readCifar10Batch: ${name} record ${i} has label ${record[0]}, ` +
          `expected 0..9 (not a CIFAR-10 binary batch?)`,
      );
    }
    labels[i] = record[0];
    const out = i * 3 * PLANE;
    for (let p = 0; p < PLANE; p++) {
      for (let c = 0; c < 3; c++) {
        images[out + 3 * p + c] = record[1 + c * PLANE + p] / 255;
      }
    }
  }
  return { images, labels };
}

/** Written beside the batches at extraction: `<sha256>  <file>` lines. */
export const CIFAR10_MANIFEST = 'SHA256SUMS';

/** The folder that holds cifar-10-batches-bin/: `dir` or ACSM_DATA_DIR. */
export function cifar10Root(dir?: string): string | undefined {
  return dir ?? process.env['ACSM_DATA_DIR'];
}

/** How to provide the data, for an error or a dry run. */
export function cifar10MissingMessage(root: string | undefined): string {
  const where =
    root === undefined
      ? 'no directory given and ACSM_DATA_DIR is unset'
      : `${join(root, CIFAR10_DIR)} does not exist`;
  return (
    `${where}. Download ${CIFAR10_ARCHIVE} ` +
    `(${CIFAR10_URL}, MD5 ${CIFAR10_ARCHIVE_MD5}), extract it, and set ` +
    `ACSM_DATA_DIR (or pass dir) to the folder that contains the ` +
    `extracted ${CIFAR10_DIR}/; or let ensureCifar10 download it ` +
    `(download: true)`
  );
}

/** The manifest of `folder` as file → sha256, or undefined if none. */
export function readCifar10Manifest(
  folder: string,
): Record<string, string> | undefined {
  const path = join(folder, CIFAR10_MANIFEST);
  if (!existsSync(path)) return undefined;
  const entries = readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const m = /^([0-9a-f]{64}) {2}(\S+)$/.exec(line);
      if (!m)
        throw new Error(`${path}: malformed line ${JSON.stringify(line)}`);
      return [m[2], m[1]];
    });
  return Object.fromEntries(entries);
}

function readBatchFile(
  path: string,
  records: number,
  sha256: string | undefined,
): Uint8Array {
  if (!existsSync(path)) {
    throw new Error(`loadCifar10: ${path} is missing`);
  }
  const expected = records * CIFAR10_RECORD_BYTES;
  const size = statSync(path).size;
  if (size !== expected) {
    throw new Error(
      `loadCifar10: ${path} has ${size} bytes, expected ${expected} ` +
        `(${records} records of ${CIFAR10_RECORD_BYTES} bytes)` +
        (size < expected ? '; the file is truncated' : ''),
    );
  }
  const bytes = readFileSync(path);
  const got = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== undefined && got !== sha256) {
    throw new Error(
      `loadCifar10: ${path} has sha256 ${got}, but ${CIFAR10_MANIFEST} ` +
        `recorded ${sha256} when it was extracted (changed since)`,
    );
  }
  return bytes;
}

/**
 * CIFAR-10 from the extracted binary batches under `dir` (or
 * ACSM_DATA_DIR) as [N, 32, 32, 3] in [0, 1]: 'train' is
 * data_batch_1..5.bin (50 000), 'test' is test_batch.bin (10 000).
 * Every file is read and checked (size; sha256 against the folder's
 * SHA256SUMS when `ensureCifar10` wrote one) before the dataset is built.
 * Reads only local files: `ensureCifar10` downloads and extracts.
 */
export function loadCifar10(options: LoadCifar10Options): ImageDataset {
  const { split, recordsPerBatch = CIFAR10_BATCH_RECORDS } = options;
  if (!CIFAR10_SPLITS.includes(split)) {
    throw new Error(
      `loadCifar10: split must be one of ${CIFAR10_SPLITS.join(', ')}, ` +
        `got ${JSON.stringify(split)}`,
    );
  }
  if (!Number.isSafeInteger(recordsPerBatch) || recordsPerBatch < 1) {
    throw new Error(
      `loadCifar10: recordsPerBatch must be an integer >= 1, ` +
        `got ${recordsPerBatch}`,
    );
  }
  const root = cifar10Root(options.dir);
  if (root === undefined || !existsSync(join(root, CIFAR10_DIR))) {
    throw new Error(`loadCifar10: ${cifar10MissingMessage(root)}`);
  }
  const folder = join(root, CIFAR10_DIR);
  const manifest = readCifar10Manifest(folder) ?? {};
  const files = cifar10Files(split);
  const paths = files.map((f) => join(folder, f));
  const raw = paths.map((p, k) =>
    readBatchFile(p, recordsPerBatch, manifest[files[k]]),
  );
  const batches = raw.map((bytes, k) => readCifar10Batch(bytes, paths[k]));
  return assemble(batches, raw, split);
}

function assemble(
  batches: Cifar10Batch[],
  raw: Uint8Array[],
  split: Cifar10Split,
): ImageDataset {
  const n = batches.reduce((s, b) => s + b.labels.length, 0);
  const images = new Float32Array(n * 3 * PLANE);
  const labels = new Uint8Array(n);
  let offset = 0;
  for (const b of batches) {
    images.set(b.images, offset * 3 * PLANE);
    labels.set(b.labels, offset);
    offset += b.labels.length;
  }
  const sha = createHash('sha256');
  raw.forEach((bytes) => sha.update(bytes));
  return {
    images,
    labels,
    shape: [n, SIDE, SIDE, 3],
    source: `cifar10:${CIFAR10_ARCHIVE}`,
    split,
    checksum: contentChecksum(images, labels),
    sourceChecksum: sha.digest('hex'),
  };
}

/**
 * Reference statistics of the FID Inception's pool3 features (mean μ and
 * covariance Σ, float64) in one .npz file: `mu.npy` [2048], `sigma.npy`
 * [2048, 2048] and `meta.json`, which says what they are (dataset, split,
 * n, extractor and weights, input pipeline) and holds the SHA-256 of μ
 * and Σ. numpy.load and pytorch-fid read the arrays as they read their
 * own statistics files; a .npz of theirs (no meta.json) is read as
 * external statistics of unknown identity.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { encodeNpy, NpyArray } from './npy';
import { readNpz, writeNpz } from './npz';

/** The `format` of meta.json. */
export const INCEPTION_STATS_FORMAT = 'acsm-inception-stats/1';

/** The feature extractor: the TF Inception graph of 2015-12-05. */
export const INCEPTION_EXTRACTOR = 'fid-inception-2015-12-05';

/** The input pipeline of PAPER.md §10, as recorded with statistics. */
export const INCEPTION_INPUT_PIPELINE = 'uint8 quantise, bilinear 299, [-1,1]';

/** What a statistics file without our metadata is said to be. */
export const EXTERNAL_STATS_NOTE = 'external statistics, identity unknown';

/** The images statistics were computed from, as the caller declares. */
export interface ReferenceSplit {
  /** e.g. 'cifar10', 'mnist', 'lsun-church', or 'images:<name>'. */
  readonly dataset: string;
  /** e.g. 'train'. */
  readonly split: string;
  /** Images in the whole split; n < splitSize marks a subset. */
  readonly splitSize?: number;
  /** SHA-256 of the images as loaded (ImageDataset.checksum), if known. */
  readonly dataSha256?: string;
}

/** meta.json of a statistics file. */
export interface InceptionStatsMeta extends ReferenceSplit {
  readonly format: typeof INCEPTION_STATS_FORMAT;
  readonly extractor: typeof INCEPTION_EXTRACTOR;
  /** SHA-256 of the .pth the network's weights came from. */
  readonly weightsSha256: string;
  readonly inputPipeline: string;
  /** Images the statistics were computed from. */
  readonly n: number;
  /** Feature dimension (2048). */
  readonly dim: number;
  /** [H, W, C] of the images before the resize to 299. */
  readonly imageShape: readonly [number, number, number];
  /** 1-channel images, or R = G = B everywhere. */
  readonly grayscale: boolean;
  /** ISO 8601 time of computation. */
  readonly created: string;
  /** SHA-256 of μ then Σ as float64 little-endian bytes. */
  readonly sha256: string;
}

/** Mean and covariance of pool3 features, with what they are. */
export interface InceptionStats {
  /** [d] */
  readonly mean: Float64Array;
  /** [d, d] row-major. */
  readonly cov: Float64Array;
  readonly d: number;
  /** Undefined for external statistics (a .npz of μ and Σ only). */
  readonly meta?: InceptionStatsMeta;
}

function bytesOf(a: Float64Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** SHA-256 (hex) of μ then Σ, float64 little-endian. */
export function statsContentHash(mean: Float64Array, cov: Float64Array) {
  return createHash('sha256')
    .update(bytesOf(mean))
    .update(bytesOf(cov))
    .digest('hex');
}

/** One line saying what statistics are. */
export function describeStats(stats: InceptionStats): string {
  const m = stats.meta;
  if (!m) return EXTERNAL_STATS_NOTE;
  return (
    `${m.dataset}/${m.split}, n=${m.n}` +
    (m.splitSize !== undefined ? ` of ${m.splitSize}` : '') +
    `, ${m.extractor} weights ${m.weightsSha256.slice(0, 12)}…, ` +
    `statistics sha256 ${m.sha256.slice(0, 12)}…`
  );
}

/** A default file name: `<dataset>-<split>-n<n>-<weights sha8>.npz`. */
export function inceptionStatsFileName(meta: InceptionStatsMeta): string {
  const dataset = meta.dataset.replace(/[^A-Za-z0-9._-]+/g, '_');
  return (
    `${dataset}-${meta.split}-n${meta.n}-` +
    `${meta.weightsSha256.slice(0, 8)}.npz`
  );
}

/**
 * Writes statistics with their metadata to `path` (a .npz; folders are
 * made, the file replaced atomically). The metadata's hash must be that
 * of μ and Σ: statistics are saved as computed.
 */
export function saveInceptionStats(path: string, stats: InceptionStats) {
  const { meta, mean, cov, d } = stats;
  if (!meta) {
    throw new Error(
      `saveInceptionStats: ${path}: external statistics have no ` +
        'metadata to save; compute statistics with inceptionReferenceStats',
    );
  }
  const sha = statsContentHash(mean, cov);
  if (sha !== meta.sha256 || meta.dim !== d) {
    throw new Error(
      `saveInceptionStats: ${path}: the metadata (sha256 ${meta.sha256}, ` +
        `dim ${meta.dim}) does not describe these arrays (sha256 ${sha}, ` +
        `d ${d})`,
    );
  }
  const bytes = writeNpz({
    'mu.npy': encodeNpy(mean, [d]),
    'sigma.npy': encodeNpy(cov, [d, d]),
    'meta.json': Buffer.from(`${JSON.stringify(meta, null, 1)}\n`),
  });
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}

function corrupt(path: string, why: string): Error {
  return new Error(`loadInceptionStats: ${path}: ${why}`);
}

function toFloat64(a: NpyArray, path: string, name: string): Float64Array {
  if (a.dtype === 'uint8') {
    throw corrupt(path, `${name} is uint8; expected float32 or float64`);
  }
  const values = Float64Array.from(a.values);
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw corrupt(path, `${name}[${bad}] is ${values[bad]}`);
  return values;
}

/** μ [d] and Σ [d, d] from the archive's mu and sigma arrays. */
function readArrays(arrays: ReadonlyMap<string, NpyArray>, path: string) {
  const mu = arrays.get('mu');
  const sigma = arrays.get('sigma');
  if (!mu || !sigma) {
    throw corrupt(
      path,
      `needs arrays 'mu' and 'sigma', found ` +
        `${[...arrays.keys()].join(', ') || 'none'}`,
    );
  }
  const d = mu.shape[0];
  if (mu.shape.length !== 1 || `${sigma.shape}` !== `${d},${d}`) {
    throw corrupt(
      path,
      `mu must be [d] and sigma [d, d], got [${mu.shape}] and ` +
        `[${sigma.shape}]`,
    );
  }
  const mean = toFloat64(mu, path, 'mu');
  const cov = toFloat64(sigma, path, 'sigma');
  return { mean, cov, d };
}

function parseMeta(bytes: Uint8Array, path: string): InceptionStatsMeta {
  let meta: InceptionStatsMeta;
  try {
    meta = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    throw corrupt(path, `meta.json is not JSON: ${(error as Error).message}`);
  }
  if (meta?.format !== INCEPTION_STATS_FORMAT) {
    throw corrupt(
      path,
      `meta.json has format ${JSON.stringify(meta?.format)}, expected ` +
        `'${INCEPTION_STATS_FORMAT}'`,
    );
  }
  return meta;
}

/**
 * Reads statistics written by saveInceptionStats, checking μ and Σ
 * against the SHA-256 in meta.json, or a .npz of `mu` and `sigma` made
 * elsewhere (TTUR, pytorch-fid; float32 or float64), returned without
 * `meta`: external statistics of unknown identity. Every failure names
 * the file.
 */
export function loadInceptionStats(path: string): InceptionStats {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw corrupt(path, (error as NodeJS.ErrnoException).message);
  }
  const { arrays, files } = readNpz(bytes, path);
  const { mean, cov, d } = readArrays(arrays, path);
  const metaBytes = files.get('meta.json');
  if (!metaBytes) return { mean, cov, d };
  const meta = parseMeta(metaBytes, path);
  const sha = statsContentHash(mean, cov);
  if (sha !== meta.sha256 || meta.dim !== d) {
    throw corrupt(
      path,
      `corrupt or edited: mu and sigma have sha256 ${sha} (d ${d}), ` +
        `meta.json records ${meta.sha256} (dim ${meta.dim})`,
    );
  }
  return { mean, cov, d, meta };
}

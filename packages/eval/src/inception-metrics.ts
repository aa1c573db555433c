/**
 * The metrics of PAPER.md §10 on the FID Inception: reference statistics
 * of a declared split, and FID, Inception Score and (optionally) KID of
 * generated samples, each value with its sample counts, the extractor's
 * identity and whether it may be compared with published numbers.
 */
import type { ImageShape } from '@acsm/data';
import type { ImageArray } from './fid';
import { momentAccumulator, sampleFrechetDistance } from './feature-stats';
import { frechetDistance } from './frechet';
import type {
  FidInception,
  InceptionFeatures,
} from './inception/fid-inception';
import { LOGITS_DIM, POOL3_DIM } from './inception/spec';
import { FID_INCEPTION_SHA256 } from './inception/weights';
import {
  inceptionScore,
  type InceptionScoreResult,
} from './metrics/inception-score';
import { kernelInceptionDistance, type KidResult } from './metrics/kid';
import { fail } from './metrics/check';
import {
  describeStats,
  EXTERNAL_STATS_NOTE,
  INCEPTION_EXTRACTOR,
  INCEPTION_INPUT_PIPELINE,
  INCEPTION_STATS_FORMAT,
  InceptionStats,
  ReferenceSplit,
  statsContentHash,
} from './stats-file';

/** The sample count of the paper's FIDs (PAPER.md §9). */
export const PAPER_SAMPLES = 10_000;

/** Largest FID between stored and recomputed statistics (issue 6). */
export const REPRODUCE_TOLERANCE = 1e-6;

/** Images as float32 in [0, 1], or as bytes k/255 (PNG files, uint8 .npz). */
export type InceptionImages =
  | ImageArray
  | { readonly bytes: Uint8Array; readonly shape: ImageShape };

/** Images through the network so far. */
export interface InceptionProgress {
  readonly done: number;
  readonly total: number;
}

/** Options of the functions that run the network. */
export interface InceptionRunOptions {
  /** Images per forward pass; default 50. */
  readonly batchSize?: number;
  /** Called after each batch. */
  readonly onProgress?: (progress: InceptionProgress) => void;
}

/** Images start..end as a float32 batch in [0, 1]. */
function batchOf(images: InceptionImages, start: number, end: number) {
  const [, h, w, c] = images.shape;
  const size = h * w * c;
  const shape: ImageShape = [end - start, h, w, c];
  if ('images' in images) {
    return { images: images.images.subarray(start * size, end * size), shape };
  }
  const bytes = images.bytes.subarray(start * size, end * size);
  return { images: Float32Array.from(bytes, (b) => b / 255), shape };
}

/** Whether images are 1-channel or have R = G = B at every pixel. */
export function isGrayscale(images: InceptionImages): boolean {
  const c = images.shape[3];
  if (c === 1) return true;
  if (c !== 3) return false;
  const v = 'images' in images ? images.images : images.bytes;
  for (let i = 0; i < v.length; i += 3) {
    if (v[i] !== v[i + 1] || v[i] !== v[i + 2]) return false;
  }
  return true;
}

function checkImages(fn: string, images: InceptionImages): void {
  const [n, h, w, c] = images.shape;
  const values = 'images' in images ? images.images : images.bytes;
  if (values.length !== n * h * w * c) {
    fail(
      fn,
      `shape [${images.shape}] needs ${n * h * w * c} values, got ` +
        `${values.length}`,
    );
  }
  if (n < 2) fail(fn, `need at least 2 images, got ${n}`);
}

/** Runs the network batch by batch; `use` receives each batch's outputs. */
function eachBatch(
  net: FidInception,
  images: InceptionImages,
  options: InceptionRunOptions,
  use: (out: InceptionFeatures, start: number) => void,
): void {
  const { batchSize = 50, onProgress } = options;
  const n = images.shape[0];
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    fail('inception', `batchSize must be an integer >= 1, got ${batchSize}`);
  }
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    use(net.features(batchOf(images, start, end), { batchSize }), start);
    onProgress?.({ done: end, total: n });
  }
}

/**
 * Reference statistics (mean and unbiased covariance of pool3, float64,
 * accumulated batch by batch) of `data`, which the caller declares as
 * `split` of a dataset; the metadata records the network's weights, the
 * input pipeline, n, the image shape and the content hash.
 */
export function inceptionReferenceStats(
  net: FidInception,
  data: InceptionImages,
  split: ReferenceSplit,
  options: InceptionRunOptions = {},
): InceptionStats {
  checkImages('inceptionReferenceStats', data);
  const acc = momentAccumulator(POOL3_DIM);
  eachBatch(net, data, options, (out) => acc.add(out.pool3, out.n));
  const { mean, cov, n, d } = acc.finish();
  const [, h, w, c] = data.shape;
  const meta = {
    ...split,
    format: INCEPTION_STATS_FORMAT,
    extractor: INCEPTION_EXTRACTOR,
    weightsSha256: net.weightsSha256,
    inputPipeline: INCEPTION_INPUT_PIPELINE,
    n,
    dim: d,
    imageShape: [h, w, c] as const,
    grayscale: isGrayscale(data),
    created: new Date().toISOString(),
    sha256: statsContentHash(mean, cov),
  } as const;
  return { mean, cov, d, meta };
}

/**
 * The self-check of stored statistics: the FID between them and
 * statistics recomputed from the same declared split must be below
 * `tolerance` (default 1e-6). Returns that FID; throws, with both
 * identities, when it is larger or when the two cannot describe the same
 * features (other dimension or weights). Costs one d × d Fréchet
 * distance: minutes at d = 2048 in float64 JavaScript.
 */
export function checkStatsReproduce(
  stats: InceptionStats,
  recomputed: InceptionStats,
  tolerance = REPRODUCE_TOLERANCE,
): number {
  const fn = 'checkStatsReproduce';
  const a = stats.meta?.weightsSha256;
  const b = recomputed.meta?.weightsSha256;
  if (stats.d !== recomputed.d || (a && b && a !== b)) {
    fail(
      fn,
      `statistics of other features: d ${stats.d} vs ${recomputed.d}, ` +
        `weights ${a ?? 'unknown'} vs ${b ?? 'unknown'}`,
    );
  }
  const n = (s: InceptionStats) => s.meta?.n ?? 0;
  const fid = frechetDistance(
    { ...stats, n: n(stats) },
    { ...recomputed, n: n(recomputed) },
  );
  if (!(Math.abs(fid) < tolerance)) {
    fail(
      fn,
      `FID ${fid} between stored (${describeStats(stats)}) and ` +
        `recomputed (${describeStats(recomputed)}) statistics is not below ` +
        `${tolerance}: they are not the same split, network or pipeline`,
    );
  }
  return fid;
}

/** Options of `measureInception`. */
export interface MeasureInceptionOptions extends InceptionRunOptions {
  /** Seed of the Inception Score's shuffle and of KID's subsets. */
  readonly seed: number;
  /** Splits of the Inception Score; default 10. */
  readonly splits?: number;
  /** Fewer samples than this are not comparable; default 10 000. */
  readonly paperSamples?: number;
  /** KID against these reference features, when given. */
  readonly kid?: KidReference;
}

/** Reference pool3 features for KID, and its subset sizes. */
export interface KidReference {
  /** [m, d] row-major. */
  readonly features: Float32Array | Float64Array;
  readonly m: number;
  /** Default 100. */
  readonly subsets?: number;
  /** Default 1000, clamped to min(n, m). */
  readonly subsetSize?: number;
}

/** One evaluation of samples, with everything it depends on. */
export interface InceptionMeasurement {
  /** Fréchet distance of the pool3 Gaussians (Heusel et al. 2017). */
  readonly fid: number;
  /** n ≤ d: the samples' covariance is singular; never comparable. */
  readonly rankDeficient: boolean;
  readonly nGenerated: number;
  /** Undefined for external statistics. */
  readonly nReference: number | undefined;
  readonly extractor: {
    readonly name: typeof INCEPTION_EXTRACTOR;
    readonly weightsSha256: string;
  };
  readonly reference: {
    /** describeStats of the reference statistics. */
    readonly identity: string;
    readonly external: boolean;
    /** The statistics' content hash; undefined when external. */
    readonly sha256: string | undefined;
  };
  readonly inceptionScore: InceptionScoreResult;
  /** Mean ± std over subsets, with the subsets used. */
  readonly kid?: KidResult & { subsets: number; subsetSize: number };
  /** Whether the FID and IS may be compared with published numbers. */
  readonly comparable: boolean;
  /** Why not comparable (empty when comparable), and other remarks. */
  readonly notes: string[];
}

/** Features of generated samples for `measureFeatures`. */
export interface SampleFeatures {
  readonly n: number;
  /** [n, d] row-major, d the reference's dimension. */
  readonly pool3: Float32Array | Float64Array;
  /** [n, k] row-major. */
  readonly logits: Float32Array | Float64Array;
  /** 1-channel images, or R = G = B everywhere. */
  readonly grayscale: boolean;
}

/** Row-wise softmax of logits [n, k], in float64 (max subtracted). */
export function softmaxRows(
  logits: Float32Array | Float64Array,
  n: number,
  k: number,
): Float64Array {
  const p = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let c = 0; c < k; c++) max = Math.max(max, logits[i * k + c]);
    let sum = 0;
    for (let c = 0; c < k; c++) {
      sum += p[i * k + c] = Math.exp(logits[i * k + c] - max);
    }
    for (let c = 0; c < k; c++) p[i * k + c] /= sum;
  }
  return p;
}

/** Reasons a value may not be compared with published ones. */
function comparabilityNotes(
  samples: SampleFeatures,
  reference: InceptionStats,
  weightsSha256: string,
  o: { paperSamples: number; rankDeficient: boolean },
): string[] {
  const notes: string[] = [];
  const m = reference.meta;
  if (weightsSha256 !== FID_INCEPTION_SHA256) {
    notes.push(
      `weights ${weightsSha256.slice(0, 12)}… are not the published FID ` +
        `Inception weights (${FID_INCEPTION_SHA256.slice(0, 12)}…)`,
    );
  }
  if (samples.grayscale) {
    notes.push('grayscale samples repeated to RGB: not a natural-image FID');
  }
  if (!m) notes.push(EXTERNAL_STATS_NOTE);
  if (m?.grayscale) notes.push('reference statistics of grayscale images');
  if (m?.splitSize !== undefined && m.n < m.splitSize) {
    notes.push(
      `reference statistics of ${m.n} of the ${m.splitSize} images of ` +
        `${m.dataset}/${m.split}`,
    );
  }
  if (o.rankDeficient) {
    notes.push(
      `rank-deficient: n=${samples.n} samples ≤ ${reference.d} feature ` +
        `dimensions, so their covariance is singular (rank ≤ n − 1)`,
    );
  }
  if (samples.n < o.paperSamples) {
    notes.push(
      `${samples.n} samples, fewer than the paper's ${o.paperSamples} ` +
        '(FID shrinks as n grows)',
    );
  }
  return notes;
}

function kidOf(
  samples: SampleFeatures,
  kid: KidReference,
  d: number,
  seed: number,
) {
  const { subsets = 100, subsetSize = 1000 } = kid;
  const used = Math.min(subsetSize, samples.n, kid.m);
  const r = kernelInceptionDistance(
    samples.pool3,
    kid.features,
    samples.n,
    kid.m,
    d,
    { seed, subsets, subsetSize: used },
  );
  return { ...r, subsets, subsetSize: used };
}

function checkReference(fn: string, reference: InceptionStats, sha: string) {
  const m = reference.meta;
  if (m && m.weightsSha256 !== sha) {
    fail(
      fn,
      `the reference statistics were computed with weights ` +
        `${m.weightsSha256}, the samples' features with ${sha}`,
    );
  }
}

/**
 * FID, Inception Score and optional KID of sample features against
 * reference statistics, with the comparability rules of the package
 * README. The feature dimension is the reference's (2048 for Inception;
 * any d for tests on synthetic features). n ≤ d gives a finite FID
 * flagged `rankDeficient` and never comparable. IS fails for n < splits.
 */
export function measureFeatures(
  samples: SampleFeatures,
  reference: InceptionStats,
  weightsSha256: string,
  options: Omit<MeasureInceptionOptions, keyof InceptionRunOptions>,
): InceptionMeasurement {
  const fn = 'measureFeatures';
  const { seed, splits = 10, paperSamples = PAPER_SAMPLES } = options;
  const { n, pool3, logits } = samples;
  const d = reference.d;
  checkReference(fn, reference, weightsSha256);
  if (pool3.length !== n * d || n < 2 || logits.length % n !== 0) {
    fail(
      fn,
      `need n >= 2 rows of d=${d} features and of logits, got n=${n}, ` +
        `${pool3.length} features, ${logits.length} logits`,
    );
  }
  const k = logits.length / n;
  const is = inceptionScore(softmaxRows(logits, n, k), n, k, { splits, seed });
  const fid = sampleFrechetDistance(pool3, n, { ...reference, n: 0 });
  const notes = comparabilityNotes(samples, reference, weightsSha256, {
    paperSamples,
    rankDeficient: fid.rankDeficient,
  });
  const m = reference.meta;
  return {
    fid: fid.value,
    rankDeficient: fid.rankDeficient,
    nGenerated: n,
    nReference: m?.n,
    extractor: { name: INCEPTION_EXTRACTOR, weightsSha256 },
    reference: {
      identity: describeStats(reference),
      external: !m,
      sha256: m?.sha256,
    },
    inceptionScore: is,
    ...(options.kid ? { kid: kidOf(samples, options.kid, d, seed) } : {}),
    comparable: notes.length === 0,
    notes,
  };
}

/** pool3 and logits of all images, batch by batch. */
export function sampleFeatures(
  net: FidInception,
  images: InceptionImages,
  options: InceptionRunOptions = {},
): SampleFeatures {
  checkImages('sampleFeatures', images);
  const n = images.shape[0];
  const pool3 = new Float32Array(n * POOL3_DIM);
  const logits = new Float32Array(n * LOGITS_DIM);
  eachBatch(net, images, options, (out, start) => {
    pool3.set(out.pool3, start * POOL3_DIM);
    logits.set(out.logits, start * LOGITS_DIM);
  });
  return { n, pool3, logits, grayscale: isGrayscale(images) };
}

/**
 * Fails, naming `fn`, unless `measureInception` can measure the samples
 * against the reference: at least 2 images and at least `splits`, then
 * a reference of pool3's dimension. Reads no network: callers check their
 * inputs with it before loading the weights.
 */
export function checkMeasurable(
  fn: string,
  samples: InceptionImages,
  reference: InceptionStats,
  splits = 10,
): void {
  checkImages(fn, samples);
  const n = samples.shape[0];
  if (n < splits) {
    fail(
      fn,
      `${n} samples are fewer than the ${splits} splits of the ` +
        'Inception Score',
    );
  }
  if (reference.d !== POOL3_DIM) {
    fail(
      fn,
      `reference has ${reference.d} dimensions, expected ${POOL3_DIM} ` +
        '(pool3 of the FID Inception)',
    );
  }
}

/**
 * Runs the samples through the FID Inception and measures them against
 * reference statistics: see `measureFeatures`.
 */
export function measureInception(
  net: FidInception,
  samples: InceptionImages,
  reference: InceptionStats,
  options: MeasureInceptionOptions,
): InceptionMeasurement {
  checkMeasurable('measureInception', samples, reference, options.splits);
  checkReference('measureInception', reference, net.weightsSha256);
  const features = sampleFeatures(net, samples, options);
  return measureFeatures(features, reference, net.weightsSha256, options);
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { featureMoments } from './feature-stats';
import {
  checkMeasurable,
  checkStatsReproduce,
  isGrayscale,
  measureFeatures,
  SampleFeatures,
  softmaxRows,
} from './inception-metrics';
import { FID_INCEPTION_SHA256 } from './inception/weights';
import {
  EXTERNAL_STATS_NOTE,
  INCEPTION_EXTRACTOR,
  INCEPTION_INPUT_PIPELINE,
  INCEPTION_STATS_FORMAT,
  InceptionStats,
  InceptionStatsMeta,
  statsContentHash,
} from './stats-file';
import { normals } from './testing';

// measureFeatures on synthetic features of small d: the full-rank case
// and the comparability rules without running the network.
const D = 8;
const K = 5;

/** n feature rows [n, D], correlated columns, seeded. */
function pool3(n: number, seed: number, shift = 0): Float64Array {
  const z = normals(n * D, seed);
  return z.map((v, i) => shift + v + 0.5 * z[i - (i % D)]);
}

/** Logits whose softmax puts nearly all mass on class i mod K. */
function confidentLogits(n: number): Float64Array {
  return Float64Array.from({ length: n * K }, (_, i) =>
    i % K === Math.floor(i / K) % K ? 40 : 0,
  );
}

function samples(n: number, seed: number, shift = 0): SampleFeatures {
  const logits = confidentLogits(n);
  return { n, pool3: pool3(n, seed, shift), logits, grayscale: false };
}

function statsOf(
  x: Float64Array | Float32Array,
  n: number,
  over: Partial<InceptionStatsMeta> = {},
): InceptionStats {
  const { mean, cov } = featureMoments(x, n, D);
  const meta: InceptionStatsMeta = {
    format: INCEPTION_STATS_FORMAT,
    extractor: INCEPTION_EXTRACTOR,
    weightsSha256: FID_INCEPTION_SHA256,
    inputPipeline: INCEPTION_INPUT_PIPELINE,
    dataset: 'cifar10',
    split: 'train',
    splitSize: n,
    n,
    dim: D,
    imageShape: [32, 32, 3],
    grayscale: false,
    created: '2024-01-01T00:00:00.000Z',
    sha256: statsContentHash(mean, cov),
    ...over,
  };
  return { mean, cov, d: D, meta };
}

function reversed(x: Float64Array | Float32Array, n: number) {
  const out = new Float64Array(x.length);
  for (let r = 0; r < n; r++) {
    out.set(x.subarray(r * D, (r + 1) * D), (n - 1 - r) * D);
  }
  return out;
}

const options = { seed: 1, splits: 5, paperSamples: 40 };

test('measureFeatures: a full-rank set against itself gives FID 0', () => {
  const s = samples(60, 2);
  const m = measureFeatures(
    s,
    statsOf(s.pool3, 60),
    FID_INCEPTION_SHA256,
    options,
  );
  assert.ok(Math.abs(m.fid) < 1e-6, `fid ${m.fid}`);
  assert.equal(m.rankDeficient, false);
  assert.deepEqual([m.nGenerated, m.nReference], [60, 60]);
  assert.deepEqual(m.extractor, {
    name: INCEPTION_EXTRACTOR,
    weightsSha256: FID_INCEPTION_SHA256,
  });
  assert.equal(m.comparable, true);
  assert.deepEqual(m.notes, []);
  assert.equal(m.kid, undefined);
});

test('measureFeatures: invariant to the order of the samples', () => {
  const reference = statsOf(pool3(80, 3, 0.3), 80);
  const s = samples(60, 4);
  const a = measureFeatures(s, reference, FID_INCEPTION_SHA256, options);
  const b = measureFeatures(
    { ...s, pool3: reversed(s.pool3, 60) },
    reference,
    FID_INCEPTION_SHA256,
    options,
  );
  assert.ok(a.fid > 0.05, `fid ${a.fid}`);
  assert.ok(Math.abs(a.fid - b.fid) < 1e-10 * a.fid, `${a.fid} ${b.fid}`);
});

test('measureFeatures: Inception Score from logits', () => {
  // Balanced, nearly one-hot over K classes: IS = K; uniform: IS = 1.
  const s = samples(50, 5);
  const reference = statsOf(s.pool3, 50);
  const sharp = measureFeatures(s, reference, FID_INCEPTION_SHA256, {
    ...options,
    splits: 1,
  });
  assert.ok(Math.abs(sharp.inceptionScore.mean - K) < 1e-9);
  assert.deepEqual(
    [sharp.inceptionScore.n, sharp.inceptionScore.splits],
    [50, 1],
  );
  const flat = measureFeatures(
    { ...s, logits: new Float64Array(50 * K).fill(3) },
    reference,
    FID_INCEPTION_SHA256,
    options,
  );
  assert.ok(Math.abs(flat.inceptionScore.mean - 1) < 1e-12);
  assert.ok(flat.inceptionScore.std < 1e-12);
  assert.throws(
    () =>
      measureFeatures(s, reference, FID_INCEPTION_SHA256, {
        ...options,
        splits: 51,
      }),
    /n must be >= splits=51, got n=50/,
  );
});

test('softmaxRows: known values, stable for large logits', () => {
  const p = softmaxRows(Float64Array.from([0, Math.log(3), 1000, 1000]), 2, 2);
  assert.ok(Math.abs(p[0] - 0.25) < 1e-15 && Math.abs(p[1] - 0.75) < 1e-15);
  assert.deepEqual([p[2], p[3]], [0.5, 0.5]);
});

test('measureFeatures: each rule that makes a value not comparable', () => {
  const s = samples(60, 6);
  const x = s.pool3;
  const sha = FID_INCEPTION_SHA256;
  const notes = (
    f: SampleFeatures,
    reference: InceptionStats,
    weights = sha,
    paperSamples = 40,
  ) => {
    const m = measureFeatures(f, reference, weights, {
      ...options,
      paperSamples,
    });
    assert.equal(m.comparable, m.notes.length === 0);
    return m.notes;
  };
  const other = 'cd'.repeat(32);
  assert.match(
    notes(s, statsOf(x, 60, { weightsSha256: other }), other).join(),
    /weights cdcdcdcdcdcd… are not the published FID Inception weights/,
  );
  assert.deepEqual(notes({ ...s, grayscale: true }, statsOf(x, 60)), [
    'grayscale samples repeated to RGB: not a natural-image FID',
  ]);
  const external: InceptionStats = { ...statsOf(x, 60), meta: undefined };
  const ext = measureFeatures(s, external, sha, options);
  assert.deepEqual(ext.notes, [EXTERNAL_STATS_NOTE]);
  assert.deepEqual(
    [ext.nReference, ext.reference.external, ext.reference.sha256],
    [undefined, true, undefined],
  );
  assert.deepEqual(notes(s, statsOf(x, 60, { grayscale: true })), [
    'reference statistics of grayscale images',
  ]);
  assert.deepEqual(notes(s, statsOf(x, 60, { splitSize: 50_000 })), [
    'reference statistics of 60 of the 50000 images of cifar10/train',
  ]);
  assert.deepEqual(notes(s, statsOf(x, 60), sha, 10_000), [
    "60 samples, fewer than the paper's 10000 (FID shrinks as n grows)",
  ]);
});

test('measureFeatures: n ≤ d is rank-deficient, never comparable', () => {
  const few = samples(D, 7);
  const reference = statsOf(pool3(60, 8), 60);
  const m = measureFeatures(few, reference, FID_INCEPTION_SHA256, {
    ...options,
    paperSamples: 2,
  });
  assert.ok(Number.isFinite(m.fid) && m.fid > 0);
  assert.equal(m.rankDeficient, true);
  assert.equal(m.comparable, false);
  assert.deepEqual(m.notes, [
    'rank-deficient: n=8 samples ≤ 8 feature dimensions, so their ' +
      'covariance is singular (rank ≤ n − 1)',
  ]);
  const self = statsOf(few.pool3, D);
  const zero = measureFeatures(few, self, FID_INCEPTION_SHA256, {
    ...options,
    paperSamples: 2,
  });
  assert.ok(Math.abs(zero.fid) < 1e-6, `fid ${zero.fid}`);
});

test('measureFeatures: KID against reference features', () => {
  const s = samples(40, 9);
  const near = measureFeatures(s, statsOf(s.pool3, 40), FID_INCEPTION_SHA256, {
    ...options,
    kid: { features: pool3(40, 10), m: 40, subsets: 20, subsetSize: 30 },
  });
  const far = measureFeatures(s, statsOf(s.pool3, 40), FID_INCEPTION_SHA256, {
    ...options,
    kid: { features: pool3(40, 10, 2), m: 40, subsets: 20, subsetSize: 30 },
  });
  assert.deepEqual([near.kid!.subsets, near.kid!.subsetSize], [20, 30]);
  assert.ok(Math.abs(near.kid!.mean) < 0.2, `near ${near.kid!.mean}`);
  assert.ok(far.kid!.mean > 1, `far ${far.kid!.mean}`);
});

test('measureFeatures: features of other weights are refused', () => {
  const s = samples(20, 11);
  assert.throws(
    () => measureFeatures(s, statsOf(s.pool3, 20), 'ef'.repeat(32), options),
    /computed with weights 6726825d.*, the samples' features with efef/,
  );
});

test('checkStatsReproduce: same split < 1e-6; another split fails', () => {
  const x = pool3(70, 12);
  const stored = statsOf(x, 70);
  const again = statsOf(reversed(x, 70), 70);
  assert.ok(Math.abs(checkStatsReproduce(stored, again)) < 1e-6);
  const other = statsOf(pool3(70, 13), 70);
  assert.throws(
    () => checkStatsReproduce(stored, other),
    new RegExp(
      'checkStatsReproduce: FID 0\\.\\d+ between stored ' +
        '\\(cifar10/train, n=70.*is not below 0\\.000001',
    ),
  );
  const otherWeights = statsOf(x, 70, { weightsSha256: '00'.repeat(32) });
  assert.throws(
    () => checkStatsReproduce(stored, otherWeights),
    /statistics of other features/,
  );
});

test('checkMeasurable: n >= 2, n >= splits, a 2048-d reference', () => {
  const bytes = (n: number) => ({
    bytes: new Uint8Array(n * 3),
    shape: [n, 1, 1, 3] as [number, number, number, number],
  });
  const wide = { mean: new Float64Array(2048), cov: new Float64Array(0) };
  const reference = { ...wide, d: 2048 };
  assert.doesNotThrow(() => checkMeasurable('f', bytes(10), reference));
  assert.doesNotThrow(() => checkMeasurable('f', bytes(2), reference, 2));
  const cases: [() => void, RegExp][] = [
    [
      () => checkMeasurable('f', bytes(1), reference, 1),
      /f: need at least 2 images, got 1$/,
    ],
    [
      () => checkMeasurable('f', bytes(9), reference),
      /f: 9 samples are fewer than the 10 splits of the Inception Score$/,
    ],
    [
      () => checkMeasurable('f', bytes(10), statsOf(pool3(20, 1), 20)),
      /f: reference has 8 dimensions, expected 2048 \(pool3 of the FID/,
    ],
  ];
  for (const [call, message] of cases) assert.throws(call, message);
});

test('isGrayscale: one channel, or R = G = B everywhere', () => {
  const gray = Uint8Array.from([5, 5, 5, 9, 9, 9]);
  assert.equal(isGrayscale({ bytes: gray, shape: [2, 1, 1, 3] }), true);
  const rgb = Uint8Array.from([5, 5, 5, 9, 9, 8]);
  assert.equal(isGrayscale({ bytes: rgb, shape: [2, 1, 1, 3] }), false);
  const one = new Float32Array(4);
  assert.equal(isGrayscale({ images: one, shape: [4, 1, 1, 1] }), true);
});

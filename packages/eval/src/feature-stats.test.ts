import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  featureMoments,
  frechetDistanceLowRank,
  momentAccumulator,
  sampleFrechetDistance,
} from './feature-stats';
import { frechetDistance, gaussianStats, GaussianStats } from './frechet';
import { maxAbsDiff, normals, randomSpd } from './testing';

/** n rows of d features: normal draws scaled and shifted per column. */
function features(n: number, d: number, seed: number): Float64Array {
  const z = normals(n * d, seed);
  return z.map((v, i) => 3 + (1 + (i % d)) * 0.5 * v);
}

function permuteRows(x: Float64Array, n: number, d: number, seed: number) {
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => ((a * 7919 + seed) % n) - ((b * 7919 + seed) % n),
  );
  const out = new Float64Array(n * d);
  order.forEach((k, i) => out.set(x.subarray(k * d, (k + 1) * d), i * d));
  return out;
}

test('momentAccumulator: chunked moments equal the two-pass moments', () => {
  const n = 53;
  const d = 7;
  const x = features(n, d, 1);
  const exact = gaussianStats(x, n, d);
  const acc = momentAccumulator(d);
  for (const [start, end] of [
    [0, 1],
    [1, 40],
    [40, 53],
  ]) {
    acc.add(x.subarray(start * d, end * d), end - start);
  }
  const got = acc.finish();
  assert.equal(got.n, n);
  assert.ok(maxAbsDiff(got.mean, exact.mean) < 1e-12);
  assert.ok(maxAbsDiff(got.cov, exact.cov) < 1e-11);
});

test('featureMoments: n < d allowed, hand-computed', () => {
  // Rows (1, 2, 0), (3, 2, 4): mean (2, 2, 2); deviations ±(1, 0, 2).
  const m = featureMoments(Float64Array.from([1, 2, 0, 3, 2, 4]), 2, 3);
  assert.deepEqual([...m.mean], [2, 2, 2]);
  assert.deepEqual([...m.cov], [2, 0, 4, 0, 0, 0, 4, 0, 8]);
});

test('momentAccumulator: preconditions name the value', () => {
  assert.throws(() => momentAccumulator(0), /d must be .*got 0/);
  const acc = momentAccumulator(2);
  assert.throws(() => acc.add(new Float64Array(3), 2), /4 values, got 3/);
  acc.add(Float64Array.from([1, 2]), 1);
  assert.throws(() => acc.finish(), /at least 2 rows, got 1/);
});

test('frechetDistanceLowRank: hand-computed d = 2, n = 2', () => {
  // x = (1, 0), (−1, 0): μ = 0, Σ_x = diag(2, 0); Σ_r = diag(2, 3), μ_r
  // = (0, 1): 1 + tr Σ_x + tr Σ_r − 2√(2·2) = 1 + 2 + 5 − 4 = 4.
  const reference: GaussianStats = {
    mean: Float64Array.from([0, 1]),
    cov: Float64Array.from([2, 0, 0, 3]),
    n: 10,
    d: 2,
  };
  const x = Float64Array.from([1, 0, -1, 0]);
  assert.ok(Math.abs(frechetDistanceLowRank(x, 2, reference) - 4) < 1e-12);
});

function randomReference(d: number, seed: number): GaussianStats {
  const mean = Float64Array.from(normals(d, seed));
  return { mean, cov: randomSpd(d, seed + 1), n: 100, d };
}

test('frechetDistanceLowRank: n = 2 in closed form', () => {
  // Σ_x = v vᵀ with v = (x₁ − x₂)/√2, so the trace term is √(vᵀ Σ_r v).
  const d = 9;
  const reference = randomReference(d, 5);
  const x = features(2, d, 11);
  const v = Array.from({ length: d }, (_, j) => (x[j] - x[d + j]) / Math.SQRT2);
  let quad = 0;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) quad += v[i] * reference.cov[i * d + j] * v[j];
  }
  let meanTerm = 0;
  for (let j = 0; j < d; j++) {
    meanTerm += ((x[j] + x[d + j]) / 2 - reference.mean[j]) ** 2;
  }
  let traceR = 0;
  for (let j = 0; j < d; j++) traceR += reference.cov[j * d + j];
  const normV = v.reduce((s, a) => s + a * a, 0);
  const expected = meanTerm + normV + traceR - 2 * Math.sqrt(quad);
  const got = frechetDistanceLowRank(x, 2, reference);
  assert.ok(Math.abs(got - expected) < 1e-12 * expected, `${got}`);
});

test('frechetDistanceLowRank: equals the d × d route for n ≤ d', () => {
  // The d × d route takes square roots of Σ_x's rounding noise on its
  // null space (~√(1e-16)·‖Σ‖ per dimension): compare at 1e-8.
  const d = 12;
  const reference = randomReference(d, 5);
  for (const n of [2, 5, 12]) {
    const x = features(n, d, 10 + n);
    const low = frechetDistanceLowRank(x, n, reference);
    const full = frechetDistance(reference, featureMoments(x, n, d));
    assert.ok(Math.abs(low - full) < 1e-8 * full, `n=${n}: ${low} ${full}`);
  }
});

test('frechetDistanceLowRank: a set against its own moments is 0', () => {
  const n = 6;
  const d = 40;
  const x = features(n, d, 3);
  const own = featureMoments(x, n, d);
  const value = frechetDistanceLowRank(x, n, own);
  assert.ok(Math.abs(value) < 1e-9, `${value}`);
});

test('frechetDistanceLowRank: invariant to the order of the rows', () => {
  const n = 8;
  const d = 20;
  const x = features(n, d, 4);
  const reference = featureMoments(features(30, d, 9), 30, d);
  const a = frechetDistanceLowRank(x, n, reference);
  const b = frechetDistanceLowRank(permuteRows(x, n, d, 3), n, reference);
  assert.ok(Math.abs(a - b) < 1e-10 * a, `${a} vs ${b}`);
});

test('sampleFrechetDistance: low-rank route iff n ≤ d', () => {
  const d = 4;
  const reference = featureMoments(features(50, d, 2), 50, d);
  const few = sampleFrechetDistance(features(4, d, 7), 4, reference);
  assert.equal(few.rankDeficient, true);
  const x = features(30, d, 8);
  const many = sampleFrechetDistance(x, 30, reference);
  assert.equal(many.rankDeficient, false);
  const expected = frechetDistance(gaussianStats(x, 30, d), reference);
  assert.ok(Math.abs(many.value - expected) < 1e-10 * expected);
});

test('frechetDistanceLowRank: preconditions name the value', () => {
  const reference = featureMoments(features(10, 3, 2), 10, 3);
  assert.throws(
    () => frechetDistanceLowRank(new Float64Array(12), 4, reference),
    /n must be <= d=3/,
  );
  assert.throws(
    () => frechetDistanceLowRank(new Float64Array(3), 1, reference),
    /n must be .*got 1/,
  );
});

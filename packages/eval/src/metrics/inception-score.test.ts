import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '@acsm/core';
import { inceptionScore } from './inception-score';
import { sampleIndices } from './shuffle';

/** n one-hot rows over k classes; row i has class labels[i]. */
function oneHot(labels: number[], k: number): Float64Array {
  const probs = new Float64Array(labels.length * k);
  labels.forEach((c, i) => (probs[i * k + c] = 1));
  return probs;
}

/** Random softmax rows [n, k], seeded. */
function randomSoftmax(n: number, k: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const probs = Float64Array.from({ length: n * k }, () =>
    Math.exp(3 * rng.uniform()),
  );
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let c = 0; c < k; c++) sum += probs[i * k + c];
    for (let c = 0; c < k; c++) probs[i * k + c] /= sum;
  }
  return probs;
}

test('inceptionScore: uniform class probabilities give exactly 1', () => {
  const n = 50;
  const k = 8;
  const probs = new Float32Array(n * k).fill(1 / k);
  const r = inceptionScore(probs, n, k, { splits: 5, seed: 1 });
  assert.ok(Math.abs(r.mean - 1) < 1e-6, `mean ${r.mean}`);
  assert.ok(r.std < 1e-6, `std ${r.std}`);
  assert.equal(r.n, n);
  assert.equal(r.splits, 5);
});

test('inceptionScore: balanced one-hot over k classes gives k', () => {
  const k = 7;
  const labels = Array.from({ length: 4 * k }, (_, i) => i % k);
  const r = inceptionScore(oneHot(labels, k), labels.length, k, {
    splits: 1,
    seed: 3,
  });
  assert.ok(Math.abs(r.mean - k) < 1e-12, `mean ${r.mean}`);
  assert.equal(r.std, 0);
});

test('inceptionScore: one-hot with splits gives exp(H) of each split', () => {
  // For one-hot rows E_x KL(p(y|x) ‖ p(y)) is the entropy H of the split's
  // label histogram, so each split scores exp(H); the splits are those of
  // the same seeded shuffle the function draws.
  const k = 10;
  const splits = 10;
  const n = splits * k;
  const labels = Array.from({ length: n }, (_, i) => i % k);
  const seed = 11;
  const order = sampleIndices(n, createRng(seed));
  const scores = Array.from({ length: splits }, (_, s) => {
    const counts = new Array<number>(k).fill(0);
    for (let i = s * k; i < (s + 1) * k; i++) counts[labels[order[i]]] += 1;
    const h = counts
      .filter((c) => c > 0)
      .reduce((acc, c) => acc - (c / k) * Math.log(c / k), 0);
    return Math.exp(h);
  });
  const mean = scores.reduce((a, b) => a + b) / splits;
  const std = Math.sqrt(
    scores.reduce((a, b) => a + (b - mean) ** 2, 0) / splits,
  );
  const r = inceptionScore(oneHot(labels, k), n, k, { splits, seed });
  assert.ok(Math.abs(r.mean - mean) < 1e-12, `${r.mean} vs ${mean}`);
  assert.ok(Math.abs(r.std - std) < 1e-12, `${r.std} vs ${std}`);
  assert.ok(r.mean <= k && r.mean > 1);
});

test('inceptionScore: invariant to row order with one split', () => {
  const n = 40;
  const k = 6;
  const probs = randomSoftmax(n, k, 5);
  const order = sampleIndices(n, createRng(9));
  const shuffled = new Float64Array(n * k);
  order.forEach((r, i) =>
    shuffled.set(probs.subarray(r * k, r * k + k), i * k),
  );
  const a = inceptionScore(probs, n, k, { splits: 1, seed: 1 });
  const b = inceptionScore(shuffled, n, k, { splits: 1, seed: 2 });
  assert.ok(Math.abs(a.mean - b.mean) < 1e-12, `${a.mean} vs ${b.mean}`);
  assert.ok(a.mean > 1 && a.mean < k);
});

test('inceptionScore: same seed, same result', () => {
  const probs = randomSoftmax(30, 4, 2);
  const a = inceptionScore(probs, 30, 4, { splits: 3, seed: 7 });
  const b = inceptionScore(probs, 30, 4, { splits: 3, seed: 7 });
  assert.deepEqual(a, b);
});

test('inceptionScore: preconditions name the argument and value', () => {
  const probs = new Float64Array(9 * 3).fill(1 / 3);
  assert.throws(
    () => inceptionScore(probs, 9, 3, { seed: 0 }),
    /n must be >= splits=10, got n=9/,
  );
  assert.throws(
    () => inceptionScore(probs, 8, 3, { splits: 2, seed: 0 }),
    /probs must hold 8·3 = 24 values, got 27/,
  );
  const bad = probs.slice();
  bad[4] = 0.5;
  assert.throws(
    () => inceptionScore(bad, 9, 3, { splits: 3, seed: 0 }),
    /row 1 of probs must sum to 1/,
  );
  assert.throws(
    () => inceptionScore(probs, 9, 3, { splits: 0, seed: 0 }),
    /splits must be an integer >= 1, got 0/,
  );
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelInceptionDistance } from './kid';
import { normals } from '../testing';

test('kernelInceptionDistance: hand-computed n = m = 3, d = 1', () => {
  // k(a, b) = (ab + 1)³ with γ = 1/d = 1, c₀ = 1. x = 0, 1, 2; y = 1, 2, 3.
  // Σ_{i≠j} k(x_i,x_j) = 2(1 + 1 + 27) = 58 → 58/6 = 29/3
  // Σ_{i≠j} k(y_i,y_j) = 2(27 + 64 + 343) = 868 → 868/6 = 434/3
  // Σ k(x_i,y_j) = 3 + (8 + 27 + 64) + (27 + 125 + 343) = 597 → 2·597/9
  // MMD²_u = 29/3 + 434/3 − 398/3 = 65/3; one subset of all rows.
  const x = Float64Array.from([0, 1, 2]);
  const y = Float64Array.from([1, 2, 3]);
  const r = kernelInceptionDistance(x, y, 3, 3, 1, {
    subsets: 4,
    seed: 0,
  });
  assert.ok(Math.abs(r.mean - 65 / 3) < 1e-12, `mean ${r.mean}`);
  assert.ok(r.std < 1e-12, `std ${r.std}`);
});

test('kernelInceptionDistance: same Gaussian gives mean near 0', () => {
  // Two independent samples of N(0, I₄); the unbiased estimate has
  // expectation 0; at subset size 300 one subset's estimate has std
  // ≈ 0.03, so the tolerance is 0.03 (this seed gives −0.003).
  const d = 4;
  const x = normals(600 * d, 1);
  const y = normals(600 * d, 2);
  const r = kernelInceptionDistance(x, y, 600, 600, d, {
    subsets: 10,
    subsetSize: 300,
    seed: 3,
  });
  assert.ok(Math.abs(r.mean) < 0.03, `mean ${r.mean}`);
});

test('kernelInceptionDistance: shifted Gaussians give a positive value', () => {
  const d = 4;
  const x = normals(400 * d, 4);
  const y = Float32Array.from(normals(400 * d, 5), (v) => v + 1);
  const same = kernelInceptionDistance(x, normals(400 * d, 6), 400, 400, d, {
    subsets: 5,
    subsetSize: 200,
    seed: 7,
  });
  const shifted = kernelInceptionDistance(x, y, 400, 400, d, {
    subsets: 5,
    subsetSize: 200,
    seed: 7,
  });
  assert.ok(shifted.mean > 0.5, `shifted ${shifted.mean}`);
  assert.ok(shifted.mean > 20 * Math.abs(same.mean));
});

test('kernelInceptionDistance: same seed, same result', () => {
  const x = normals(60, 8);
  const y = normals(60, 9);
  const opts = { subsets: 3, subsetSize: 10, seed: 5 };
  assert.deepEqual(
    kernelInceptionDistance(x, y, 20, 20, 3, opts),
    kernelInceptionDistance(x, y, 20, 20, 3, opts),
  );
});

test('kernelInceptionDistance: preconditions name argument and value', () => {
  const x = new Float64Array(6);
  assert.throws(
    () => kernelInceptionDistance(x, new Float64Array(7), 2, 2, 3, { seed: 0 }),
    /y must hold 2·3 = 6 values/,
  );
  assert.throws(
    () => kernelInceptionDistance(x, x, 3, 3, 2, { seed: 0, subsets: 0 }),
    /subsets must be an integer >= 1, got 0/,
  );
  assert.throws(
    () => kernelInceptionDistance(x, x, 1, 1, 6, { seed: 0 }),
    /n must be an integer >= 2, got 1/,
  );
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { frechetDistance, gaussianStats, GaussianStats } from './frechet';
import { matmul } from './linalg';
import {
  cholesky,
  fromEigen,
  jacobiEigenvalues,
  maxAbsDiff,
  normals,
  randomOrthogonal,
  randomSpd,
} from './testing';

function stats(mean: number[], cov: Float64Array, n = 1000): GaussianStats {
  return { mean: Float64Array.from(mean), cov, n, d: mean.length };
}

function diagonal(values: number[]): Float64Array {
  const d = values.length;
  const a = new Float64Array(d * d);
  values.forEach((v, i) => (a[i * d + i] = v));
  return a;
}

function squaredDistance(a: number[], b: number[]): number {
  return a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0);
}

test('gaussianStats: hand-computed mean and unbiased covariance', () => {
  const s = gaussianStats(Float32Array.of(1, 2, 3, 4, 5, 0), 3, 2);
  assert.deepEqual([...s.mean], [3, 2]);
  assert.deepEqual([...s.cov], [4, -2, -2, 4]);
  assert.equal(s.n, 3);
  assert.equal(s.d, 2);
});

test('gaussianStats: n < d fails, naming n and d', () => {
  assert.throws(
    () => gaussianStats(new Float64Array(40), 4, 10),
    /got n=4, d=10/,
  );
  assert.throws(
    () => gaussianStats(new Float64Array(7), 3, 2),
    /expected n·d = 3·2 = 6 values, got 7/,
  );
  assert.throws(
    () => gaussianStats(Float64Array.of(1, 2, 3, Infinity), 2, 2),
    /feature 1 of sample 1 is not finite/,
  );
});

test('frechetDistance: a set against itself is 0', () => {
  const n = 500;
  const d = 16;
  const s = gaussianStats(
    normals(n * d, 1).map((v, i) => v * (1 + (i % d))),
    n,
    d,
  );
  assert.ok(Math.abs(frechetDistance(s, s)) < 1e-6);
});

test('frechetDistance: invariant to sample order', () => {
  const n = 300;
  const d = 8;
  const x = normals(n * d, 2);
  const y = normals(n * d, 3).map((v) => 0.5 + 2 * v);
  const reversed = new Float64Array(n * d);
  for (let r = 0; r < n; r++) {
    reversed.set(x.subarray(r * d, (r + 1) * d), (n - 1 - r) * d);
  }
  const ref = gaussianStats(y, n, d);
  const a = frechetDistance(gaussianStats(x, n, d), ref);
  const b = frechetDistance(gaussianStats(reversed, n, d), ref);
  assert.ok(Math.abs(a - b) < 1e-10 * a, `${a} vs ${b}`);
});

test('frechetDistance: diagonal covariances, Σ(√a − √b)² + ‖Δμ‖²', () => {
  const va = [1, 4, 9, 0.25, 2];
  const vb = [4, 1, 1, 1, 2];
  const ma = [0, 1, 2, 3, 4];
  const mb = [1, 1, 0, 3, 4];
  const fd = frechetDistance(stats(ma, diagonal(va)), stats(mb, diagonal(vb)));
  const expected =
    squaredDistance(ma, mb) +
    va.reduce((s, v, i) => s + (Math.sqrt(v) - Math.sqrt(vb[i])) ** 2, 0);
  assert.ok(Math.abs(fd - expected) < 1e-12, `${fd} vs ${expected}`);
});

test('frechetDistance: commuting full-rank covariances', () => {
  const d = 20;
  const u = randomOrthogonal(d, 4);
  const la = Array.from({ length: d }, (_, i) => 0.1 + i);
  const lb = Array.from({ length: d }, (_, i) => 3 + Math.sin(i));
  const mean = new Array(d).fill(0);
  const fd = frechetDistance(
    stats(mean, fromEigen(u, la)),
    stats(mean, fromEigen(u, lb)),
  );
  const expected = la.reduce(
    (s, v, i) => s + (Math.sqrt(v) - Math.sqrt(lb[i])) ** 2,
    0,
  );
  assert.ok(Math.abs(fd - expected) < 1e-10, `${fd} vs ${expected}`);
});

test('frechetDistance: 2×2 closed form', () => {
  // tr√(Σ₁Σ₂) = √(tr Σ₁Σ₂ + 2√(det Σ₁ det Σ₂)) for 2×2 PSD matrices.
  const a = Float64Array.of(2, 0.7, 0.7, 1);
  const b = Float64Array.of(0.5, -0.3, -0.3, 3);
  const det = (m: Float64Array) => m[0] * m[3] - m[1] * m[2];
  const trProduct = a[0] * b[0] + a[1] * b[2] + a[2] * b[1] + a[3] * b[3];
  const trSqrt = Math.sqrt(trProduct + 2 * Math.sqrt(det(a) * det(b)));
  const expected = 1 + 4 + (2 + 1) + (0.5 + 3) - 2 * trSqrt;
  const fd = frechetDistance(stats([1, 0], a), stats([0, 2], b));
  assert.ok(Math.abs(fd - expected) < 1e-13, `${fd} vs ${expected}`);
});

test('frechetDistance: random full rank = Cholesky + Jacobi route', () => {
  const d = 24;
  const a = randomSpd(d, 6);
  const b = randomSpd(d, 7, 0.5);
  // Σ₁Σ₂ is similar to LᵀΣ₂L (Σ₁ = LLᵀ): same eigenvalues, symmetric.
  const l = cholesky(a, d);
  const lt = new Float64Array(d * d).map(
    (_, k) => l[(k % d) * d + ((k / d) | 0)],
  );
  const lambda = jacobiEigenvalues(matmul(matmul(lt, b, d), l, d), d);
  const ma = [...normals(d, 8)];
  const mb = [...normals(d, 9)];
  let traces = 0;
  for (let i = 0; i < d; i++) traces += a[i * d + i] + b[i * d + i];
  const expected =
    squaredDistance(ma, mb) +
    traces -
    2 * lambda.reduce((s, v) => s + Math.sqrt(v), 0);
  const fd = frechetDistance(stats(ma, a), stats(mb, b));
  assert.ok(Math.abs(fd - expected) < 1e-10 * expected, `${fd} vs ${expected}`);
  assert.ok(Math.abs(frechetDistance(stats(mb, b), stats(ma, a)) - fd) < 1e-10);
});

test('frechetDistance: one reference, many sample sets (its root kept)', () => {
  const d = 16;
  const ref = stats([...normals(d, 20)], randomSpd(d, 21));
  for (let k = 0; k < 3; k++) {
    const x = stats([...normals(d, 30 + k)], randomSpd(d, 40 + k, 0.3));
    // The same set as reference: its root computed afresh.
    const fresh = frechetDistance(ref, { ...x, cov: Float64Array.from(x.cov) });
    const kept = frechetDistance(x, ref);
    assert.ok(Math.abs(kept - fresh) < 1e-10 * fresh, `${kept} vs ${fresh}`);
  }
});

test('frechetDistance: near-singular and singular covariances', () => {
  const d = 6;
  const u = randomOrthogonal(d, 10);
  const la = [1e-14, 0, 1, 2, 3, 4];
  const lb = [1, 1e-12, 0, 2, 5, 4];
  const mean = new Array(d).fill(0);
  const a = stats(mean, fromEigen(u, la));
  const b = stats(mean, fromEigen(u, lb));
  const expected = la.reduce(
    (s, v, i) => s + (Math.sqrt(v) - Math.sqrt(lb[i])) ** 2,
    0,
  );
  assert.ok(Math.abs(frechetDistance(a, b) - expected) < 1e-6);
  assert.ok(Math.abs(frechetDistance(a, a)) < 1e-6);
  // A constant feature: its row and column of Σ are exactly zero.
  const n = 200;
  const x = normals(n * 3, 12).map((v, i) => (i % 3 === 1 ? 7 : v));
  const s = gaussianStats(x, n, 3);
  assert.equal(maxAbsDiff(s.cov.subarray(3, 6), [0, 0, 0]), 0);
  assert.ok(Math.abs(frechetDistance(s, s)) < 1e-6);
});

test('frechetDistance: rejects different dimensions', () => {
  assert.throws(
    () =>
      frechetDistance(
        stats([0], diagonal([1])),
        stats([0, 0], diagonal([1, 1])),
      ),
    /dimensions differ, 1 vs 2/,
  );
});

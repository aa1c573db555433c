import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  matmul,
  sqrtPsd,
  symmetricEigen,
  symmetricEigenvalues,
} from './linalg';
import {
  fromEigen,
  jacobiEigenvalues,
  maxAbsDiff,
  randomOrthogonal,
  randomSpd,
} from './testing';

/** ‖A − V diag(λ) Vᵀ‖max and ‖VᵀV − I‖max. */
function residuals(a: Float64Array, d: number) {
  const { values, vectors } = symmetricEigen(a, d);
  const reconstruction = maxAbsDiff(a, fromEigen(vectors, values));
  const vt = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) vt[i * d + j] = vectors[j * d + i];
  }
  const eye = new Float64Array(d * d).map((_, k) => +(k % (d + 1) === 0));
  const orthogonality = maxAbsDiff(matmul(vt, vectors, d), eye);
  return { values, reconstruction, orthogonality };
}

test('symmetricEigen: 1×1, 2×2 and diagonal matrices', () => {
  assert.deepEqual([...symmetricEigen(Float64Array.of(-3), 1).values], [-3]);
  const two = residuals(Float64Array.of(2, 1, 1, 2), 2);
  assert.ok(maxAbsDiff(two.values, [1, 3]) < 1e-14);
  const diag = Float64Array.of(5, 0, 0, 0, -1, 0, 0, 0, 2);
  assert.ok(maxAbsDiff(residuals(diag, 3).values, [-1, 2, 5]) < 1e-15);
});

test('symmetricEigen: second differences, 2 − 2cos(kπ/(n+1))', () => {
  const n = 40;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    a[i * n + i] = 2;
    if (i + 1 < n) a[i * n + i + 1] = a[(i + 1) * n + i] = -1;
  }
  const expected = Array.from(
    { length: n },
    (_, k) => 2 - 2 * Math.cos(((k + 1) * Math.PI) / (n + 1)),
  );
  const r = residuals(a, n);
  assert.ok(maxAbsDiff(r.values, expected) < 1e-13);
  assert.ok(r.reconstruction < 1e-13 && r.orthogonality < 1e-13);
});

test('symmetricEigen: known spectrum with repeated values', () => {
  const d = 30;
  const spectrum = Array.from({ length: d }, (_, i) =>
    i < 10 ? 2 : i < 12 ? 0 : -1 + i / 7,
  );
  const a = fromEigen(randomOrthogonal(d, 11), spectrum);
  const r = residuals(a, d);
  const sorted = [...spectrum].sort((x, y) => x - y);
  assert.ok(maxAbsDiff(r.values, sorted) < 1e-13);
  assert.ok(r.reconstruction < 1e-13, `reconstruction ${r.reconstruction}`);
  assert.ok(r.orthogonality < 1e-13, `orthogonality ${r.orthogonality}`);
});

test('symmetricEigen: agrees with cyclic Jacobi on a random 64×64', () => {
  const d = 64;
  const a = randomSpd(d, 5, -0.5); // indefinite after the negative ridge
  const r = residuals(a, d);
  assert.ok(maxAbsDiff(r.values, jacobiEigenvalues(a, d)) < 1e-12);
  assert.ok(maxAbsDiff(symmetricEigenvalues(a, d), r.values) < 1e-12);
  assert.ok(r.reconstruction < 1e-12 && r.orthogonality < 1e-12);
});

test('symmetricEigen: rank-deficient and zero matrices', () => {
  const zero = residuals(new Float64Array(16), 4);
  assert.deepEqual([...zero.values], [0, 0, 0, 0]);
  const u = Float64Array.of(1, 2, 3, 4);
  const outer = new Float64Array(16).map((_, k) => u[k >> 2] * u[k & 3]);
  const r = residuals(outer, 4);
  assert.ok(maxAbsDiff(r.values, [0, 0, 0, 30]) < 1e-13);
  assert.ok(r.reconstruction < 1e-13 && r.orthogonality < 1e-14);
});

test('symmetricEigen: validates its input, naming the values', () => {
  assert.throws(
    () => symmetricEigen(new Float64Array(5), 2),
    /expected 2×2 = 4 values, got 5/,
  );
  assert.throws(
    () => symmetricEigen(Float64Array.of(1, NaN, NaN, 1), 2),
    /entry 1 is not finite \(NaN\)/,
  );
});

test('sqrtPsd: S·S = A, and tiny negative eigenvalues clip to 0', () => {
  const d = 12;
  const a = randomSpd(d, 3);
  const s = sqrtPsd(a, d);
  assert.ok(maxAbsDiff(matmul(s, s, d), a) < 1e-13);
  const spectrum = [-1e-15, ...Array.from({ length: d - 1 }, (_, i) => i)];
  const u = randomOrthogonal(d, 8);
  const root = sqrtPsd(fromEigen(u, spectrum), d);
  const expected = fromEigen(
    u,
    spectrum.map((v) => Math.sqrt(Math.max(v, 0))),
  );
  assert.ok(maxAbsDiff(root, expected) < 1e-7);
});

/**
 * Helpers shared by the tests of this package: seeded normal draws,
 * random orthogonal and SPD matrices, and independent reference routines.
 * Not exported from the package.
 */
import { createRng } from '@acsm/core';

/** n standard normal draws (Box–Muller), seeded. */
export function normals(n: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = 1 - rng.uniform();
    const v = rng.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

/** A random orthogonal d×d matrix by Gram–Schmidt on normal columns. */
export function randomOrthogonal(d: number, seed: number): Float64Array {
  const g = normals(d * d, seed);
  const q = new Float64Array(d * d);
  for (let c = 0; c < d; c++) {
    const v = Float64Array.from({ length: d }, (_, r) => g[r * d + c]);
    for (let p = 0; p < c; p++) {
      let dot = 0;
      for (let r = 0; r < d; r++) dot += q[r * d + p] * v[r];
      for (let r = 0; r < d; r++) v[r] -= dot * q[r * d + p];
    }
    const norm = Math.hypot(...v);
    for (let r = 0; r < d; r++) q[r * d + c] = v[r] / norm;
  }
  return q;
}

/** U diag(values) Uᵀ. */
export function fromEigen(u: Float64Array, values: ArrayLike<number>) {
  const d = values.length;
  const a = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += u[i * d + k] * values[k] * u[j * d + k];
      a[i * d + j] = s;
    }
  }
  return a;
}

/** A random symmetric positive definite matrix G Gᵀ/d + ridge·I. */
export function randomSpd(d: number, seed: number, ridge = 0.1) {
  const g = normals(d * d, seed);
  const a = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += g[i * d + k] * g[j * d + k];
      a[i * d + j] = s / d + (i === j ? ridge : 0);
    }
  }
  return a;
}

/** Lower Cholesky factor L with A = L Lᵀ (A positive definite). */
export function cholesky(a: Float64Array, d: number): Float64Array {
  const l = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    let s = a[j * d + j];
    for (let k = 0; k < j; k++) s -= l[j * d + k] ** 2;
    l[j * d + j] = Math.sqrt(s);
    for (let i = j + 1; i < d; i++) {
      let t = a[i * d + j];
      for (let k = 0; k < j; k++) t -= l[i * d + k] * l[j * d + k];
      l[i * d + j] = t / l[j * d + j];
    }
  }
  return l;
}

/**
 * Eigenvalues of a symmetric matrix by cyclic Jacobi rotations (Golub &
 * Van Loan §8.5.3), an algorithm independent of the QL solver under test.
 */
export function jacobiEigenvalues(input: Float64Array, d: number) {
  const a = Float64Array.from(input);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < d; i++) {
      for (let j = i + 1; j < d; j++) off += a[i * d + j] ** 2;
    }
    if (off < 1e-30) break;
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) jacobiRotate(a, d, p, q);
    }
  }
  return Float64Array.from({ length: d }, (_, i) => a[i * d + i]).sort();
}

function jacobiRotate(a: Float64Array, d: number, p: number, q: number) {
  const apq = a[p * d + q];
  if (apq === 0) return;
  const theta = (a[q * d + q] - a[p * d + p]) / (2 * apq);
  const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.hypot(theta, 1));
  const c = 1 / Math.hypot(t, 1);
  const s = t * c;
  for (let k = 0; k < d; k++) {
    const akp = a[k * d + p];
    const akq = a[k * d + q];
    a[k * d + p] = c * akp - s * akq;
    a[k * d + q] = s * akp + c * akq;
  }
  for (let k = 0; k < d; k++) {
    const apk = a[p * d + k];
    const aqk = a[q * d + k];
    a[p * d + k] = c * apk - s * aqk;
    a[q * d + k] = s * apk + c * aqk;
  }
}

/** Largest absolute entry of a − b. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>) {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

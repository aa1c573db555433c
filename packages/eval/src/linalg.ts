/**
 * Dense float64 linear algebra for the Fréchet distance. Matrices are
 * row-major Float64Array of d·d values.
 */

/** Eigen-decomposition of a symmetric matrix: A = V diag(values) Vᵀ. */
export interface SymmetricEigen {
  /** [d] eigenvalues, ascending. */
  readonly values: Float64Array;
  /** [d, d] row-major; column k is the unit eigenvector of values[k]. */
  readonly vectors: Float64Array;
}

/** Tridiagonal T = Qᵀ A Q: diagonal, subdiagonal (sub[i] = T[i+1, i]). */
interface Tridiagonal {
  readonly diag: Float64Array;
  readonly sub: Float64Array;
  /** [d, d] row-major orthogonal Q, or undefined if not requested. */
  readonly q?: Float64Array;
}

const EPS = 2 ** -52;

/** C = A B for d×d row-major matrices. */
export function matmul(a: Float64Array, b: Float64Array, d: number) {
  const c = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let k = 0; k < d; k++) {
      const aik = a[i * d + k];
      if (aik === 0) continue;
      for (let j = 0; j < d; j++) c[i * d + j] += aik * b[k * d + j];
    }
  }
  return c;
}

/** Sum of the diagonal of a d×d matrix. */
export function trace(a: Float64Array, d: number): number {
  let t = 0;
  for (let i = 0; i < d; i++) t += a[i * d + i];
  return t;
}

/** (A + Aᵀ)/2, removing rounding asymmetry. */
export function symmetrize(a: Float64Array, d: number): Float64Array {
  const s = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      s[i * d + j] = 0.5 * (a[i * d + j] + a[j * d + i]);
    }
  }
  return s;
}

/**
 * The Householder vector v (in place over x) with (I − β v vᵀ) x = α e₁,
 * α = −sign(x₀)‖x‖. Golub & Van Loan, Matrix Computations, §5.1.2.
 * Returns β, or 0 when x already has the form α e₁.
 */
function householder(x: Float64Array): { alpha: number; beta: number } {
  let tail = 0;
  for (let i = 1; i < x.length; i++) tail += x[i] * x[i];
  if (tail === 0) return { alpha: x[0], beta: 0 };
  const norm = Math.sqrt(x[0] * x[0] + tail);
  const alpha = x[0] > 0 ? -norm : norm;
  x[0] -= alpha; // v = x − α e₁
  const vv = x[0] * x[0] + tail;
  return { alpha, beta: 2 / vv };
}

/**
 * A ← H A H on the trailing block [k+1:, k+1:] with H = I − β v vᵀ:
 * p = β A v, w = p − (β vᵀp / 2) v, A ← A − v wᵀ − w vᵀ.
 * Golub & Van Loan §8.3.1 (symmetric rank-2 update).
 */
function reflectBlock(
  a: Float64Array,
  d: number,
  k: number,
  v: Float64Array,
  beta: number,
): void {
  const m = v.length;
  const o = k + 1;
  const p = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let j = 0; j < m; j++) s += a[(o + i) * d + o + j] * v[j];
    p[i] = beta * s;
  }
  let vp = 0;
  for (let i = 0; i < m; i++) vp += v[i] * p[i];
  const kk = (beta * vp) / 2;
  for (let i = 0; i < m; i++) p[i] -= kk * v[i];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      a[(o + i) * d + o + j] -= v[i] * p[j] + p[i] * v[j];
    }
  }
}

/** Q ← Q H on columns [k+1:], with H = I − β v vᵀ. */
function accumulate(
  q: Float64Array,
  d: number,
  k: number,
  v: Float64Array,
  beta: number,
): void {
  const o = k + 1;
  for (let r = 0; r < d; r++) {
    let s = 0;
    for (let j = 0; j < v.length; j++) s += q[r * d + o + j] * v[j];
    s *= beta;
    for (let j = 0; j < v.length; j++) q[r * d + o + j] -= s * v[j];
  }
}

/**
 * Householder reduction of a symmetric matrix to tridiagonal form,
 * A = Q T Qᵀ. Golub & Van Loan, Matrix Computations (4th ed.), Alg. 8.3.1.
 */
function tridiagonalize(input: Float64Array, d: number, wantQ: boolean) {
  const a = Float64Array.from(input);
  const q = wantQ ? identity(d) : undefined;
  const sub = new Float64Array(d);
  for (let k = 0; k < d - 2; k++) {
    const v = new Float64Array(d - k - 1);
    for (let i = 0; i < v.length; i++) v[i] = a[(k + 1 + i) * d + k];
    const { alpha, beta } = householder(v);
    sub[k] = alpha;
    if (beta === 0) continue;
    reflectBlock(a, d, k, v, beta);
    if (q) accumulate(q, d, k, v, beta);
  }
  if (d >= 2) sub[d - 2] = a[(d - 1) * d + d - 2];
  const diag = new Float64Array(d);
  for (let i = 0; i < d; i++) diag[i] = a[i * d + i];
  return { diag, sub, q } satisfies Tridiagonal;
}

function identity(d: number): Float64Array {
  const m = new Float64Array(d * d);
  for (let i = 0; i < d; i++) m[i * d + i] = 1;
  return m;
}

/** First m ≥ l whose subdiagonal entry is negligible (or d − 1). */
function splitPoint(diag: Float64Array, sub: Float64Array, l: number) {
  const d = diag.length;
  let m = l;
  while (m < d - 1) {
    const scale = Math.abs(diag[m]) + Math.abs(diag[m + 1]);
    if (Math.abs(sub[m]) <= EPS * scale) break;
    m++;
  }
  return m;
}

/**
 * Z ← Z G for a Givens rotation G acting on columns i, i+1, with Z held
 * transposed (zT row k = column k of Z) so both rows are contiguous.
 */
function rotate(zT: Float64Array, d: number, i: number, c: number, s: number) {
  const a = i * d;
  const b = (i + 1) * d;
  for (let r = 0; r < d; r++) {
    const f = zT[b + r];
    zT[b + r] = s * zT[a + r] + c * f;
    zT[a + r] = c * zT[a + r] - s * f;
  }
}

/**
 * One implicit QL step with Wilkinson shift on the block [l, m] of a
 * symmetric tridiagonal matrix (chasing the bulge upward from m).
 * Numerical Recipes (3rd ed.) §11.4, routine tqli; Golub & Van Loan §8.3.
 */
function qlStep(
  diag: Float64Array,
  sub: Float64Array,
  l: number,
  m: number,
  zT?: Float64Array,
): void {
  const d = diag.length;
  // Wilkinson shift from the leading 2×2 block.
  let g = (diag[l + 1] - diag[l]) / (2 * sub[l]);
  let r = Math.hypot(g, 1);
  g = diag[m] - diag[l] + sub[l] / (g + (g >= 0 ? r : -r));
  let s = 1;
  let c = 1;
  let p = 0;
  for (let i = m - 1; i >= l; i--) {
    const f = s * sub[i];
    const b = c * sub[i];
    r = Math.hypot(f, g);
    sub[i + 1] = r;
    if (r === 0) {
      // Underflow: the block splits at i + 1; recover and rescan.
      diag[i + 1] -= p;
      sub[m] = 0;
      return;
    }
    s = f / r;
    c = g / r;
    g = diag[i + 1] - p;
    r = (diag[i] - g) * s + 2 * c * b;
    p = s * r;
    diag[i + 1] = g + p;
    g = c * r - b;
    if (zT) rotate(zT, d, i, c, s);
  }
  diag[l] -= p;
  sub[l] = g;
  sub[m] = 0;
}

/**
 * Eigenvalues of tridiagonal T = W Λ Wᵀ into diag and, if zT (Z
 * transposed) is given, Z ← Z W.
 */
function tridiagonalQl(
  diag: Float64Array,
  sub: Float64Array,
  zT?: Float64Array,
): void {
  const d = diag.length;
  const maxIterations = 60 * Math.max(d, 1);
  let iterations = 0;
  for (let l = 0; l < d; l++) {
    for (;;) {
      const m = splitPoint(diag, sub, l);
      if (m === l) break;
      if (++iterations > maxIterations) {
        throw new Error(
          `symmetricEigen: QL did not converge in ${maxIterations} ` +
            `iterations (d=${d})`,
        );
      }
      qlStep(diag, sub, l, m, zT);
    }
  }
}

/** Eigenpairs by ascending eigenvalue; row k of vT is eigenvector k. */
function sortAscending(values: Float64Array, vT: Float64Array, d: number) {
  const order = [...values.keys()].sort((i, j) => values[i] - values[j]);
  const sortedValues = Float64Array.from(order, (i) => values[i]);
  const vectors = new Float64Array(d * d);
  order.forEach((from, to) => {
    for (let r = 0; r < d; r++) vectors[r * d + to] = vT[from * d + r];
  });
  return { values: sortedValues, vectors };
}

function transpose(a: Float64Array, d: number): Float64Array {
  const t = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) t[j * d + i] = a[i * d + j];
  }
  return t;
}

function checkSymmetric(op: string, a: Float64Array, d: number): void {
  if (!Number.isInteger(d) || d < 1 || a.length !== d * d) {
    throw new Error(
      `${op}: expected ${d}×${d} = ${d * d} values, got ${a.length}`,
    );
  }
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i])) {
      throw new Error(`${op}: entry ${i} is not finite (${a[i]})`);
    }
  }
}

/**
 * Eigen-decomposition of a symmetric d×d matrix (only the lower triangle
 * is read): Householder tridiagonalisation then implicit QL with
 * Wilkinson shifts. Golub & Van Loan, Matrix Computations (4th ed.),
 * §8.3; Numerical Recipes (3rd ed.) §11.3–11.4.
 */
export function symmetricEigen(a: Float64Array, d: number): SymmetricEigen {
  checkSymmetric('symmetricEigen', a, d);
  const lower = symmetrizeFromLower(a, d);
  const { diag, sub, q } = tridiagonalize(lower, d, true);
  const qT = transpose(q as Float64Array, d);
  tridiagonalQl(diag, sub, qT);
  return sortAscending(diag, qT, d);
}

/** Eigenvalues only (ascending) of a symmetric d×d matrix; see above. */
export function symmetricEigenvalues(a: Float64Array, d: number) {
  checkSymmetric('symmetricEigenvalues', a, d);
  const { diag, sub } = tridiagonalize(symmetrizeFromLower(a, d), d, false);
  tridiagonalQl(diag, sub);
  return diag.sort();
}

function symmetrizeFromLower(a: Float64Array, d: number): Float64Array {
  const s = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      s[i * d + j] = a[i * d + j];
      s[j * d + i] = a[i * d + j];
    }
  }
  return s;
}

/**
 * Principal square root of a symmetric positive semi-definite matrix,
 * V diag(√max(λ, 0)) Vᵀ; eigenvalues below 0 (rounding) are clipped.
 */
export function sqrtPsd(a: Float64Array, d: number): Float64Array {
  const { values, vectors } = symmetricEigen(a, d);
  const root = values.map((v) => Math.sqrt(Math.max(v, 0)));
  const s = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = 0;
      for (let k = 0; k < d; k++) {
        sum += vectors[i * d + k] * root[k] * vectors[j * d + k];
      }
      s[i * d + j] = sum;
      s[j * d + i] = sum;
    }
  }
  return s;
}

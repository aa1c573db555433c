import {
  matmul,
  sqrtPsd,
  symmetricEigenvalues,
  symmetrize,
  trace,
} from './linalg';

/** Mean and unbiased covariance of n feature vectors of dimension d. */
export interface GaussianStats {
  /** [d] */
  readonly mean: Float64Array;
  /** [d, d] row-major, divided by n − 1. */
  readonly cov: Float64Array;
  readonly n: number;
  readonly d: number;
}

function checkFeatures(
  features: Float64Array | Float32Array,
  n: number,
  d: number,
): void {
  if (!Number.isInteger(n) || !Number.isInteger(d) || d < 1) {
    throw new Error(`gaussianStats: bad sizes n=${n}, d=${d}`);
  }
  if (features.length !== n * d) {
    throw new Error(
      `gaussianStats: expected n·d = ${n}·${d} = ${n * d} values, ` +
        `got ${features.length}`,
    );
  }
  if (n < 2 || n < d) {
    throw new Error(
      `gaussianStats: need at least as many samples as feature ` +
        `dimensions (and n >= 2) for a full-rank covariance, ` +
        `got n=${n}, d=${d}`,
    );
  }
  const bad = features.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    throw new Error(
      `gaussianStats: feature ${bad % d} of sample ${Math.floor(bad / d)} ` +
        `is not finite (${features[bad]})`,
    );
  }
}

function featureMean(x: Float64Array | Float32Array, n: number, d: number) {
  const mean = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < d; j++) mean[j] += x[r * d + j];
  }
  return mean.map((s) => s / n);
}

/**
 * Sample mean and unbiased covariance Σ = (X − μ)ᵀ(X − μ)/(n − 1) in
 * float64 (two-pass). features: [n, d] row-major. Heusel et al. 2017,
 * "GANs trained by a two time-scale update rule…", arXiv:1706.08500, §3.
 */
export function gaussianStats(
  features: Float64Array | Float32Array,
  n: number,
  d: number,
): GaussianStats {
  checkFeatures(features, n, d);
  const mean = featureMean(features, n, d);
  const cov = new Float64Array(d * d);
  const centred = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < d; j++) centred[j] = features[r * d + j] - mean[j];
    for (let i = 0; i < d; i++) {
      const ci = centred[i];
      for (let j = i; j < d; j++) cov[i * d + j] += ci * centred[j];
    }
  }
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      cov[i * d + j] /= n - 1;
      cov[j * d + i] = cov[i * d + j];
    }
  }
  return { mean, cov, n, d };
}

/** Σ^½ per covariance array: one reference serves many sample sets. */
const roots = new WeakMap<Float64Array, Float64Array>();

/**
 * Σ^½ of `cov`, computed once per array (its eigen-decomposition is most
 * of the d × d route's time); the array must not change afterwards.
 */
function sqrtOnce(cov: Float64Array, d: number): Float64Array {
  let root = roots.get(cov);
  if (root === undefined || root.length !== d * d) {
    root = sqrtPsd(cov, d);
    roots.set(cov, root);
  }
  return root;
}

/**
 * tr((Σ₁^½ Σ₂ Σ₁^½)^½), negative rounding eigenvalues clipped to 0; Σ₁^½
 * is kept for later calls with the same Σ₁ array (pass the reference's).
 */
export function traceSqrtProduct(
  cov1: Float64Array,
  cov2: Float64Array,
  d: number,
): number {
  const root1 = sqrtOnce(cov1, d);
  const m = symmetrize(matmul(matmul(root1, cov2, d), root1, d), d);
  const lambda = symmetricEigenvalues(m, d);
  return lambda.reduce((s, v) => s + Math.sqrt(Math.max(v, 0)), 0);
}

/**
 * Fréchet distance between Gaussians N(μ₁, Σ₁) and N(μ₂, Σ₂):
 * ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr((Σ₁^½ Σ₂ Σ₁^½)^½), in float64.
 * Dowson & Landau 1982, J. Multivariate Anal. 12(3); used as FID by
 * Heusel et al. 2017, arXiv:1706.08500, eq. (6).
 */
export function frechetDistance(a: GaussianStats, b: GaussianStats): number {
  if (a.d !== b.d) {
    throw new Error(`frechetDistance: dimensions differ, ${a.d} vs ${b.d}`);
  }
  const d = a.d;
  let meanTerm = 0;
  for (let i = 0; i < d; i++) meanTerm += (a.mean[i] - b.mean[i]) ** 2;
  const traces = trace(a.cov, d) + trace(b.cov, d);
  // tr((Σ₁^½ Σ₂ Σ₁^½)^½) is symmetric in Σ₁, Σ₂ (the eigenvalues of Σ₁Σ₂
  // and Σ₂Σ₁ agree): b, the reference by convention, takes the root.
  return meanTerm + traces - 2 * traceSqrtProduct(b.cov, a.cov, d);
}

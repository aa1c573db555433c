// Kernel Inception Distance: unbiased MMD² with a polynomial kernel.
import { createRng } from '@acsm/core';
import {
  checkInteger,
  checkMatrix,
  checkPositive,
  fail,
  Floats,
  meanStd,
} from './check';
import { sampleIndices } from './shuffle';

/** Options of `kernelInceptionDistance`; defaults as in Bińkowski et al. */
export interface KidOptions {
  /** Number of random subsets averaged; default 100. */
  readonly subsets?: number;
  /** Rows per subset from each set; default 1000, clamped to min(n, m). */
  readonly subsetSize?: number;
  /** Seed of the subset draws (`createRng`). */
  readonly seed: number;
  /** Kernel degree; default 3. */
  readonly degree?: number;
  /** Kernel scale; default 1/d. */
  readonly gamma?: number;
  /** Kernel offset; default 1. */
  readonly coef0?: number;
}

/** Mean and population std of the per-subset MMD² estimates. */
export interface KidResult {
  readonly mean: number;
  readonly std: number;
}

interface Kernel {
  readonly d: number;
  readonly degree: number;
  readonly gamma: number;
  readonly coef0: number;
}

/** k(a, b) = (γ aᵀb + c₀)^degree for rows i of a and j of b. */
function kernel(a: Floats, i: number, b: Floats, j: number, k: Kernel) {
  let dot = 0;
  for (let t = 0; t < k.d; t++) dot += a[i * k.d + t] * b[j * k.d + t];
  return (k.gamma * dot + k.coef0) ** k.degree;
}

/** Sum of k(a_i, a_j) over ordered pairs i ≠ j of the chosen rows. */
function offDiagonalSum(a: Floats, rows: Uint32Array, k: Kernel): number {
  let sum = 0;
  for (let p = 0; p < rows.length; p++) {
    for (let q = p + 1; q < rows.length; q++) {
      sum += kernel(a, rows[p], a, rows[q], k);
    }
  }
  return 2 * sum;
}

/**
 * Unbiased MMD², Gretton et al. 2012 (JMLR 13, Lemma 6) with s rows each:
 * Σ_{i≠j} k(x_i,x_j)/(s(s−1)) + Σ_{i≠j} k(y_i,y_j)/(s(s−1))
 * − 2 Σ_{i,j} k(x_i,y_j)/s².
 */
function mmd2Unbiased(
  x: Floats,
  xRows: Uint32Array,
  y: Floats,
  yRows: Uint32Array,
  k: Kernel,
): number {
  const s = xRows.length;
  let cross = 0;
  for (const i of xRows) for (const j of yRows) cross += kernel(x, i, y, j, k);
  const within = offDiagonalSum(x, xRows, k) + offDiagonalSum(y, yRows, k);
  return within / (s * (s - 1)) - (2 * cross) / (s * s);
}

/**
 * Kernel Inception Distance, Bińkowski et al. 2018 (arXiv:1801.01401,
 * §4 and eq. 3): unbiased MMD² with k(a,b) = (γ aᵀb + c₀)^degree, averaged
 * over random subsets. x: [n, d], y: [m, d] feature rows, row-major.
 */
export function kernelInceptionDistance(
  x: Floats,
  y: Floats,
  n: number,
  m: number,
  d: number,
  options: KidOptions,
): KidResult {
  const fn = 'kernelInceptionDistance';
  const { subsets = 100, subsetSize = 1000, seed, degree = 3 } = options;
  const { gamma = 1 / d, coef0 = 1 } = options;
  checkInteger(fn, 'n', n, 2);
  checkInteger(fn, 'm', m, 2);
  checkInteger(fn, 'd', d, 1);
  checkInteger(fn, 'subsets', subsets, 1);
  checkInteger(fn, 'subsetSize', subsetSize, 2);
  checkInteger(fn, 'degree', degree, 1);
  checkPositive(fn, 'gamma', gamma);
  if (!Number.isFinite(coef0)) fail(fn, `coef0 must be finite, got ${coef0}`);
  checkMatrix(fn, 'x', x, n, d);
  checkMatrix(fn, 'y', y, m, d);
  const k: Kernel = { d, degree, gamma, coef0 };
  const size = Math.min(subsetSize, n, m);
  const rng = createRng(seed);
  const estimates = Array.from({ length: subsets }, () => {
    const xRows = sampleIndices(n, rng, size);
    const yRows = sampleIndices(m, rng, size);
    return mmd2Unbiased(x, xRows, y, yRows, k);
  });
  return meanStd(estimates);
}

// Inception Score of classifier softmax outputs (PAPER.md §10).
import { createRng } from '@acsm/core';
import { checkInteger, checkMatrix, fail, Floats, meanStd } from './check';
import { sampleIndices } from './shuffle';

/** Options of `inceptionScore`. */
export interface InceptionScoreOptions {
  /** Number of disjoint splits of the shuffled rows; default 10. */
  readonly splits?: number;
  /** Seed of the row shuffle (`createRng`). */
  readonly seed: number;
}

/** Mean ± population std of the per-split scores, with the sample count. */
export interface InceptionScoreResult {
  readonly mean: number;
  readonly std: number;
  readonly n: number;
  readonly splits: number;
}

const ROW_SUM_TOLERANCE = 1e-3;

function checkProbabilities(probs: Floats, n: number, k: number): void {
  const fn = 'inceptionScore';
  checkMatrix(fn, 'probs', probs, n, k);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let c = 0; c < k; c++) {
      const p = probs[i * k + c];
      if (p < 0) fail(fn, `probs[${i}, ${c}] must be >= 0, got ${p}`);
      sum += p;
    }
    if (Math.abs(sum - 1) > ROW_SUM_TOLERANCE) {
      fail(fn, `row ${i} of probs must sum to 1 (softmax), got ${sum}`);
    }
  }
}

/** exp(mean over rows of KL(p(y|x) ‖ p(y))), p(y) the mean of the rows. */
function splitScore(probs: Floats, rows: Uint32Array, k: number): number {
  const marginal = new Float64Array(k);
  for (const r of rows) {
    for (let c = 0; c < k; c++) marginal[c] += probs[r * k + c];
  }
  for (let c = 0; c < k; c++) marginal[c] /= rows.length;
  let kl = 0;
  for (const r of rows) {
    for (let c = 0; c < k; c++) {
      const p = probs[r * k + c];
      if (p > 0) kl += p * Math.log(p / marginal[c]); // 0·log 0 = 0
    }
  }
  return Math.exp(kl / rows.length);
}

/**
 * Inception Score, Salimans et al. 2016 (arXiv:1606.03498, §4):
 * IS = exp(E_x KL(p(y|x) ‖ p(y))), per split of a seeded shuffle.
 * probs: [n, k] softmax rows, row-major. Split i takes shuffled rows
 * floor(i·n/splits) .. floor((i+1)·n/splits) − 1; std divides by splits.
 */
export function inceptionScore(
  probs: Floats,
  n: number,
  k: number,
  options: InceptionScoreOptions,
): InceptionScoreResult {
  const { splits = 10, seed } = options;
  checkInteger('inceptionScore', 'k', k, 1);
  checkInteger('inceptionScore', 'splits', splits, 1);
  checkInteger('inceptionScore', 'n', n, 1);
  if (n < splits) {
    fail('inceptionScore', `n must be >= splits=${splits}, got n=${n}`);
  }
  checkProbabilities(probs, n, k);
  const order = sampleIndices(n, createRng(seed));
  const scores = Array.from({ length: splits }, (_, i) =>
    splitScore(
      probs,
      order.subarray(
        Math.floor((i * n) / splits),
        Math.floor(((i + 1) * n) / splits),
      ),
      k,
    ),
  );
  return { ...meanStd(scores), n, splits };
}

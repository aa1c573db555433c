// The noise level a sampler actually keeps, with a perfect score: the
// closed forms behind the paper's first figure (PAPER.md §4). A clean
// point plus Gaussian noise of std v stays Gaussian under both samplers
// when the score is exact, so one number per step tells the whole story.
import { checkCasStepSize } from './cas';
import { refineSigmas } from './schedule';
import { checkInteger, checkPositive, checkSigmas } from './validate';

export interface NoiseStdOptions {
  /** ε: the step size at the smallest level σ_L. */
  readonly stepSize: number;
  readonly stepsPerLevel: number;
  /** Noise std of the starting point; default σ_1. */
  readonly initialStd?: number;
}

/**
 * ALS with the exact score of a point blurred by σ_i: one step from noise
 * std v gives sqrt((1 − η)² v² + 2 η σ_i²), η = α_i/σ_i² = ε/σ_L² at every
 * level. Returns the std before the first step and after each of the
 * L·nσ steps (noise added after every step, as the sampler's default).
 */
export function alsNoiseStd(
  sigmas: readonly number[],
  o: NoiseStdOptions,
): Float64Array {
  checkSigmas('alsNoiseStd', sigmas, 1);
  checkPositive('alsNoiseStd', 'stepSize', o.stepSize);
  checkInteger('alsNoiseStd', 'stepsPerLevel', o.stepsPerLevel, 1);
  const eta = o.stepSize / sigmas[sigmas.length - 1] ** 2;
  const out = new Float64Array(sigmas.length * o.stepsPerLevel + 1);
  let v2 = (o.initialStd ?? sigmas[0]) ** 2;
  out[0] = Math.sqrt(v2);
  let j = 1;
  for (const sigma of sigmas) {
    for (let k = 0; k < o.stepsPerLevel; k++) {
      v2 = (1 - eta) ** 2 * v2 + 2 * eta * sigma * sigma;
      out[j++] = Math.sqrt(v2);
    }
  }
  return out;
}

/**
 * CAS on the refined grid σ'_1..σ'_L' with the exact score: a step from
 * std v gives sqrt((1 − η)² v² + β² σ'_(i+1)²), no noise after the last.
 * Starting at σ_1 it follows the grid exactly and ends at (1 − η)·σ_L.
 * Returns the std before the first step and after each of the L' steps.
 */
export function casNoiseStd(
  sigmas: readonly number[],
  o: NoiseStdOptions,
): Float64Array {
  checkSigmas('casNoiseStd', sigmas, 2);
  checkCasStepSize(sigmas, o.stepSize, o.stepsPerLevel);
  const grid = refineSigmas(sigmas, o.stepsPerLevel);
  const gamma = grid[1] / grid[0];
  const eta = o.stepSize / grid[grid.length - 1] ** 2;
  const beta2 = 1 - ((1 - eta) / gamma) ** 2;
  const out = new Float64Array(grid.length + 1);
  let v2 = (o.initialStd ?? grid[0]) ** 2;
  out[0] = Math.sqrt(v2);
  for (let i = 0; i < grid.length; i++) {
    const next = i + 1 < grid.length ? beta2 * grid[i + 1] ** 2 : 0;
    v2 = (1 - eta) ** 2 * v2 + next;
    out[i + 1] = Math.sqrt(v2);
  }
  return out;
}

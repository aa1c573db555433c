// Consistent annealed sampling (CAS).
import * as tf from '@tensorflow/tfjs-core';

import { denoise } from './denoise';
import { checkSamplerInputs, runChain } from './sampler';
import type { PlannedStep, SampleResult, SamplerOptions } from './sampler';
import { refineSigmas } from './schedule';
import type { LevelScoreNetwork } from './score';
import {
  checkInteger,
  checkOpenInterval,
  checkPositive,
  checkSigmas,
  fail,
} from './validate';

/** Options of `consistentAnnealed`. */
export type CasOptions = SamplerOptions;

interface CasStep extends PlannedStep {
  /** β_i σ_(i+1); 0 after the last level. */
  readonly noiseScale: number;
}

/** One step: x + η σ² s(x, σ) + β σ′ z; returns [x′, H(x, σ)?]. */
function casStep(
  scoreNet: LevelScoreNetwork,
  x: tf.Tensor4D,
  p: CasStep & { readonly eta: number; readonly seed: number; last: boolean },
): tf.Tensor4D[] {
  return tf.tidy(() => {
    const f = scoreNet(x, p.sigma);
    // x + η σ² s(x, σ) = x + η σ f(x)
    let next: tf.Tensor4D = tf.add(x, tf.mul(f, p.eta * p.sigma));
    if (!p.last) {
      const z = tf.randomNormal(x.shape, 0, 1, 'float32', p.seed);
      next = tf.add(next, tf.mul(z, p.noiseScale));
    }
    return p.last ? [next, denoise(x, p.sigma, f)] : [next];
  });
}

/** The smallest ratio γ_i = σ_(i+1)/σ_i of a schedule. */
function smallestRatio(sigmas: readonly number[]): number {
  let gamma = Infinity;
  for (let i = 0; i + 1 < sigmas.length; i++) {
    gamma = Math.min(gamma, sigmas[i + 1] / sigmas[i]);
  }
  return gamma;
}

/** One step per level; β_i = √(1 − ((1 − η)/γ_i)²), γ_i = σ_(i+1)/σ_i. */
function casPlan(grid: readonly number[], eta: number): CasStep[] {
  return grid.map((sigma, levelIndex) => {
    const sigmaNext = grid[levelIndex + 1];
    if (sigmaNext === undefined) return { levelIndex, sigma, noiseScale: 0 };
    const beta = Math.sqrt(1 - ((1 - eta) * (sigma / sigmaNext)) ** 2);
    return { levelIndex, sigma, noiseScale: beta * sigmaNext };
  });
}

/** Fails unless 1 − γ < η < 1 + γ, naming the interval for ε. */
function checkStepSize(sigmas: readonly number[], options: CasOptions) {
  const { stepSize, stepsPerLevel = 1 } = options;
  const sigmaMin = sigmas[sigmas.length - 1];
  const gamma = smallestRatio(sigmas);
  const lo = (1 - gamma) * sigmaMin ** 2;
  const hi = (1 + gamma) * sigmaMin ** 2;
  if (!(stepSize > lo && stepSize < hi)) {
    fail(
      'consistentAnnealed',
      `stepSize must lie in (${lo.toExponential(6)}, ` +
        `${hi.toExponential(6)}) for gamma=${gamma.toPrecision(8)}, ` +
        `sigmaMin=${sigmaMin}, stepsPerLevel=${stepsPerLevel}, ` +
        `got ${stepSize}`,
    );
  }
}

/**
 * CAS of arXiv:2009.05475 (PAPER.md §4): η = ε/σ_L², for i = 1..L':
 * x ← x + η σ_i² s(x, σ_i), then + β σ_(i+1) z unless i = L', with
 * β = √(1 − ((1 − η)/γ)²). nσ > 1 refines the grid to (L − 1)·nσ + 1
 * levels, one step each. x: [N, H, W, C] start, not disposed.
 * NOTE: γ_i = σ_(i+1)/σ_i is taken per level, so a non-geometric schedule
 * stays consistent; on the paper's geometric grid it is the one γ.
 */
export function consistentAnnealed(
  scoreNet: LevelScoreNetwork,
  x: tf.Tensor4D,
  sigmas: readonly number[],
  options: CasOptions,
): SampleResult {
  const fn = 'consistentAnnealed';
  checkSamplerInputs(fn, x, sigmas, options);
  checkSigmas(fn, sigmas, 2);
  const { stepSize, rng, stepsPerLevel = 1, onStep } = options;
  const grid = refineSigmas(sigmas, stepsPerLevel);
  checkStepSize(grid, options);
  const eta = stepSize / grid[grid.length - 1] ** 2;
  const takeStep = (state: tf.Tensor4D, s: CasStep, last: boolean) => {
    const seed = last ? 0 : rng.nextSeed();
    return casStep(scoreNet, state, { ...s, eta, seed, last });
  };
  return runChain(x, { plan: casPlan(grid, eta), takeStep, onStep });
}

/**
 * Fails, as `consistentAnnealed` would, unless ε is valid for the base
 * schedule refined by nσ (PAPER.md §4): lets a caller check before work.
 */
export function checkCasStepSize(
  sigmas: readonly number[],
  stepSize: number,
  stepsPerLevel = 1,
): void {
  checkStepSize(refineSigmas(sigmas, stepsPerLevel), {
    stepSize,
    stepsPerLevel,
  } as CasOptions);
}

/**
 * CAS step size for nσ > 1 from the nσ = 1 one (PAPER.md §9):
 * η' = 1 − (1 − η_1)^(1/nσ), η_1 = ε/σ_L², returned as ε' = η' σ_L².
 */
export function casStepSizeForSteps(
  stepSize: number,
  stepsPerLevel: number,
  sigmaMin: number,
): number {
  const fn = 'casStepSizeForSteps';
  checkPositive(fn, 'sigmaMin', sigmaMin);
  checkPositive(fn, 'stepSize', stepSize);
  checkInteger(fn, 'stepsPerLevel', stepsPerLevel, 1);
  const eta = stepSize / sigmaMin ** 2;
  checkOpenInterval(fn, 'stepSize / sigmaMin^2', eta, [0, 1]);
  return (1 - (1 - eta) ** (1 / stepsPerLevel)) * sigmaMin ** 2;
}

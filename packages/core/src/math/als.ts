// Annealed Langevin sampling (ALS).
import * as tf from '@tensorflow/tfjs-core';

import { denoise } from './denoise';
import { checkSamplerInputs, runChain } from './sampler';
import type { PlannedStep, SampleResult, SamplerOptions } from './sampler';
import type { LevelScoreNetwork } from './score';
import { checkInteger, checkPositive } from './validate';

/** Options of `annealedLangevin`. */
export interface AlsOptions extends SamplerOptions {
  /** Noise before the network call (UNet, LSUN configs), default false. */
  readonly noiseFirst?: boolean;
  /**
   * Noise-after mode only: add the noise of the very last step, default
   * true (PAPER.md §3). NOTE: the released code returns the last iterate
   * before that noise; false reproduces it.
   */
  readonly finalNoise?: boolean;
}

interface AlsStep extends PlannedStep {
  readonly alpha: number;
}

interface AlsNoise {
  readonly seed: number;
  readonly noiseFirst: boolean;
  readonly addNoise: boolean;
}

/** One step: x + α s(x, σ) + √(2α) z; returns [x′, H(input, σ)?]. */
function alsStep(
  scoreNet: LevelScoreNetwork,
  x: tf.Tensor4D,
  p: AlsStep & AlsNoise & { readonly last: boolean },
): tf.Tensor4D[] {
  return tf.tidy(() => {
    const z = () => tf.randomNormal(x.shape, 0, 1, 'float32', p.seed);
    const noise = () => tf.mul(z(), Math.sqrt(2 * p.alpha));
    const input: tf.Tensor4D = p.noiseFirst ? tf.add(x, noise()) : x;
    const f = scoreNet(input, p.sigma);
    // x + α s(x, σ) = x + (α/σ) f(x)
    let next: tf.Tensor4D = tf.add(input, tf.mul(f, p.alpha / p.sigma));
    if (!p.noiseFirst && p.addNoise) next = tf.add(next, noise());
    return p.last ? [next, denoise(input, p.sigma, f)] : [next];
  });
}

/** α_i = ε (σ_i/σ_L)² for each of the nσ steps of each level. */
function alsPlan(
  sigmas: readonly number[],
  stepSize: number,
  stepsPerLevel: number,
): AlsStep[] {
  const sigmaMin = sigmas[sigmas.length - 1];
  return sigmas.flatMap((sigma, levelIndex) => {
    const alpha = stepSize * (sigma / sigmaMin) ** 2;
    return Array(stepsPerLevel).fill({ levelIndex, sigma, alpha });
  });
}

/**
 * ALS of Song & Ermon 2019 as stated in arXiv:2009.05475 (PAPER.md §3):
 * α_i = ε (σ_i/σ_L)², nσ steps per level,
 * x ← x + α_i s(x, σ_i) + √(2α_i) z; L·nσ network evaluations.
 * x: [N, H, W, C] start (e.g. Uniform[0, 1]), not disposed;
 * sigmas σ_1 > … > σ_L.
 */
export function annealedLangevin(
  scoreNet: LevelScoreNetwork,
  x: tf.Tensor4D,
  sigmas: readonly number[],
  options: AlsOptions,
): SampleResult {
  checkSamplerInputs('annealedLangevin', x, sigmas, options);
  const { stepSize, rng, stepsPerLevel = 1, onStep } = options;
  const { noiseFirst = false, finalNoise = true } = options;
  const plan = alsPlan(sigmas, stepSize, stepsPerLevel);
  const takeStep = (state: tf.Tensor4D, s: AlsStep, last: boolean) => {
    const noise = { seed: rng.nextSeed(), noiseFirst };
    const addNoise = !last || finalNoise;
    return alsStep(scoreNet, state, { ...s, ...noise, addNoise, last });
  };
  return runChain(x, { plan, takeStep, onStep });
}

/** ALS step size for nσ > 1: ε/nσ (PAPER.md §9, fitted to the grid). */
export function alsStepSizeForSteps(
  stepSize: number,
  stepsPerLevel: number,
): number {
  checkPositive('alsStepSizeForSteps', 'stepSize', stepSize);
  checkInteger('alsStepSizeForSteps', 'stepsPerLevel', stepsPerLevel, 1);
  return stepSize / stepsPerLevel;
}

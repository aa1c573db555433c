// What the samplers share: the per-step callback, the result, the checks.
import type * as tf from '@tensorflow/tfjs-core';

import type { Rng } from './rng';
import {
  checkFinite,
  checkImages,
  checkInteger,
  checkPositive,
  checkSigmas,
  fail,
} from './validate';

/** The state entering one sampler step. */
export interface StepInfo {
  /** 0-based count of network evaluations so far. */
  readonly step: number;
  /** 0-based level in the schedule run (CAS: the refined grid). */
  readonly levelIndex: number;
  readonly sigma: number;
  /** [N, H, W, C] input of the step; valid during the call only (clone). */
  readonly x: tf.Tensor4D;
}

/** Per-step data leaves a sampler only through this callback. */
export type OnStep = (info: StepInfo) => void;

/** Both outputs of a sampler, [N, H, W, C], not clamped. */
export interface SampleResult {
  /** The last Langevin iterate. */
  readonly raw: tf.Tensor4D;
  /** H(x, σ_L) at the input of the last step (EDS, PAPER.md §5). */
  readonly denoised: tf.Tensor4D;
}

/** Options every sampler takes. */
export interface SamplerOptions {
  /** ε: the step size at the smallest level σ_L. */
  readonly stepSize: number;
  /** The stream every noise draw takes its seed from; it advances. */
  readonly rng: Rng;
  /** nσ, default 1. */
  readonly stepsPerLevel?: number;
  /** Called before every step with its input. */
  readonly onStep?: OnStep;
}

/** Entry checks of a sampler; x is read back once to look for NaN. */
export function checkSamplerInputs(
  fn: string,
  x: tf.Tensor4D,
  sigmas: readonly number[],
  options: SamplerOptions,
): void {
  checkImages(fn, 'x', x);
  checkSigmas(fn, sigmas, 1);
  checkPositive(fn, 'stepSize', options.stepSize);
  checkInteger(fn, 'stepsPerLevel', options.stepsPerLevel ?? 1, 1);
  if (typeof options.rng?.nextSeed !== 'function') {
    fail(fn, `rng must be an Rng (createRng), got ${options.rng}`);
  }
  checkFinite(fn, 'x', x);
}

/** One planned sampler step: its level and σ, plus sampler data. */
export interface PlannedStep {
  readonly levelIndex: number;
  readonly sigma: number;
}

/** The loop shared by the samplers. */
export interface Chain<S extends PlannedStep> {
  readonly plan: readonly S[];
  /** [x′] or, on the last step, [x′, H(input, σ)], all new tensors. */
  readonly takeStep: (x: tf.Tensor4D, s: S, last: boolean) => tf.Tensor4D[];
  readonly onStep?: OnStep;
}

/** Runs the plan from x (kept), holding only the live state between steps. */
export function runChain<S extends PlannedStep>(
  x: tf.Tensor4D,
  chain: Chain<S>,
): SampleResult {
  const { plan, takeStep, onStep } = chain;
  let [state, denoised] = [x, x];
  try {
    plan.forEach((s, step) => {
      onStep?.({ step, levelIndex: s.levelIndex, sigma: s.sigma, x: state });
      const [next, h] = takeStep(state, s, step === plan.length - 1);
      if (state !== x) state.dispose();
      [state, denoised] = [next, h ?? denoised];
    });
  } catch (err) {
    if (state !== x) state.dispose();
    throw err;
  }
  return { raw: state, denoised };
}

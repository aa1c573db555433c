// Shared by the tests of this folder: the cpu backend, statistics, leaks.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';

import { registerTrainingGradients } from '../backend/gradients';
import { createRng } from './rng';
import type { SampleResult, SamplerOptions } from './sampler';
import type { LevelScoreNetwork } from './score';

/** Selects the pure-JS cpu backend (call in `before`). */
export async function useCpu(): Promise<void> {
  await tf.setBackend('cpu');
}

/** The cpu backend plus gradients (tfjs-core registers none in Node). */
export async function useCpuWithGradients(): Promise<void> {
  await registerTrainingGradients();
  await tf.setBackend('cpu');
}

/** Population standard deviation in float64. */
export function std(values: ArrayLike<number>): number {
  let mean = 0;
  for (let i = 0; i < values.length; i++) mean += values[i];
  mean /= values.length;
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += (values[i] - mean) ** 2;
  return Math.sqrt(sum / values.length);
}

/** |actual − expected| <= tol·|expected| (or tol when expected is 0). */
export function assertRelClose(
  actual: number,
  expected: number,
  tol: number,
  what = 'value',
): void {
  const scale = expected === 0 ? 1 : Math.abs(expected);
  assert.ok(
    Math.abs(actual - expected) <= tol * scale,
    `${what}: got ${actual}, expected ${expected} within ${tol * 100}%`,
  );
}

/** Element-wise |a − b| <= tol. */
export function assertAllClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: number,
): void {
  assert.equal(actual.length, expected.length, 'length');
  for (let i = 0; i < actual.length; i++) {
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= tol,
      `[${i}]: got ${actual[i]}, expected ${expected[i]} within ${tol}`,
    );
  }
}

/** Runs body and fails if it left tensors behind. */
export function assertNoLeak(body: () => void): void {
  const before = tf.memory().numTensors;
  body();
  assert.equal(tf.memory().numTensors, before, 'tensors leaked');
}

/** A sampler as the tests call it: (score, x, sigmas, options). */
export type TestSampler = (
  scoreNet: LevelScoreNetwork,
  x: tf.Tensor4D,
  sigmas: readonly number[],
  options: SamplerOptions & Record<string, unknown>,
) => SampleResult;

const startPoints = (n: number) =>
  tf.randomUniform([n, 2, 2, 1], 0, 1, 'float32', 4) as tf.Tensor4D;

/** Same seed → identical raw and denoised samples; another seed differs. */
export function assertSameSeedSameSamples(
  sampler: TestSampler,
  scoreNet: LevelScoreNetwork,
): void {
  const x0 = startPoints(3);
  const run = (seed: number) =>
    sampler(scoreNet, x0, [1, 0.3, 0.1], {
      stepSize: 0.005,
      rng: createRng(seed),
      stepsPerLevel: 2,
    });
  const [a, b, c] = [run(5), run(5), run(6)];
  assert.deepEqual(a.raw.dataSync(), b.raw.dataSync());
  assert.deepEqual(a.denoised.dataSync(), b.denoised.dataSync());
  assert.notDeepEqual(a.raw.dataSync(), c.raw.dataSync());
  tf.dispose([x0, a.raw, a.denoised, b.raw, b.denoised, c.raw, c.denoised]);
}

/**
 * No tensor leaks over 10 runs, and at most two live-tensor counts per
 * step (steps after the first hold x0 and the live x).
 */
export function assertSamplerLeaksNothing(
  sampler: TestSampler,
  scoreNet: LevelScoreNetwork,
  o: { sigmas: number[]; stepsPerLevel: number; extra?: (k: number) => object },
): void {
  const x0 = startPoints(2);
  const rng = createRng(7);
  const counts = new Set<number>();
  const onStep = () => counts.add(tf.memory().numTensors);
  assertNoLeak(() => {
    for (let k = 0; k < 10; k++) {
      const out = sampler(scoreNet, x0, o.sigmas, {
        stepSize: 0.005,
        rng,
        stepsPerLevel: o.stepsPerLevel,
        onStep,
        ...o.extra?.(k),
      });
      tf.dispose([out.raw, out.denoised]);
    }
  });
  assert.ok(counts.size <= 2, `live tensors per step: ${[...counts]}`);
  x0.dispose();
}

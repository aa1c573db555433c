// Shared by the tests of this folder: the cpu backend, statistics, leaks.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';

import { registerTrainingGradients } from '../backend/gradients';

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

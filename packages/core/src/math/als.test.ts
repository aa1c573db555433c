import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { alsStepSizeForSteps, annealedLangevin } from './als';
import type { AlsOptions } from './als';
import { createRng } from './rng';
import type { StepInfo } from './sampler';
import { geometricSigmas } from './schedule';
import type { LevelScoreNetwork } from './score';
import {
  type TestSampler,
  assertAllClose,
  assertRelClose,
  assertSameSeedSameSamples,
  assertSamplerLeaksNothing,
  std,
  useCpu,
} from './test-helpers';

// Point-mass data at mu: p_σ = N(mu, σ²), so f(x) = σ·s = −(x − mu)/σ.
const mu = 0.5;
const pointMass: LevelScoreNetwork = (x, sigma) => tf.div(tf.sub(mu, x), sigma);
const cifar = geometricSigmas(50, 0.01, 232);

function startChains(n: number, seed: number): tf.Tensor4D {
  return tf.tidy(() =>
    tf.add(
      tf.mul(tf.randomNormal([n, 1, 1, 1], 0, 1, 'float32', seed), 50),
      mu,
    ),
  );
}

/**
 * Runs ALS on 20 000 chains and checks every step's input std against
 * the variance recursion `next(v, σ)` (η = ε/σ_L²); returns the final
 * raw std and the recursion's prediction for it.
 */
function followRecursion(
  options: Omit<AlsOptions, 'rng'>,
  next: (v: number, sigma: number) => number,
): { got: number; predicted: number } {
  const x = startChains(20000, 1);
  let v = 50;
  const onStep = ({ x: xi, sigma, step }: StepInfo) => {
    assertRelClose(std(xi.dataSync()), v, 0.03, `std at step ${step}`);
    v = next(v, sigma);
  };
  const rng = createRng(2);
  const { raw, denoised } = annealedLangevin(pointMass, x, cifar, {
    ...options,
    rng,
    onStep,
  });
  const got = std(raw.dataSync());
  tf.dispose([x, raw, denoised]);
  return { got, predicted: v };
}

describe('annealedLangevin', () => {
  before(useCpu);

  for (const [stepsPerLevel, stepSize] of [
    [1, 1.8e-5],
    [5, 3.6e-6],
  ]) {
    test(`follows v' = √((1 − η)²v² + 2ησ²), nσ = ${stepsPerLevel}`, () => {
      const eta = stepSize / 0.01 ** 2;
      const next = (v: number, sigma: number) =>
        Math.sqrt((1 - eta) ** 2 * v ** 2 + 2 * eta * sigma ** 2);
      const { got, predicted } = followRecursion(
        { stepSize, stepsPerLevel },
        next,
      );
      assertRelClose(got, predicted, 0.03, 'final std');
      // The noise lags: it ends clearly above σ_L, as predicted.
      assert.ok(predicted > 1.04 * 0.01, `predicted ${predicted}`);
    });
  }

  test("noise first follows v' = (1 − η)√(v² + 2ησ²)", () => {
    const eta = 1.8e-5 / 0.01 ** 2;
    const next = (v: number, sigma: number) =>
      (1 - eta) * Math.sqrt(v ** 2 + 2 * eta * sigma ** 2);
    const options = { stepSize: 1.8e-5, noiseFirst: true };
    const { got, predicted } = followRecursion(options, next);
    assertRelClose(got, predicted, 0.03, 'final std');
  });

  test('finalNoise false ends on the last gradient step', () => {
    const eta = 1.8e-5 / 0.01 ** 2;
    let last = 0;
    const next = (v: number, sigma: number) => {
      last = v;
      return Math.sqrt((1 - eta) ** 2 * v ** 2 + 2 * eta * sigma ** 2);
    };
    const options = { stepSize: 1.8e-5, finalNoise: false };
    const { got } = followRecursion(options, next);
    assertRelClose(got, (1 - eta) * last, 0.03, 'final std');
  });

  test('denoised is H at the last input, one evaluation per step', () => {
    let calls = 0;
    const net: LevelScoreNetwork = (x) => {
      calls += 1;
      return tf.mul(tf.cos(x), 0.2);
    };
    const sigmas = [1, 0.5, 0.25];
    for (const noiseFirst of [false, true]) {
      calls = 0;
      const inputs: tf.Tensor4D[] = [];
      const x0 = tf.tensor4d([0.1, 0.9, 0.4, 0.7], [2, 1, 1, 2]);
      const out = annealedLangevin(net, x0, sigmas, {
        stepSize: 0.01,
        rng: createRng(3),
        stepsPerLevel: 2,
        noiseFirst,
        finalNoise: false,
        onStep: ({ x }) => inputs.push(x.clone()),
      });
      assert.equal(calls, 6);
      // Without noise first and final noise the last step is deterministic.
      if (!noiseFirst) {
        const xin = inputs[5];
        const expected = tf.tidy(() => [
          tf.add(xin, tf.mul(tf.mul(tf.cos(xin), 0.2), 0.25)),
          tf.add(xin, tf.mul(tf.mul(tf.cos(xin), 0.2), 0.01 / 0.25)),
        ]);
        assertAllClose(out.denoised.dataSync(), expected[0].dataSync(), 1e-6);
        assertAllClose(out.raw.dataSync(), expected[1].dataSync(), 1e-6);
        tf.dispose(expected);
      }
      tf.dispose([x0, out.raw, out.denoised, ...inputs]);
    }
  });

  test('same seed gives identical samples', () => {
    assertSameSeedSameSamples(annealedLangevin as TestSampler, pointMass);
  });

  test('no tensor leaks over 10 runs, none per step', () => {
    assertSamplerLeaksNothing(annealedLangevin as TestSampler, pointMass, {
      sigmas: [1, 0.5, 0.1],
      stepsPerLevel: 3,
      extra: (k) => ({ noiseFirst: k % 2 === 0 }),
    });
  });

  test('invalid inputs fail before sampling, naming argument and value', () => {
    const x0 = tf.zeros([1, 1, 1, 1]) as tf.Tensor4D;
    const rng = createRng(1);
    const run = (sigmas: number[], over: object, x = x0) =>
      annealedLangevin(pointMass, x, sigmas, {
        stepSize: 1e-5,
        rng,
        ...over,
      });
    assert.throws(() => run([0.1, 0.1], {}), {
      message:
        'annealedLangevin: sigmas must be strictly decreasing, ' +
        'got sigmas[0]=0.1, sigmas[1]=0.1',
    });
    assert.throws(
      () => run([1, NaN], {}),
      /annealedLangevin: sigmas\[1\] must be a finite number > 0, got NaN/,
    );
    assert.throws(
      () => run(cifar, { stepsPerLevel: 0 }),
      /annealedLangevin: stepsPerLevel must be an integer >= 1, got 0/,
    );
    assert.throws(
      () => run(cifar, { stepSize: -1 }),
      /annealedLangevin: stepSize must be a finite number > 0, got -1/,
    );
    const nan = tf.tensor4d([0, 1, NaN], [3, 1, 1, 1]);
    assert.throws(
      () => run(cifar, {}, nan),
      /annealedLangevin: x must be finite, got NaN at flat index 2/,
    );
    const flat = tf.zeros([2, 3]) as unknown as tf.Tensor4D;
    assert.throws(
      () => run(cifar, {}, flat),
      /annealedLangevin: x must be \[N, H, W, C\], got shape \[2,3\]/,
    );
    tf.dispose([x0, nan, flat]);
  });
});

describe('alsStepSizeForSteps', () => {
  test('ε/nσ: CIFAR-10 1.8e-5 → 3.6e-6 at nσ = 5', () => {
    assertRelClose(alsStepSizeForSteps(1.8e-5, 5), 3.6e-6, 1e-12);
    assert.throws(
      () => alsStepSizeForSteps(1.8e-5, 0.5),
      /alsStepSizeForSteps: stepsPerLevel must be an integer >= 1, got 0.5/,
    );
  });
});

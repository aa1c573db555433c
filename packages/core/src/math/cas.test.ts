import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import {
  casStepSizeForSteps,
  checkCasStepSize,
  consistentAnnealed,
} from './cas';
import { createRng } from './rng';
import type { StepInfo } from './sampler';
import { geometricSigmas, refineSigmas } from './schedule';
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

/** n one-dimensional chains from N(mu, σ_1²), [n, 1, 1, 1]. */
function startChains(n: number, seed: number): tf.Tensor4D {
  return tf.tidy(() =>
    tf.add(
      tf.mul(tf.randomNormal([n, 1, 1, 1], 0, 1, 'float32', seed), 50),
      mu,
    ),
  );
}

describe('consistentAnnealed', () => {
  before(useCpu);

  for (const stepsPerLevel of [1, 5]) {
    test(`exact score: std within 3% of σ_i, nσ = ${stepsPerLevel}`, () => {
      const x = startChains(20000, 1);
      const grid = refineSigmas(cifar, stepsPerLevel);
      const seen: number[] = [];
      const onStep = ({ x: xi, sigma }: StepInfo) => {
        seen.push(sigma);
        assertRelClose(std(xi.dataSync()), sigma, 0.03, `std at ${sigma}`);
      };
      const options = { stepSize: 5.6e-6, rng: createRng(2), stepsPerLevel };
      const { raw, denoised } = consistentAnnealed(pointMass, x, cifar, {
        ...options,
        onStep,
      });
      assert.deepEqual(seen, grid);
      // The last step has no noise: std (1 − η)σ_L.
      const eta = 5.6e-6 / 0.01 ** 2;
      assertRelClose(std(raw.dataSync()), (1 - eta) * 0.01, 0.03, 'raw');
      // H(x, σ_L) of the exact score is the point mass itself.
      assertAllClose(
        denoised.dataSync().slice(0, 100),
        Array(100).fill(mu),
        1e-5,
      );
      tf.dispose([x, raw, denoised]);
    });
  }

  test('denoised is H at the last input, one evaluation per step', () => {
    let calls = 0;
    const sigmas = [1, 0.5, 0.25];
    const net: LevelScoreNetwork = (x) => {
      calls += 1;
      return tf.mul(tf.sin(x), 0.3);
    };
    let lastInput: tf.Tensor4D | undefined;
    const onStep = ({ x, step }: StepInfo) => {
      if (step === 2) lastInput = x.clone();
    };
    const x0 = tf.tensor4d([0.1, 0.9, 0.4, 0.7], [2, 1, 1, 2]);
    const rng = createRng(3);
    const out = consistentAnnealed(net, x0, sigmas, {
      stepSize: 0.05,
      rng,
      onStep,
    });
    assert.equal(calls, 3);
    const expected = tf.tidy(() =>
      tf.add(lastInput!, tf.mul(tf.mul(tf.sin(lastInput!), 0.3), 0.25)),
    );
    assertAllClose(out.denoised.dataSync(), expected.dataSync(), 1e-6);
    const raw = tf.tidy(() =>
      tf.add(lastInput!, tf.mul(tf.mul(tf.sin(lastInput!), 0.3), 0.8 * 0.25)),
    );
    assertAllClose(out.raw.dataSync(), raw.dataSync(), 1e-6);
    tf.dispose([x0, out.raw, out.denoised, expected, raw, lastInput!]);
  });

  test('same seed gives identical samples', () => {
    assertSameSeedSameSamples(consistentAnnealed as TestSampler, pointMass);
  });

  test('no tensor leaks over 10 runs, none per step', () => {
    assertSamplerLeaksNothing(consistentAnnealed as TestSampler, pointMass, {
      sigmas: [1, 0.5, 0.2, 0.1],
      stepsPerLevel: 2,
    });
  });

  test('invalid inputs fail before sampling, naming argument and value', () => {
    const x0 = tf.zeros([1, 1, 1, 1]) as tf.Tensor4D;
    const rng = createRng(1);
    const run = (sigmas: number[], over: object) =>
      consistentAnnealed(pointMass, x0, sigmas, {
        stepSize: 5.6e-6,
        rng,
        ...over,
      });
    assert.throws(() => run(cifar, { stepSize: 1e-6 }), {
      message:
        'consistentAnnealed: stepSize must lie in (3.619951e-6, ' +
        '1.963800e-4) for gamma=0.96380049, sigmaMin=0.01, ' +
        'stepsPerLevel=1, got 0.000001',
    });
    assert.throws(
      () => run(cifar, { stepSize: 1.5e-6, stepsPerLevel: 2 }),
      /stepSize must lie in \(1\.8\d*e-6, .*stepsPerLevel=2, got 0\.0000015/,
    );
    assert.throws(() => run([1, 2, 0.5], {}), {
      message:
        'consistentAnnealed: sigmas must be strictly decreasing, ' +
        'got sigmas[0]=1, sigmas[1]=2',
    });
    assert.throws(() => run([1], {}), /sigmas needs >= 2 levels, got 1/);
    assert.throws(
      () => run(cifar, { stepsPerLevel: 0 }),
      /consistentAnnealed: stepsPerLevel must be an integer >= 1, got 0/,
    );
    const nan = tf.tensor4d([0, NaN], [2, 1, 1, 1]);
    assert.throws(
      () =>
        consistentAnnealed(pointMass, nan, cifar, { stepSize: 5.6e-6, rng }),
      /consistentAnnealed: x must be finite, got NaN at flat index 1/,
    );
    tf.dispose([x0, nan]);
  });
});

describe('casStepSizeForSteps', () => {
  test('η′ = 1 − (1 − η_1)^(1/nσ): CIFAR-10 5.6e-6 → 1.1e-6 at nσ = 5', () => {
    const eps = casStepSizeForSteps(5.6e-6, 5, 0.01);
    assertRelClose(eps, (1 - (1 - 0.056) ** 0.2) * 1e-4, 1e-12, 'epsilon');
    assert.ok(Math.abs(eps - 1.1e-6) < 0.05e-6, `${eps}`);
    assertRelClose(casStepSizeForSteps(5.6e-6, 1, 0.01), 5.6e-6, 1e-12);
    assert.throws(() => casStepSizeForSteps(2e-4, 5, 0.01), {
      message:
        'casStepSizeForSteps: stepSize / sigmaMin^2 must lie in ' +
        '(0, 1), got 2',
    });
  });
});

test('checkCasStepSize fails before sampling, as the sampler would', () => {
  const sigmas = geometricSigmas(16, 0.01, 20);
  assert.doesNotThrow(() => checkCasStepSize(sigmas, 6e-5));
  assert.throws(
    () => checkCasStepSize(sigmas, 1e-5),
    /consistentAnnealed: stepSize must lie in \(3\.2\d+e-5, 1\.67\d+e-4\)/,
  );
  // Refining the grid (nσ = 5) widens the interval below.
  assert.doesNotThrow(() => checkCasStepSize(sigmas, 1.67e-5, 5));
});

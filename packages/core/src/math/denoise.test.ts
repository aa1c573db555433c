import * as tf from '@tensorflow/tfjs-core';
import { before, describe, test } from 'node:test';

import { denoise, denoiseWith } from './denoise';
import type { LevelScoreNetwork } from './score';
import {
  assertAllClose,
  assertNoLeak,
  assertRelClose,
  useCpu,
} from './test-helpers';

// Data N(m, s²); the noisy marginal is N(m, s² + σ²), whose exact score
// gives f(x̃) = σ·s(x̃) = −σ (x̃ − m)/(s² + σ²).
const [m, s] = [0.3, 0.2];
const exactOutput = (xNoisy: tf.Tensor, sigma: number | tf.Tensor) =>
  tf.tidy(() =>
    tf.div(
      tf.mul(tf.neg(sigma), tf.sub(xNoisy, m)),
      tf.add(s * s, tf.square(sigma)),
    ),
  ) as tf.Tensor4D;

describe('denoise', () => {
  before(useCpu);

  test('H is the posterior mean m + s²/(s² + σ²)(x̃ − m)', () => {
    const values = [-1, 0, 0.3, 0.55, 2, 7];
    const xNoisy = tf.tensor4d(values, [2, 1, 1, 3]);
    const sigmas = [0.1, 0.5];
    const sigma = tf.tensor4d(sigmas, [2, 1, 1, 1]);
    assertNoLeak(() => {
      const output = exactOutput(xNoisy, sigma);
      const h = denoise(xNoisy, sigma, output);
      const expected = values.map((x, i) => {
        const sg = sigmas[Math.floor(i / 3)];
        return m + ((s * s) / (s * s + sg * sg)) * (x - m);
      });
      assertAllClose(h.dataSync(), expected, 1e-6);
      tf.dispose([output, h]);
    });
    tf.dispose([xNoisy, sigma]);
  });

  test('its squared error is the posterior variance s²σ²/(s² + σ²)', () => {
    const sigma = 0.25;
    const x = tf.add(
      tf.mul(tf.randomNormal([20000, 1, 1, 1], 0, 1, 'float32', 1), s),
      m,
    );
    const z = tf.randomNormal([20000, 1, 1, 1], 0, 1, 'float32', 2);
    const xNoisy = tf.add(x, tf.mul(z, sigma)) as tf.Tensor4D;
    const net: LevelScoreNetwork = (xt, sg) => exactOutput(xt, sg);
    assertNoLeak(() => {
      const h = denoiseWith(net, xNoisy, sigma);
      const mse = tf.tidy(() => tf.mean(tf.square(tf.sub(h, x))).dataSync()[0]);
      const posteriorVar = (s * s * sigma * sigma) / (s * s + sigma * sigma);
      assertRelClose(mse, posteriorVar, 0.03, 'mse');
      h.dispose();
    });
    tf.dispose([x, z, xNoisy]);
  });
});

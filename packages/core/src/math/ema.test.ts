import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { Ema } from './ema';
import { assertAllClose, assertNoLeak, useCpu } from './test-helpers';

describe('Ema', () => {
  before(useCpu);

  test('starts as a copy, then μ θ_ema + (1 − μ) θ by hand', () => {
    const theta = { w: tf.variable(tf.tensor1d([1, 2])) };
    const ema = new Ema(theta, 0.9);
    theta.w.assign(tf.tensor1d([3, 4]));
    assertAllClose(ema.weights.w.dataSync(), [1, 2], 0);
    assertNoLeak(() => ema.update(theta));
    // 0.9·[1, 2] + 0.1·[3, 4] = [1.2, 2.2]
    assertAllClose(ema.weights.w.dataSync(), [1.2, 2.2], 1e-6);
    theta.w.assign(tf.tensor1d([0, 0]));
    ema.update(theta);
    // 0.9·[1.2, 2.2] = [1.08, 1.98]
    assertAllClose(ema.weights.w.dataSync(), [1.08, 1.98], 1e-6);
    assert.equal(ema.weights.w.trainable, false);
    ema.dispose();
    theta.w.dispose();
  });

  test('mismatched maps and bad decays name themselves', () => {
    const theta = { w: tf.variable(tf.zeros([2])) };
    assert.throws(() => new Ema(theta, 1), /Ema: decay .* got 1/);
    assertNoLeak(() => new Ema(theta, 0.9).dispose());
    const ema = new Ema(theta, 0.5);
    const other = { v: tf.variable(tf.zeros([2])) };
    assert.throws(
      () => ema.update(other),
      /Ema.update: variables differ: missing \[w\], unknown \[v\]/,
    );
    const wide = { w: tf.variable(tf.zeros([3])) };
    assert.throws(() => ema.update(wide), /w has shape \[3\], expected \[2\]/);
    ema.dispose();
    tf.dispose([theta.w, other.v, wide.w]);
  });
});

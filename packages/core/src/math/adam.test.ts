import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { Adam } from './adam';
import {
  assertAllClose,
  assertNoLeak,
  assertRelClose,
  useCpu,
} from './test-helpers';

describe('Adam', () => {
  before(useCpu);

  test('β1 = −0.5 against a hand-computed pair of steps', () => {
    const theta = { x: tf.variable(tf.scalar(1)) };
    const adam = new Adam(theta, {
      learningRate: 0.1,
      beta1: -0.5,
      beta2: 0.9,
      epsilon: 1e-8,
    });
    // t = 1, g = 2: m = 1.5·2 = 3, v = 0.1·4 = 0.4; 1 − β1¹ = 1.5,
    // 1 − β2¹ = 0.1; m̂ = 2, v̂ = 4; x = 1 − 0.1·2/(2 + 1e-8) = 0.9.
    adam.applyGradients({ x: tf.scalar(2) });
    assertRelClose(theta.x.dataSync()[0], 0.9, 1e-6, 'x after step 1');
    // t = 2, g = −1: m = −0.5·3 + 1.5·(−1) = −3, v = 0.36 + 0.1 = 0.46;
    // 1 − β1² = 0.75, 1 − β2² = 0.19; m̂ = −4, v̂ = 0.46/0.19;
    // x = 0.9 + 0.1·4/√(0.46/0.19).
    adam.applyGradients({ x: tf.scalar(-1) });
    const expected = 0.9 + (0.1 * 4) / (Math.sqrt(0.46 / 0.19) + 1e-8);
    assertRelClose(theta.x.dataSync()[0], expected, 1e-6, 'x after step 2');
    const state = adam.getState();
    assert.equal(state.step, 2);
    assertAllClose(state.m.x, [-3], 1e-6);
    assertAllClose(state.v.x, [0.46], 1e-6);
    adam.dispose();
    theta.x.dispose();
  });

  test('β1 > 0 agrees with tfjs AdamOptimizer', () => {
    const init = tf.tensor1d([0.5, -1, 2]);
    const ours = { w: tf.variable(init.clone()) };
    const ref = tf.variable(init.clone());
    const adam = new Adam(ours, { learningRate: 0.01 });
    const optimizer = tf.train.adam(0.01, 0.9, 0.999, 1e-8);
    for (const g of [
      [1, 2, 3],
      [-2, 0.5, 1],
      [0.3, -0.1, 4],
    ]) {
      adam.applyGradients({ w: tf.tensor1d(g) });
      optimizer.applyGradients([{ name: ref.name, tensor: tf.tensor1d(g) }]);
    }
    assertAllClose(ours.w.dataSync(), ref.dataSync(), 1e-6);
    tf.dispose([init, ours.w, ref]);
    adam.dispose();
    optimizer.dispose();
  });

  test('a restored state continues identically', () => {
    const make = () => ({ w: tf.variable(tf.tensor1d([1, 2])) });
    const [a, b] = [make(), make()];
    const adamA = new Adam(a, { beta1: -0.5, beta2: 0.9, learningRate: 0.1 });
    const g = tf.tensor1d([0.3, -0.7]);
    adamA.applyGradients({ w: g });
    adamA.applyGradients({ w: g });
    b.w.assign(a.w);
    const adamB = new Adam(b, { beta1: -0.5, beta2: 0.9, learningRate: 0.1 });
    adamB.setState(adamA.getState());
    adamA.applyGradients({ w: g });
    adamB.applyGradients({ w: g });
    assert.deepEqual(a.w.dataSync(), b.w.dataSync());
    assert.equal(adamB.step, 3);
    assert.throws(
      () => adamB.setState({ step: 1, m: {}, v: {} }),
      /Adam.setState: m.w needs 2 values, got undefined/,
    );
    [adamA, adamB].forEach((o) => o.dispose());
    tf.dispose([a.w, b.w, g]);
  });

  test('10 steps leak nothing; only the given map is updated', () => {
    const theta = { w: tf.variable(tf.ones([2, 2])) };
    const other = tf.variable(tf.ones([2, 2]));
    const g = tf.ones([2, 2]);
    assertNoLeak(() => {
      const scratch = new Adam(theta, { beta1: -0.5, beta2: 0.9 });
      scratch.dispose();
    });
    const adam = new Adam(theta, { beta1: -0.5, beta2: 0.9 });
    assertNoLeak(() => {
      for (let k = 0; k < 10; k++) adam.applyGradients({ w: g });
    });
    assertAllClose(other.dataSync(), [1, 1, 1, 1], 0);
    assert.ok(theta.w.dataSync()[0] < 1);
    assert.throws(
      () => adam.applyGradients({ v: g }),
      /Adam.applyGradients: no variable named v to update/,
    );
    adam.dispose();
    tf.dispose([theta.w, other, g]);
  });

  test('warm-up scales update t by min(1, t / warmup)', () => {
    // With a constant gradient every Adam step is lr_t · m̂/√v̂ = lr_t
    // (ε aside), so x falls by 0.1·(1/4 + 2/4 + 3/4 + 1 + 1) = 0.35.
    const theta = { x: tf.variable(tf.scalar(1)) };
    const adam = new Adam(theta, { learningRate: 0.1, warmup: 4 });
    assert.deepEqual(
      [1, 2, 4, 9].map((t) => adam.learningRateAt(t)),
      [0.025, 0.05, 0.1, 0.1],
    );
    for (let t = 0; t < 5; t++) adam.applyGradients({ x: tf.scalar(3) });
    assertRelClose(theta.x.dataSync()[0], 1 - 0.35, 1e-6, 'x after 5 steps');
    adam.dispose();
    theta.x.dispose();
  });

  test('invalid options name the argument and value', () => {
    const theta = { w: tf.variable(tf.zeros([1])) };
    assert.throws(() => new Adam(theta, { beta1: -1 }), /beta1 .* got -1/);
    assert.throws(() => new Adam(theta, { beta1: 1 }), /beta1 .* got 1/);
    assert.throws(() => new Adam(theta, { beta2: 1 }), /beta2 .* got 1/);
    assert.throws(
      () => new Adam(theta, { learningRate: 0 }),
      /Adam: learningRate must be a finite number > 0, got 0/,
    );
    assert.throws(
      () => new Adam(theta, { warmup: 2.5 }),
      /Adam: warmup must be an integer >= 0, got 2.5/,
    );
    theta.w.dispose();
  });
});

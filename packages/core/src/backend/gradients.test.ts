import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { registerTrainingGradients } from './gradients';
import { insertZeros } from './spatial';
import { registerWasmTrainingKernels } from './wasm-kernels';
import { normal, relativeError, valuesOn } from './testing';

type Pad = 'same' | 'valid' | tf.backend_util.ExplicitPadding;

before(async () => {
  tf.enableProdMode();
  registerWasmTrainingKernels();
  await registerTrainingGradients();
});

/** W with d-1 zeros between taps: a dilated filter as a plain one. */
function dilateFilter(w: tf.Tensor4D, d: number): tf.Tensor4D {
  const spatialLast = tf.transpose(w, [2, 0, 1, 3]);
  return tf.transpose(insertZeros(spatialLast, d, d), [1, 2, 0, 3]);
}

/** [dL/dx, dL/dW] of L = Σ r ⊙ conv(x, W), by the given conv. */
function convGrads(
  conv: (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D,
  data: { x: Float32Array; w: Float32Array; r: Float32Array },
  shapes: { x: number[]; w: number[]; y: number[] },
): tf.Tensor[] {
  const x = tf.tensor4d(data.x, shapes.x as never);
  const w = tf.tensor4d(data.w, shapes.w as never);
  const r = tf.tensor(data.r, shapes.y);
  const loss = (x: tf.Tensor4D, w: tf.Tensor4D) =>
    tf.sum(tf.mul(conv(x, w), r));
  return tf.grads(loss as never)([x, w]);
}

const dilatedCases: [number, Pad][] = [
  [2, 'same'],
  [4, 'same'],
  [2, 'valid'],
  [
    2,
    [
      [0, 0],
      [2, 2],
      [1, 3],
      [0, 0],
    ],
  ],
];

describe('conv2d gradient with dilations', () => {
  for (const [d, pad] of dilatedCases) {
    test(`dilation ${d}, ${JSON.stringify(pad)}`, async () => {
      const shapes = { x: [2, 11, 10, 3], w: [3, 3, 3, 4], y: [] as number[] };
      await tf.setBackend('cpu');
      const dil = (x: tf.Tensor4D, w: tf.Tensor4D) =>
        tf.conv2d(x, w, 1, pad, 'NHWC', d);
      const y = dil(tf.zeros(shapes.x as never), tf.zeros(shapes.w as never));
      shapes.y = y.shape;
      tf.dispose(y);
      const data = {
        x: await normal(shapes.x, 1),
        w: await normal(shapes.w, 2),
        r: await normal(shapes.y, 3),
      };
      const plain = (x: tf.Tensor4D, w: tf.Tensor4D) =>
        tf.conv2d(x, dilateFilter(w, d), 1, pad);
      const ref = await valuesOn('cpu', () => convGrads(plain, data, shapes));
      const before = tf.memory().numTensors;
      for (const backend of ['cpu', 'wasm']) {
        const got = await valuesOn(backend, () => convGrads(dil, data, shapes));
        got.forEach((g, i) => assert.ok(relativeError(g, ref[i]) < 1e-4));
      }
      assert.equal(tf.memory().numTensors, before, 'tensors leaked');
    });
  }
});

test('a mask from a comparison does not stop tf.grad', async () => {
  await tf.setBackend('wasm');
  const [g] = await valuesOn('wasm', () => {
    const x = tf.tensor1d([-2, -0.5, 0.5, 3]);
    const leaky = (x: tf.Tensor) =>
      tf.sum(tf.where(tf.greater(x, 0), x, tf.mul(x, 0.2)));
    return tf.grad(leaky)(x);
  });
  assert.deepEqual(Array.from(g), [0.2, 0.2, 1, 1].map(Math.fround));
});

test('registerTrainingGradients is idempotent', async () => {
  const conv = tf.getGradient('Conv2D');
  await registerTrainingGradients();
  assert.equal(tf.getGradient('Conv2D'), conv);
});

import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { useCpuBackend } from '../testing/setup';
import { conv2dSame, meanPool2 } from './conv';

before(useCpuBackend);

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

test('dilated conv via space-to-batch equals tf.conv2d with dilations', () => {
  for (const [size, d] of [
    [14, 2],
    [14, 4],
    [16, 4],
    [7, 2],
  ]) {
    tf.tidy(() => {
      const x = tf.randomNormal([2, size, size, 3], 0, 1, 'float32', size + d);
      const w = tf.randomNormal(
        [3, 3, 3, 4],
        0,
        1,
        'float32',
        7,
      ) as tf.Tensor4D;
      const got = conv2dSame(x as tf.Tensor4D, w, d);
      const want = tf.conv2d(x as tf.Tensor4D, w, 1, 'same', 'NHWC', d);
      assert.deepEqual(got.shape, [2, size, size, 4]);
      assert.ok(maxAbsDiff(got, want) < 1e-4, `size ${size}, d ${d}`);
    });
  }
});

test('dilated conv: gradients for input and filter, no leaks', () => {
  const x = tf.randomNormal([1, 6, 6, 2], 0, 1, 'float32', 1) as tf.Tensor4D;
  const w = tf.randomNormal([3, 3, 2, 2], 0, 1, 'float32', 2) as tf.Tensor4D;
  const start = tf.memory().numTensors;
  const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.square(conv2dSame(a as tf.Tensor4D, b as tf.Tensor4D, 2))),
  )([x, w]);
  assert.deepEqual(gx.shape, x.shape);
  assert.deepEqual(gw.shape, w.shape);
  assert.ok(tf.tidy(() => tf.sum(tf.abs(gw)).dataSync()[0]) > 0);
  tf.dispose([gx, gw]);
  assert.equal(tf.memory().numTensors, start);
  tf.dispose([x, w]);
});

test('meanPool2 averages 2×2 blocks', () => {
  const x = tf.tensor4d(
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16],
    [1, 4, 4, 1],
  );
  const y = meanPool2(x);
  assert.deepEqual(Array.from(y.dataSync()), [3.5, 5.5, 11.5, 13.5]);
  tf.dispose([x, y]);
});

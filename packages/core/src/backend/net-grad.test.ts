import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from './select';
import { normal, relativeError, valuesOn } from './testing';

const shapes = {
  x: [2, 8, 8, 2],
  w1: [3, 3, 2, 4],
  b1: [4],
  w2: [3, 3, 4, 3],
};

/**
 * A tiny NCSNv2-like score network: conv → ELU → 5×5 max-pool → bilinear
 * upsampling → dilated conv → instance norm → 2×2 avg-pool; loss Σ out².
 */
function tinyNet(ps: Record<keyof typeof shapes, tf.Tensor>): tf.Scalar {
  const x = ps.x as tf.Tensor4D;
  const h = tf.elu(
    tf.add(tf.conv2d(x, ps.w1 as tf.Tensor4D, 1, 'same'), ps.b1),
  );
  const pooled = tf.maxPool(h as tf.Tensor4D, 5, 1, 'same');
  const up = tf.image.resizeBilinear(pooled, [12, 12]);
  const c = tf.conv2d(up, ps.w2 as tf.Tensor4D, 1, 'same', 'NHWC', 2);
  const { mean, variance } = tf.moments(c, [1, 2], true);
  const normed = tf.mul(tf.sub(c, mean), tf.rsqrt(tf.add(variance, 1e-5)));
  return tf.sum(tf.square(tf.avgPool(normed as tf.Tensor4D, 2, 2, 'valid')));
}

test('gradients of a tiny conv net on wasm equal the cpu ones', async () => {
  const info = await initBackend({ backend: 'wasm' });
  assert.equal(info.name, 'wasm');
  const names = Object.keys(shapes) as (keyof typeof shapes)[];
  const data = await Promise.all(names.map((n, i) => normal(shapes[n], i)));
  const grads = () => {
    const ps = Object.fromEntries(
      names.map((n, i) => [n, tf.tensor(data[i], shapes[n])]),
    ) as Record<keyof typeof shapes, tf.Tensor>;
    const f = (...xs: tf.Tensor[]) =>
      tinyNet(Object.fromEntries(names.map((n, i) => [n, xs[i]])) as never);
    return tf.grads(f)(names.map((n) => ps[n]));
  };
  const before = tf.memory().numTensors;
  const cpu = await valuesOn('cpu', grads);
  const wasm = await valuesOn('wasm', grads);
  names.forEach((n, i) => {
    const err = relativeError(wasm[i], cpu[i]);
    assert.ok(err < 1e-4, `d/d${n}: relative error ${err}`);
  });
  assert.equal(tf.memory().numTensors, before, 'tensors leaked');
});

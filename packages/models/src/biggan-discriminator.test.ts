import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { bigganDiscriminator } from './biggan-discriminator';
import {
  disposeParams,
  paramCount,
  paramShapes,
  trainableNames,
} from './params';
import { badGradients } from './testing/grads';
import { useCpuBackend } from './testing/setup';

before(useCpuBackend);

test('BigGAN D: 4,204,801 params at ch 64, 32×32×3 (paper 4.20 M)', () => {
  const net = bigganDiscriminator({ ch: 64, channels: 3, imageSize: 32 });
  assert.equal(paramCount(net), 4_204_801);
  // u0 buffers: one [1, out] per conv and linear layer.
  assert.equal(paramCount(net, { includeBuffers: true }), 4_204_801 + 2561);
});

test('BigGAN D names follow models_biggan.py; u0 are buffers', () => {
  const net = bigganDiscriminator({ ch: 2, channels: 3, imageSize: 32 });
  const shapes = paramShapes(net);
  assert.deepEqual(shapes['blocks.0.0.conv1.weight'], [3, 3, 3, 8]);
  assert.deepEqual(shapes['blocks.0.0.conv_sc.weight'], [1, 1, 3, 8]);
  assert.deepEqual(shapes['blocks.1.0.conv_sc.u0'], [1, 8]);
  assert.deepEqual(shapes['linear.weight'], [8, 1]);
  assert.deepEqual(shapes['linear.u0'], [1, 1]);
  assert.equal(shapes['blocks.2.0.conv_sc.weight'], undefined);
  const params = net.init(0);
  const names = trainableNames(params);
  assert.ok(names.every((n) => !n.endsWith('.u0')));
  assert.equal(Object.keys(params).length - names.length, 11);
  disposeParams(params);
});

for (const [size, channels] of [
  [28, 1],
  [32, 3],
  [64, 3],
] as const) {
  test(`BigGAN D ${size}×${size}×${channels}: output [N, 1], no leaks`, () => {
    const net = bigganDiscriminator({ ch: 2, channels, imageSize: size });
    const params = net.init(1);
    const x = tf.randomUniform([3, size, size, channels], 0, 1, 'float32', 2);
    const start = tf.memory().numTensors;
    for (const training of [false, true]) {
      const y = net.apply(params, x as tf.Tensor4D, { training });
      assert.deepEqual(y.shape, [3, 1]);
      y.dispose();
    }
    assert.equal(tf.memory().numTensors, start);
    x.dispose();
    disposeParams(params);
  });
}

test('BigGAN D: u0 advances only with training: true', () => {
  const net = bigganDiscriminator({ ch: 2, channels: 3, imageSize: 32 });
  const params = net.init(4);
  const x = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
  const u = () => Array.from(params['blocks.2.0.conv1.u0'].dataSync());
  const u0 = u();
  net.apply(params, x).dispose();
  assert.deepEqual(u(), u0);
  net.apply(params, x, { training: true }).dispose();
  assert.notDeepEqual(u(), u0);
  x.dispose();
  disposeParams(params);
});

test('BigGAN D: gradients reach every trainable variable, u0 excluded', () => {
  const net = bigganDiscriminator({ ch: 2, channels: 3, imageSize: 32 });
  const params = net.init(6);
  const x = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 7);
  const start = tf.memory().numTensors;
  assert.deepEqual(badGradients(net, params, x, { training: true }), []);
  assert.equal(tf.memory().numTensors, start);
  x.dispose();
  disposeParams(params);
});

test('BigGAN D rejects unsupported sizes with the supported ones', () => {
  assert.throws(
    () => bigganDiscriminator({ ch: 2, channels: 3, imageSize: 48 }),
    /imageSize must be one of 28, 32, 64.*got imageSize=48/,
  );
});

import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { disposeParams, paramCount, paramShapes } from './params';
import { badGradients } from './testing/grads';
import { useCpuBackend } from './testing/setup';
import { toyDiscriminator, toyScoreNetwork } from './toy-mlp';

before(useCpuBackend);

test('toy score MLP 2→512→512→512→2: 527,874 parameters, net.0 … net.6', () => {
  const net = toyScoreNetwork();
  assert.equal(paramCount(net), 527_874);
  assert.deepEqual(Object.keys(paramShapes(net)), [
    'net.0.weight',
    'net.0.bias',
    'net.2.weight',
    'net.2.bias',
    'net.4.weight',
    'net.4.bias',
    'net.6.weight',
    'net.6.bias',
  ]);
  assert.deepEqual(net.config, {
    inputDim: 2,
    width: 512,
    hiddenLayers: 3,
    negativeSlope: 0.01,
    outputDim: 2,
  });
});

test('toy MLPs: shapes [N, 2] → [N, 2] and [N, 1], gradients, no leaks', () => {
  for (const net of [
    toyScoreNetwork({ width: 16 }),
    toyDiscriminator({ width: 16 }),
  ]) {
    const params = net.init(1);
    const x = tf.randomNormal([5, 2], 0, 1, 'float32', 2) as tf.Tensor2D;
    const start = tf.memory().numTensors;
    const y = net.apply(params, x);
    assert.deepEqual(y.shape, [5, net.config.outputDim]);
    y.dispose();
    assert.deepEqual(badGradients(net, params, x), []);
    assert.equal(tf.memory().numTensors, start);
    x.dispose();
    disposeParams(params);
  }
});

test('toy MLP uses LeakyReLU with slope 0.01 between layers', () => {
  const net = toyScoreNetwork({ width: 1, hiddenLayers: 1 });
  const params = net.init(0);
  const set = (name: string, values: number[]) =>
    tf.tidy(() => params[name].assign(tf.tensor(values, params[name].shape)));
  set('net.0.weight', [1, 0]);
  set('net.0.bias', [0]);
  set('net.2.weight', [1, 1]);
  set('net.2.bias', [0, 0]);
  const x = tf.tensor2d([-3, 7, 2, 7], [2, 2]);
  const y = net.apply(params, x);
  assert.deepEqual(
    Array.from(y.dataSync()),
    [-0.03, -0.03, 2, 2].map(Math.fround),
  );
  tf.dispose([x, y]);
  disposeParams(params);
  const wrong = tf.zeros([2, 3]) as tf.Tensor2D;
  assert.throws(
    () => toyScoreNetwork().apply({}, wrong),
    /input must be \[N, 2\], got \[2,3\]/,
  );
  wrong.dispose();
});

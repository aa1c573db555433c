import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { paramScope } from '../params';
import { grid, maxAbsDiff, ninRef } from '../testing/reference';
import { useCpuBackend } from '../testing/setup';
import { applyNin, ninSpecs } from './nin';

before(useCpuBackend);

test('applyNin is x·W + b at every pixel (loop reference)', () => {
  const x = grid([2, 3, 2, 3], (n, h, w, c) => Math.cos(n + 2 * h + w - c));
  const weights = [
    [1, -2],
    [0.5, 0],
    [-1, 3],
  ];
  const bias = [0.25, -1];
  const params = {
    'l.weights': tf.variable(tf.tensor2d(weights)),
    'l.bias': tf.variable(tf.tensor1d(bias)),
  };
  const layer = { prefix: 'l', inChannels: 3, outChannels: 2, initScale: 1 };
  const input = tf.tensor4d(x.data, [...x.shape]);
  const start = tf.memory().numTensors;
  const y = applyNin(paramScope(params, 'test'), layer, input);
  assert.equal(tf.memory().numTensors, start + 1, 'only the output is new');
  assert.deepEqual(y.shape, [2, 3, 2, 2]);
  const diff = maxAbsDiff(y.dataSync(), ninRef(x, weights, bias).data);
  assert.ok(diff < 1e-5, `max diff ${diff}`);
  tf.dispose([y, input, ...Object.values(params)]);
});

test('ninSpecs: weights [in, out] ~ U(±√(3s/(in + out))), zero bias', () => {
  const layer = { prefix: 'q', inChannels: 128, outChannels: 256 };
  const [w, b] = ninSpecs({ ...layer, initScale: 1 });
  assert.equal(w.name, 'q.weights');
  assert.deepEqual(w.shape, [128, 256]);
  // The authors' Nin(128, 256) draws within ±0.088388 (√(3/384)).
  assert.equal(w.init.kind, 'uniform');
  const bound = (w.init as { bound: number }).bound;
  assert.ok(Math.abs(bound - 0.0883883) < 1e-6, String(bound));
  assert.deepEqual(
    [b.name, b.shape, b.init],
    ['q.bias', [256], { kind: 'constant', value: 0 }],
  );
  const [tiny] = ninSpecs({ ...layer, initScale: 1e-10 });
  assert.ok(
    Math.abs((tiny.init as { bound: number }).bound - 8.83883e-7) < 1e-11,
  );
});

import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { paramScope } from '../params';
import { grid, groupNormRef, maxAbsDiff } from '../testing/reference';
import { useCpuBackend } from '../testing/setup';
import { groupNorm, groupNormSpecs } from './group-norm';

before(useCpuBackend);

const x = grid(
  [2, 2, 3, 4],
  (n, h, w, c) => Math.sin(1 + 7 * n + 3 * h + 1.7 * w + 0.9 * c) * (c + 1) + c,
);
const gamma = [2, 0.5, 1, -1];
const beta = [0.1, -0.2, 0.3, 0];

test('groupNorm matches a loop-by-loop computation for G = 1, 2, C', () => {
  const params = {
    'n.weight': tf.variable(tf.tensor1d(gamma)),
    'n.bias': tf.variable(tf.tensor1d(beta)),
  };
  const input = tf.tensor4d(x.data, [...x.shape]);
  for (const groups of [1, 2, 4]) {
    const layer = { prefix: 'n', channels: 4, groups, eps: 1e-6 };
    const start = tf.memory().numTensors;
    const y = groupNorm(paramScope(params, 'test'), layer, input);
    assert.equal(tf.memory().numTensors, start + 1, 'only the output is new');
    const want = groupNormRef(x, groups, 1e-6, gamma, beta).data;
    const diff = maxAbsDiff(y.dataSync(), want);
    assert.ok(diff < 1e-5, `groups ${groups}: max diff ${diff}`);
    y.dispose();
  }
  tf.dispose([input, ...Object.values(params)]);
});

test('groupNorm: ε sets the floor of a constant group (out = β)', () => {
  const params = {
    'n.weight': tf.variable(tf.ones([2])),
    'n.bias': tf.variable(tf.tensor1d([0.5, -0.5])),
  };
  const input = tf.fill([1, 2, 2, 2], 3) as tf.Tensor4D;
  const layer = { prefix: 'n', channels: 2, groups: 1, eps: 1e-6 };
  const y = groupNorm(paramScope(params, 'test'), layer, input);
  assert.deepEqual(
    Array.from(y.dataSync()),
    [0.5, -0.5, 0.5, -0.5, 0.5, -0.5, 0.5, -0.5],
  );
  tf.dispose([y, input, ...Object.values(params)]);
});

test('groupNormSpecs: γ = 1, β = 0; bad group counts fail with values', () => {
  const specs = groupNormSpecs({
    prefix: 'a',
    channels: 4,
    groups: 2,
    eps: 1e-6,
  });
  assert.deepEqual(
    specs.map((s) => [s.name, s.shape, s.init]),
    [
      ['a.weight', [4], { kind: 'constant', value: 1 }],
      ['a.bias', [4], { kind: 'constant', value: 0 }],
    ],
  );
  assert.throws(
    () => groupNormSpecs({ prefix: 'b', channels: 6, groups: 4, eps: 1e-6 }),
    /groupNorm\(b\): channels must be a multiple.*channels=6, groups=4/,
  );
  assert.throws(
    () => groupNormSpecs({ prefix: 'b', channels: 4, groups: 2, eps: 0 }),
    /eps=0/,
  );
});

import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { paramScope, type Params } from '../params';
import {
  addRef,
  attentionRef,
  grid,
  groupNormRef,
  maxAbsDiff,
  ninRef,
  pattern,
} from '../testing/reference';
import { useCpuBackend } from '../testing/setup';
import { attnBlock, attnBlockSpecs } from './attention';

before(useCpuBackend);

const C = 4;
const layer = { prefix: 'a', channels: C, groups: 2, eps: 1e-6 };

test('attnBlock matches x + OUT(softmax(q·kᵀ/√C)·v), loop reference', () => {
  const x = grid([2, 2, 3, C], (n, h, w, c) => Math.sin(n + 3 * h - w + c));
  const m = (salt: number) => pattern([C, C], salt) as number[][];
  const vec = (salt: number) => pattern([C], salt) as number[];
  const [wq, wk, wv, wo] = [m(1), m(2), m(3), m(4)];
  const [bq, bk, bv, bo] = [vec(5), vec(6), vec(7), vec(8)];
  const gamma = (pattern([C], 9) as number[]).map((g) => 1 + g);
  const beta = vec(10);
  const values: Record<string, number[] | number[][]> = {
    'a.Q.weights': wq,
    'a.Q.bias': bq,
    'a.K.weights': wk,
    'a.K.bias': bk,
    'a.V.weights': wv,
    'a.V.bias': bv,
    'a.OUT.weights': wo,
    'a.OUT.bias': bo,
    'a.normalize.weight': gamma,
    'a.normalize.bias': beta,
  };
  const params: Params = {};
  for (const [name, v] of Object.entries(values)) {
    params[name] = tf.variable(tf.tensor(v));
  }
  const input = tf.tensor4d(x.data, [...x.shape]);
  const start = tf.memory().numTensors;
  const y = attnBlock(paramScope(params, 'test'), layer, input);
  assert.equal(tf.memory().numTensors, start + 1, 'only the output is new');

  const h = groupNormRef(x, 2, 1e-6, gamma, beta);
  const att = attentionRef(
    ninRef(h, wq, bq),
    ninRef(h, wk, bk),
    ninRef(h, wv, bv),
  );
  const want = addRef(x, ninRef(att, wo, bo)).data;
  const diff = maxAbsDiff(y.dataSync(), want);
  assert.ok(diff < 1e-5, `max diff ${diff}`);
  tf.dispose([y, input, ...Object.values(params)]);
});

test('attnBlockSpecs: Q, K, V, OUT, normalize; OUT starts near zero', () => {
  const specs = attnBlockSpecs(layer);
  assert.deepEqual(
    specs.map((s) => s.name),
    [
      'a.Q.weights',
      'a.Q.bias',
      'a.K.weights',
      'a.K.bias',
      'a.V.weights',
      'a.V.bias',
      'a.OUT.weights',
      'a.OUT.bias',
      'a.normalize.weight',
      'a.normalize.bias',
    ],
  );
  const bound = (name: string) =>
    (specs.find((s) => s.name === name)?.init as { bound: number }).bound;
  // √(3s/(C + C)) with s = 1, and s = 1e-10 for OUT.
  assert.ok(Math.abs(bound('a.Q.weights') - Math.sqrt(3 / 8)) < 1e-12);
  assert.ok(Math.abs(bound('a.OUT.weights') - Math.sqrt(3e-10 / 8)) < 1e-15);
});

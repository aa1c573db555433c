import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { paramScope, type Params } from '../params';
import {
  addRef,
  conv3x3Ref,
  grid,
  groupNormRef,
  maxAbsDiff,
  ninRef,
  pattern,
  swishRef,
  type Grid,
} from '../testing/reference';
import { useCpuBackend } from '../testing/setup';
import { resnetBlock, resnetBlockSpecs, swish } from './resnet-block';

before(useCpuBackend);

type Kernel = number[][][][];

test('swish(x) = x·sigmoid(x): known values', () => {
  const y = swish(tf.tensor1d([0, 1, -2, 10]));
  const want = [0, 0.7310586, -0.2384058, 9.999546];
  const diff = maxAbsDiff(y.dataSync(), want);
  assert.ok(diff < 1e-6, `max diff ${diff}`);
  y.dispose();
});

for (const [inC, outC] of [
  [2, 4],
  [4, 4],
]) {
  test(`resnetBlock ${inC}→${outC} matches a loop reference`, () => {
    const block = {
      prefix: 'r',
      inChannels: inC,
      outChannels: outC,
      groups: 2,
      eps: 1e-6,
      convInit: 'torch' as const,
    };
    const x = grid([2, 3, 3, inC], (n, h, w, c) => Math.cos(n - h + 2 * w + c));
    const vec = (len: number, salt: number) => pattern([len], salt) as number[];
    const k0 = pattern([3, 3, inC, outC], 1) as Kernel;
    const k1 = pattern([3, 3, outC, outC], 2) as Kernel;
    const values: Record<string, tf.TensorLike> = {
      'r.normalize0.weight': vec(inC, 3).map((g) => 1 + g),
      'r.normalize0.bias': vec(inC, 4),
      'r.conv0.weight': k0,
      'r.conv0.bias': vec(outC, 5),
      'r.normalize1.weight': vec(outC, 6).map((g) => 1 + g),
      'r.normalize1.bias': vec(outC, 7),
      'r.conv1.weight': k1,
      'r.conv1.bias': vec(outC, 8),
    };
    if (inC !== outC) {
      values['r.nin.weights'] = pattern([inC, outC], 9);
      values['r.nin.bias'] = vec(outC, 10);
    }
    const params: Params = {};
    for (const [name, v] of Object.entries(values)) {
      params[name] = tf.variable(tf.tensor(v));
    }
    assert.deepEqual(
      resnetBlockSpecs(block).map((s) => s.name),
      Object.keys(values),
      'specs in the authors’ module order',
    );
    const input = tf.tensor4d(x.data, [...x.shape]);
    const start = tf.memory().numTensors;
    const y = resnetBlock(paramScope(params, 'test'), block, input);
    assert.equal(tf.memory().numTensors, start + 1, 'only the output is new');

    const v = (name: string) => values[name] as number[];
    const stage = (t: Grid, norm: string, conv: string, k: Kernel) =>
      conv3x3Ref(
        swishRef(
          groupNormRef(t, 2, 1e-6, v(`${norm}.weight`), v(`${norm}.bias`)),
        ),
        k,
        v(`${conv}.bias`),
        1,
      );
    const h0 = stage(x, 'r.normalize0', 'r.conv0', k0);
    const h1 = stage(h0, 'r.normalize1', 'r.conv1', k1);
    const short =
      inC === outC
        ? x
        : ninRef(x, values['r.nin.weights'] as number[][], v('r.nin.bias'));
    const diff = maxAbsDiff(y.dataSync(), addRef(short, h1).data);
    assert.ok(diff < 1e-4, `max diff ${diff}`);
    tf.dispose([y, input, ...Object.values(params)]);
  });
}

test('resnetBlockSpecs: scaled vs PyTorch-default conv init', () => {
  const block = {
    prefix: 'r',
    inChannels: 128,
    outChannels: 128,
    groups: 32,
    eps: 1e-6,
  };
  const init = (convInit: 'scaled' | 'torch', name: string) =>
    resnetBlockSpecs({ ...block, convInit }).find((s) => s.name === name)?.init;
  // The authors' downblocks.1.conv1 (init_weights, scale 1) draws within
  // ±0.036084 = √(3/(1152 + 1152)), with zero bias; their
  // middleblocks.0.conv1 keeps PyTorch's ±1/√1152 = ±0.029463.
  const scaled = init('scaled', 'r.conv1.weight') as { bound: number };
  assert.ok(Math.abs(scaled.bound - 0.0360844) < 1e-6);
  assert.deepEqual(init('scaled', 'r.conv1.bias'), {
    kind: 'constant',
    value: 0,
  });
  const torch = init('torch', 'r.conv1.weight') as { bound: number };
  assert.ok(Math.abs(torch.bound - 0.0294628) < 1e-6);
  assert.deepEqual(init('torch', 'r.conv1.bias'), torch);
  assert.equal(init('torch', 'r.nin.weights'), undefined, 'no Nin at in = out');
});

import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { hasFusedInstanceNormPlus, initBackend } from '@acsm/core';
import { paramScope, type Params } from '../params';
import { instanceNormPlus, instanceNormPlusOps } from './instance-norm-plus';

// On wasm, instanceNormPlus runs the fused kernel; instanceNormPlusOps is
// its reference, here run on the pure-JS cpu backend.

before(async () => {
  await initBackend({ backend: 'wasm' });
});

/** max |a − b| / max |b|. */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let [err, scale] = [0, 0];
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return err / (scale || 1);
}

type Shape = [number, number, number, number];

/** Seeded values: x ~ N(1, 2²) per channel offset, dy, α, γ, β. */
function draw(shape: Shape, seed: number) {
  const c = shape[3];
  const get = (t: tf.Tensor) => t.dataSync() as Float32Array;
  return tf.tidy(() => ({
    x: get(
      tf.add(tf.randomNormal(shape, 1, 2, 'float32', seed), tf.range(0, c)),
    ),
    dy: get(tf.randomNormal(shape, 0, 1, 'float32', seed + 1)),
    alpha: get(tf.randomNormal([c], 1, 0.3, 'float32', seed + 2)),
    gamma: get(tf.randomNormal([c], 1, 0.3, 'float32', seed + 3)),
    beta: get(tf.randomNormal([c], 0, 0.3, 'float32', seed + 4)),
  }));
}

const NAMES = ['alpha', 'gamma', 'beta'] as const;

/** [y, dx, dα, dγ, dβ] of `norm` for L = Σ dy·y, on the active backend. */
function outputs(
  v: ReturnType<typeof draw>,
  shape: Shape,
  norm: (x: tf.Tensor4D, params: Params) => tf.Tensor4D,
): Float32Array[] {
  return tf.tidy(() => {
    const params = Object.fromEntries(
      NAMES.map((n) => [`n.${n}`, tf.variable(tf.tensor1d(v[n]))]),
    ) as Params;
    const x = tf.tensor4d(v.x, shape);
    const dy = tf.tensor4d(v.dy, shape);
    const f = (t: tf.Tensor) => norm(t as tf.Tensor4D, params);
    const y = f(x);
    const dx = tf.grad(f)(x, dy);
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(f(x), dy)));
    const got = [y, dx, ...NAMES.map((n) => grads[params[`n.${n}`].name])];
    const values = got.map((t) => t.dataSync() as Float32Array);
    tf.dispose(Object.values(params));
    return values;
  });
}

const fused = (x: tf.Tensor4D, params: Params) =>
  instanceNormPlus(paramScope(params, 'test'), 'n', x);

const ops = (x: tf.Tensor4D, p: Params) =>
  instanceNormPlusOps(x, {
    alpha: p['n.alpha'] as tf.Tensor1D,
    gamma: p['n.gamma'] as tf.Tensor1D,
    beta: p['n.beta'] as tf.Tensor1D,
  });

const SHAPES: Shape[] = [
  [4, 7, 7, 6],
  [2, 28, 28, 12],
  [3, 1, 3, 2],
];

for (const shape of SHAPES) {
  test(`fused InstanceNorm++ on wasm equals the ops, ${shape}`, async () => {
    await tf.setBackend('wasm');
    assert.ok(hasFusedInstanceNormPlus(), 'wasm has the fused kernel');
    const v = draw(shape, shape[1]);
    const start = tf.memory().numTensors;
    const got = outputs(v, shape, fused);
    assert.equal(tf.memory().numTensors, start, 'tensors leaked');
    await tf.setBackend('cpu');
    const want = outputs(v, shape, ops);
    await tf.setBackend('wasm');
    ['y', 'dx', 'dα', 'dγ', 'dβ'].forEach((name, i) => {
      const err = relativeError(got[i], want[i]);
      assert.ok(err < 1e-4, `${name}: relative error ${err}`);
    });
  });
}

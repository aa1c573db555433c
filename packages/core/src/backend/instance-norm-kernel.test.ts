import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import {
  fusedInstanceNormPlus,
  hasFusedInstanceNormPlus,
} from './instance-norm-kernel';
import {
  instanceNormPlusBackward,
  instanceNormPlusForward,
} from './instance-norm-plus';
import { initBackend } from './select';
import { normal, relativeError } from './testing';

const EPS = 1e-5;
const SHAPE = [3, 5, 4, 6] as const;
const C = SHAPE[3];
const dims = { batch: 3, positions: 20, channels: C };

before(async () => {
  await initBackend({ backend: 'wasm' });
});

/** Seeded float32 inputs: x (mean 2), dy, α, γ ~ 1 ± 0.3, β. */
async function inputs() {
  const [x, dy, a, g, b] = await Promise.all([
    normal([...SHAPE], 1),
    normal([...SHAPE], 2),
    normal([C], 3),
    normal([C], 4),
    normal([C], 5),
  ]);
  await tf.setBackend('wasm');
  return {
    x: x.map((v) => 2 + 1.5 * v),
    dy,
    alpha: a.map((v) => 1 + 0.3 * v),
    gamma: g.map((v) => 1 + 0.3 * v),
    beta: b.map((v) => 0.2 * v),
  };
}

test('the fused kernel runs on wasm only', async () => {
  assert.equal(hasFusedInstanceNormPlus(), true);
  await tf.setBackend('cpu');
  assert.equal(hasFusedInstanceNormPlus(), false);
  await tf.setBackend('wasm');
});

test('forward and gradients on wasm equal the float64 loops', async () => {
  const v = await inputs();
  const start = tf.memory().numTensors;
  const got = tf.tidy(() => {
    const f = (
      x: tf.Tensor,
      alpha: tf.Tensor,
      gamma: tf.Tensor,
      beta: tf.Tensor,
    ) =>
      fusedInstanceNormPlus(
        x as tf.Tensor4D,
        {
          alpha: alpha as tf.Tensor1D,
          gamma: gamma as tf.Tensor1D,
          beta: beta as tf.Tensor1D,
        },
        EPS,
      );
    const args = [
      tf.tensor4d(v.x, [...SHAPE]),
      tf.tensor1d(v.alpha),
      tf.tensor1d(v.gamma),
      tf.tensor1d(v.beta),
    ];
    const dy = tf.tensor4d(v.dy, [...SHAPE]);
    const y = f(args[0], args[1], args[2], args[3]);
    return [y, ...tf.grads(f)(args, dy)].map((t) => t.dataSync());
  });
  assert.equal(tf.memory().numTensors, start, 'tensors leaked');
  const y = new Float64Array(v.x.length);
  instanceNormPlusForward(v.x, v, dims, EPS, y);
  const want = {
    dx: new Float64Array(v.x.length),
    dAlpha: new Float64Array(C),
    dGamma: new Float64Array(C),
    dBeta: new Float64Array(C),
  };
  instanceNormPlusBackward(v, dims, EPS, want);
  const expected = [y, want.dx, want.dAlpha, want.dGamma, want.dBeta];
  ['y', 'dx', 'dα', 'dγ', 'dβ'].forEach((name, i) => {
    const err = relativeError(got[i], expected[i]);
    assert.ok(err < 1e-6, `${name}: relative error ${err}`);
  });
});

test('the fused kernel rejects parameters of the wrong shape', () => {
  const x = tf.zeros([1, 2, 2, 3]) as tf.Tensor4D;
  const ok = tf.ones([3]) as tf.Tensor1D;
  const bad = tf.ones([2]) as tf.Tensor1D;
  const start = tf.memory().numTensors;
  assert.throws(
    () => fusedInstanceNormPlus(x, { alpha: ok, gamma: bad, beta: ok }, EPS),
    /x \[1,2,2,3\], parameters \[3\],\[2\],\[3\]/,
  );
  assert.throws(
    () => fusedInstanceNormPlus(x, { alpha: ok, gamma: ok, beta: ok }, 0),
    /epsilon must be > 0, got 0/,
  );
  assert.equal(tf.memory().numTensors, start, 'tensors leaked');
  tf.dispose([x, ok, bad]);
});

import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { paramScope } from '../params';
import { useCpuBackend } from '../testing/setup';
import { instanceNormPlus, instanceNormPlusSpecs } from './instance-norm-plus';

before(useCpuBackend);

const N = 2;
const H = 2;
const W = 3;
const C = 3;
const EPS = 1e-5;

/** x[n][h][w][c], a fixed non-symmetric pattern. */
function value(n: number, h: number, w: number, c: number): number {
  return Math.sin(1 + n * 7 + h * 3 + w * 1.7 + c * 0.9) * (c + 1) + c;
}

const alpha = [0.5, 1.5, -1];
const gamma = [2, 0.5, 1];
const beta = [0.1, -0.2, 0.3];

/** InstanceNorm2dPlus written out with loops, as numpy would do it. */
function reference(): number[] {
  const out: number[] = [];
  for (let n = 0; n < N; n++) {
    const mu: number[] = [];
    const variance: number[] = [];
    for (let c = 0; c < C; c++) {
      const xs: number[] = [];
      for (let h = 0; h < H; h++) {
        for (let w = 0; w < W; w++) xs.push(value(n, h, w, c));
      }
      const m = xs.reduce((a, b) => a + b, 0) / xs.length;
      mu.push(m);
      variance.push(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length);
    }
    const m = mu.reduce((a, b) => a + b, 0) / C;
    const v = mu.reduce((a, b) => a + (b - m) ** 2, 0) / (C - 1);
    for (let h = 0; h < H; h++) {
      for (let w = 0; w < W; w++) {
        for (let c = 0; c < C; c++) {
          const hNorm =
            (value(n, h, w, c) - mu[c]) / Math.sqrt(variance[c] + EPS);
          const z = (mu[c] - m) / Math.sqrt(v + EPS);
          out.push(gamma[c] * (hNorm + alpha[c] * z) + beta[c]);
        }
      }
    }
  }
  return out;
}

test('InstanceNorm++ matches a loop-by-loop computation', () => {
  const data: number[] = [];
  for (let n = 0; n < N; n++) {
    for (let h = 0; h < H; h++) {
      for (let w = 0; w < W; w++) {
        for (let c = 0; c < C; c++) data.push(value(n, h, w, c));
      }
    }
  }
  const x = tf.tensor4d(data, [N, H, W, C]);
  const params = {
    'n.alpha': tf.variable(tf.tensor1d(alpha)),
    'n.gamma': tf.variable(tf.tensor1d(gamma)),
    'n.beta': tf.variable(tf.tensor1d(beta)),
  };
  const start = tf.memory().numTensors;
  const y = tf.tidy(() => instanceNormPlus(paramScope(params, 'test'), 'n', x));
  assert.equal(tf.memory().numTensors, start + 1, 'only the output is new');
  const got = Array.from(y.dataSync());
  const want = reference();
  assert.equal(got.length, want.length);
  got.forEach((g, i) =>
    assert.ok(Math.abs(g - want[i]) < 1e-4, `${i}: ${g} vs ${want[i]}`),
  );
  tf.dispose([x, y, ...Object.values(params)]);
});

test('InstanceNorm++ specs: alpha, gamma ~ N(1, 0.02), beta = 0', () => {
  const specs = instanceNormPlusSpecs('res1.0.normalize1', 4);
  assert.deepEqual(
    specs.map((s) => [s.name, s.shape, s.init]),
    [
      ['res1.0.normalize1.alpha', [4], { kind: 'normal', mean: 1, std: 0.02 }],
      ['res1.0.normalize1.gamma', [4], { kind: 'normal', mean: 1, std: 0.02 }],
      ['res1.0.normalize1.beta', [4], { kind: 'constant', value: 0 }],
    ],
  );
  assert.throws(
    () => instanceNormPlusSpecs('x', 1),
    /needs >= 2 channels.*got 1/,
  );
});

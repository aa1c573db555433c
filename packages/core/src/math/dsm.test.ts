import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { Adam } from './adam';
import { denoise } from './denoise';
import { drawDsmNoise, dsmLoss, dsmLossWithNoise } from './dsm';
import { Ema } from './ema';
import { ganLosses } from './gan-losses';
import { createRng } from './rng';
import type { ScoreNetwork } from './score';
import {
  assertAllClose,
  assertNoLeak,
  assertRelClose,
  std,
  useCpu,
  useCpuWithGradients,
} from './test-helpers';

describe('dsmLossWithNoise', () => {
  before(useCpu);

  test('matches the hand-computed value on a tiny input', () => {
    // x̃ = x + σz = [0.7, −0.1 | 1.6, 0.8];
    // f = 2x̃ − 1 = [0.4, −1.2 | 2.2, 0.6];
    // f + z = [1.4, −2.2 | 2.7, 0.6]; ½Σ = [3.4, 3.825]; mean 3.6125.
    const x = tf.tensor4d([0.2, 0.4, 0.6, 0.8], [2, 1, 1, 2]);
    const sigma = tf.tensor4d([0.5, 2], [2, 1, 1, 1]);
    const z = tf.tensor4d([1, -1, 0.5, 0], [2, 1, 1, 2]);
    const net: ScoreNetwork = (xt) => tf.sub(tf.mul(xt, 2), 1);
    assertNoLeak(() => {
      const r = dsmLossWithNoise(net, x, { sigma, z });
      assertRelClose(r.loss.dataSync()[0], 3.6125, 1e-6, 'loss');
      assertAllClose(r.xNoisy.dataSync(), [0.7, -0.1, 1.6, 0.8], 1e-6);
      assertAllClose(r.output.dataSync(), [0.4, -1.2, 2.2, 0.6], 1e-6);
      tf.dispose([r.loss, r.xNoisy, r.output]);
    });
    tf.dispose([x, sigma, z]);
  });
});

describe('dsmLoss', () => {
  before(useCpu);
  const sigmas = [4, 2, 1, 0.5];

  test('levels uniform over 1..L, z standard normal, loss consistent', () => {
    const n = 4000;
    const x = tf.fill([n, 2, 2, 1], 0.5) as tf.Tensor4D;
    const net: ScoreNetwork = (xt) => tf.mul(xt, -0.1);
    const r = dsmLoss(net, x, { sigmas, rng: createRng(1) });
    const counts = [0, 0, 0, 0];
    r.levels.forEach((i) => (counts[i] += 1));
    for (const c of counts) assert.ok(Math.abs(c - n / 4) < 150, `${counts}`);
    const sg = r.sigma.dataSync();
    r.levels.forEach((i, k) => assert.equal(sg[k], Math.fround(sigmas[i])));
    const [xn, out] = [r.xNoisy.dataSync(), r.output.dataSync()];
    const z = Array.from(xn, (v, k) => (v - 0.5) / sg[Math.floor(k / 4)]);
    assertRelClose(std(z), 1, 0.03, 'std of z');
    let total = 0;
    z.forEach((zk, k) => (total += 0.5 * (out[k] + zk) ** 2));
    assertRelClose(r.loss.dataSync()[0], total / n, 1e-4, 'loss');
    tf.dispose([x, r.loss, r.xNoisy, r.output, r.sigma]);
  });

  test('same seed gives the same loss', () => {
    const x = tf.randomUniform([5, 3, 3, 2], 0, 1, 'float32', 3) as tf.Tensor4D;
    const net: ScoreNetwork = (xt) => tf.mul(xt, -0.1);
    const lossOf = (seed: number) => {
      const r = dsmLoss(net, x, { sigmas, rng: createRng(seed) });
      const value = r.loss.dataSync()[0];
      tf.dispose([r.loss, r.xNoisy, r.output, r.sigma]);
      return value;
    };
    assert.equal(lossOf(4), lossOf(4));
    assert.notEqual(lossOf(4), lossOf(5));
    x.dispose();
  });

  test('drawDsmNoise draws what dsmLoss draws, in the same order', () => {
    const x = tf.fill([6, 2, 2, 1], 0.25) as tf.Tensor4D;
    const net: ScoreNetwork = (xt) => tf.mul(xt, 0);
    const [rngA, rngB] = [createRng(8), createRng(8)];
    assertNoLeak(() => {
      const r = dsmLoss(net, x, { sigmas, rng: rngA });
      const d = drawDsmNoise(x.shape, { sigmas, rng: rngB });
      assert.deepEqual(d.levels, r.levels);
      assert.deepEqual(d.sigma.dataSync(), r.sigma.dataSync());
      // x̃ = x + σz, and with f = 0 the loss is mean ½Σz².
      const [xNoisy, half] = tf.tidy(() => [
        tf.add(x, tf.mul(d.sigma, d.z)),
        tf.div(tf.sum(tf.square(d.z)), 12),
      ]);
      assertAllClose(xNoisy.dataSync(), r.xNoisy.dataSync(), 1e-6);
      assertRelClose(half.dataSync()[0], r.loss.dataSync()[0], 1e-6);
      assert.equal(rngA.uniform(), rngB.uniform());
      tf.dispose([r.loss, r.xNoisy, r.output, r.sigma, d.sigma, d.z]);
      tf.dispose([xNoisy, half]);
    });
    x.dispose();
  });

  test('invalid inputs name the argument and value', () => {
    const net: ScoreNetwork = (xt) => xt;
    const rng = createRng(1);
    const nan = tf.tensor4d([0.5, NaN], [2, 1, 1, 1]);
    assert.throws(
      () => dsmLoss(net, nan, { sigmas, rng }),
      /dsmLoss: x must be finite, got NaN at flat index 1/,
    );
    const x = tf.zeros([2, 1, 1, 1]) as tf.Tensor4D;
    assert.throws(() => dsmLoss(net, x, { sigmas: [1, 2], rng }), {
      message:
        'dsmLoss: sigmas must be strictly decreasing, ' +
        'got sigmas[0]=1, sigmas[1]=2',
    });
    assert.throws(
      () => dsmLoss(net, x, { sigmas: [], rng }),
      /dsmLoss: sigmas needs >= 1 levels, got 0/,
    );
    tf.dispose([nan, x]);
  });
});

// These need the gradients that @tensorflow/tfjs registers (see backend).
describe('dsmLoss gradients', () => {
  before(useCpuWithGradients);
  const sigmas = [4, 2, 1, 0.5];

  test('its gradient matches finite differences', () => {
    const xs = [0.1, 0.5, 0.9, 0.3, 0.7, 0.2];
    const [sig, zs] = [
      [0.3, 1.2],
      [0.4, -1.1, 0.2, 1.5, -0.3, 0.8],
    ];
    // f(x̃) = w·x̃ + b; L(w, b) in float64.
    const lossAt = (wv: number, bv: number) => {
      let total = 0;
      xs.forEach((xv, i) => {
        const xt = xv + sig[Math.floor(i / 3)] * zs[i];
        total += 0.5 * (wv * xt + bv + zs[i]) ** 2;
      });
      return total / 2;
    };
    const w = tf.variable(tf.scalar(0.7));
    const b = tf.variable(tf.scalar(-0.2));
    const x = tf.tensor4d(xs, [2, 1, 1, 3]);
    const sigma = tf.tensor4d(sig, [2, 1, 1, 1]);
    const z = tf.tensor4d(zs, [2, 1, 1, 3]);
    const net: ScoreNetwork = (xt) => tf.add(tf.mul(xt, w), b);
    const { value, grads } = tf.variableGrads(
      () => dsmLossWithNoise(net, x, { sigma, z }).loss,
      [w, b],
    );
    const h = 1e-5;
    const dw = (lossAt(0.7 + h, -0.2) - lossAt(0.7 - h, -0.2)) / (2 * h);
    const db = (lossAt(0.7, -0.2 + h) - lossAt(0.7, -0.2 - h)) / (2 * h);
    assertRelClose(value.dataSync()[0], lossAt(0.7, -0.2), 1e-5, 'loss');
    assertRelClose(grads[w.name].dataSync()[0], dw, 1e-4, 'dL/dw');
    assertRelClose(grads[b.name].dataSync()[0], db, 1e-4, 'dL/db');
    tf.dispose([w, b, x, sigma, z, value, ...Object.values(grads)]);
  });

  test('a hybrid training-style loop leaks no tensor in 10 iterations', () => {
    const theta = {
      w: tf.variable(tf.scalar(-0.5)),
      b: tf.variable(tf.scalar(0)),
    };
    const phi = { v: tf.variable(tf.scalar(0.1)) };
    const net: ScoreNetwork = (xt) => tf.add(tf.mul(xt, theta.w), theta.b);
    const disc = (img: tf.Tensor) => tf.mul(tf.mean(img, [1, 2, 3]), phi.v);
    const adamScore = new Adam(theta, { beta1: 0, beta2: 0.9 });
    const adamDisc = new Adam(phi, { beta1: -0.5, beta2: 0.9 });
    const ema = new Ema(theta, 0.999);
    const x = tf.randomUniform([4, 2, 2, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
    const rng = createRng(6);
    const named = (vars: Record<string, tf.Variable>, g: tf.NamedTensorMap) =>
      Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, g[v.name]]));
    const gan = ganLosses.lsgan;
    const fakeOf = (r: ReturnType<typeof dsmLoss>) =>
      tf.clipByValue(denoise(r.xNoisy, r.sigma, r.output), 0, 1);
    assertNoLeak(() => {
      for (let k = 0; k < 10; k++) {
        const d = tf.variableGrads(() => {
          const fake = fakeOf(dsmLoss(net, x, { sigmas, rng }));
          return gan.discriminator(disc(x), disc(fake));
        }, Object.values(phi));
        adamDisc.applyGradients(named(phi, d.grads));
        const g = tf.variableGrads(() => {
          const r = dsmLoss(net, x, { sigmas, rng });
          return tf.add(r.loss, gan.generator(disc(x), disc(fakeOf(r))));
        }, Object.values(theta));
        adamScore.applyGradients(named(theta, g.grads));
        ema.update(theta);
        tf.dispose([
          d.value,
          g.value,
          ...Object.values(d.grads),
          ...Object.values(g.grads),
        ]);
      }
    });
    assert.equal(adamScore.step, 10);
    tf.dispose([x, ...Object.values(theta), ...Object.values(phi)]);
    [adamScore, adamDisc, ema].forEach((o) => o.dispose());
  });
});

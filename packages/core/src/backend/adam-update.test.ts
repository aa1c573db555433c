import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Adam, type AdamOptions } from '../math/adam';
import { ADAM_UPDATE, adamStep, type AdamUpdateAttrs } from './adam-update';
import { registerWasmTrainingKernels } from './wasm-kernels';
import { normal, relativeError } from './testing';

before(async () => {
  tf.enableProdMode();
  registerWasmTrainingKernels();
});

/** The attributes of update t, as Adam computes them. */
function attrsAt(t: number, lr: number, b1: number, b2: number) {
  return {
    beta1: b1,
    beta2: b2,
    epsilon: 1e-8,
    correction1: 1 - b1 ** t,
    correction2: 1 - b2 ** t,
    learningRate: lr,
  } satisfies AdamUpdateAttrs;
}

describe('adamStep', () => {
  test('β1 = −0.5: two steps against the closed form', () => {
    // θ = [1, −2], g1 = [2, 0.5], g2 = [−1, 0.5], lr 0.1, β2 0.9.
    // Step 1: m = 1.5 g1, v = 0.1 g1², c1 = 1.5, c2 = 0.1: m̂ = g1,
    // v̂ = g1², θ −= 0.1 · sign(g1) (ε aside) → [0.9, −2.1].
    const param = Float32Array.from([1, -2]);
    const [m, v] = [new Float32Array(2), new Float32Array(2)];
    const out = () => ({
      paramOut: new Float32Array(2),
      mOut: new Float32Array(2),
      vOut: new Float32Array(2),
    });
    const s1 = out();
    const g1 = Float32Array.from([2, 0.5]);
    adamStep({ param, grad: g1, m, v, ...s1 }, attrsAt(1, 0.1, -0.5, 0.9));
    assert.ok(relativeError(s1.paramOut, [0.9, -2.1]) < 1e-6);
    assert.ok(relativeError(s1.mOut, [3, 0.75]) < 1e-7);
    assert.ok(relativeError(s1.vOut, [0.4, 0.025]) < 1e-7);
    // Step 2: m = −0.5 m + 1.5 g2, v = 0.9 v + 0.1 g2², c1 = 0.75,
    // c2 = 0.19; θ −= 0.1 · (m / c1) / (√(v / c2) + ε).
    const s2 = out();
    const g2 = Float32Array.from([-1, 0.5]);
    const a = { param: s1.paramOut, grad: g2, m: s1.mOut, v: s1.vOut };
    adamStep({ ...a, ...s2 }, attrsAt(2, 0.1, -0.5, 0.9));
    const m2 = [-3, 0.375];
    const v2 = [0.46, 0.0475];
    const theta2 = [0.9, -2.1].map(
      (x, i) => x - (0.1 * (m2[i] / 0.75)) / (Math.sqrt(v2[i] / 0.19) + 1e-8),
    );
    assert.ok(relativeError(s2.mOut, m2) < 1e-6);
    assert.ok(relativeError(s2.vOut, v2) < 1e-6);
    assert.ok(relativeError(s2.paramOut, theta2) < 1e-6);
  });
});

const SHAPES: Record<string, number[]> = {
  w: [3, 3, 2, 4],
  b: [4],
  s: [],
};

/** Variables of SHAPES from seeded normals, on the active backend. */
async function makeVariables(seed: number) {
  const values = await Promise.all(
    Object.values(SHAPES).map((shape, i) => normal(shape, seed + i)),
  );
  return values;
}

/**
 * Runs `steps` Adam updates with options `o` on `backend` (the wasm
 * kernel unregistered when `fused` is false); returns θ, m and v.
 */
async function run(
  backend: string,
  fused: boolean,
  o: AdamOptions,
  steps = 4,
): Promise<Float32Array[]> {
  const inits = await makeVariables(1);
  const grads = await Promise.all(
    Array.from({ length: steps }, (_, t) => makeVariables(10 * t + 20)),
  );
  await tf.setBackend(backend);
  if (!fused) tf.unregisterKernel(ADAM_UPDATE, 'wasm');
  try {
    const shapes = Object.entries(SHAPES);
    const theta = Object.fromEntries(
      shapes.map(([k, s], i) => [
        k,
        tf.tidy(() => tf.variable(tf.tensor(inits[i], s))),
      ]),
    );
    const adam = new Adam(theta, o);
    for (const g of grads) {
      const named = Object.fromEntries(
        shapes.map(([k, s], i) => [k, tf.tensor(g[i], s)]),
      );
      adam.applyGradients(named);
      tf.dispose(named);
    }
    const { m, v } = adam.getState();
    const values = shapes.flatMap(([k]) => [
      theta[k].dataSync() as Float32Array,
      m[k],
      v[k],
    ]);
    adam.dispose();
    tf.dispose(Object.values(theta));
    return values;
  } finally {
    registerWasmTrainingKernels();
  }
}

const OPTIONS: [string, AdamOptions][] = [
  ['defaults', {}],
  ['β1 = −0.5, β2 = 0.9', { beta1: -0.5, beta2: 0.9, learningRate: 0.1 }],
  ['β1 = 0, warm-up 3', { beta1: 0, beta2: 0.9, warmup: 3 }],
  ['ε = 0.1, lr 0.01', { epsilon: 0.1, learningRate: 0.01 }],
];

describe('AdamUpdate on wasm', () => {
  for (const [name, o] of OPTIONS) {
    test(`${name}: same bits as the op-by-op update`, async () => {
      const fused = await run('wasm', true, o);
      const ops = await run('wasm', false, o);
      const cpu = await run('cpu', false, o);
      fused.forEach((x, i) => {
        assert.deepEqual(x, ops[i], `output ${i} against wasm ops`);
        assert.deepEqual(x, cpu[i], `output ${i} against cpu ops`);
      });
    });
  }

  test('is the path Adam takes on wasm, and leaks nothing', async () => {
    await tf.setBackend('wasm');
    assert.ok(tf.getKernel(ADAM_UPDATE, 'wasm'));
    const theta = { w: tf.tidy(() => tf.variable(tf.ones([5, 3]))) };
    const g = tf.fill([5, 3], 0.5);
    const adam = new Adam(theta, { beta1: -0.5, beta2: 0.9 });
    const [tensors, buffers] = [tf.memory().numTensors, numDataIds()];
    const profile = await tf.profile(() => adam.applyGradients({ w: g }));
    for (let k = 0; k < 5; k++) adam.applyGradients({ w: g });
    assert.deepEqual(
      profile.kernels.map((k) => k.name),
      [ADAM_UPDATE],
    );
    assert.equal(tf.memory().numTensors, tensors, 'tensors leaked');
    assert.equal(numDataIds(), buffers, 'wasm data leaked');
    adam.dispose();
    tf.dispose([theta.w, g]);
  });

  test('leaves a tensor that shares the variable’s data as it was', async () => {
    await tf.setBackend('wasm');
    const theta = { w: tf.tidy(() => tf.variable(tf.tensor1d([1, 2, 3]))) };
    // Identity on wasm adds a reference to the same data.
    const alias = tf.engine().runKernel('Identity', { x: theta.w });
    const adam = new Adam(theta, { learningRate: 0.5 });
    const g = tf.tensor1d([1, 1, 1]);
    adam.applyGradients({ w: g });
    assert.deepEqual(Array.from((alias as tf.Tensor).dataSync()), [1, 2, 3]);
    assert.ok(theta.w.dataSync()[0] < 1);
    adam.dispose();
    tf.dispose([theta.w, alias as tf.Tensor, g]);
  });

  test('fails on inputs of different sizes, naming them', async () => {
    await tf.setBackend('wasm');
    const [a, b] = [tf.zeros([3]), tf.zeros([4])];
    const attrs = attrsAt(1, 0.1, 0.9, 0.999) as unknown as tf.NamedAttrMap;
    assert.throws(
      () =>
        tf
          .engine()
          .runKernel(ADAM_UPDATE, { param: a, grad: b, m: a, v: a }, attrs),
      /wasm AdamUpdate: input 'grad' must be float32 of 3 values, got float32 \[4\]/,
    );
    tf.dispose([a, b]);
  });
});

function numDataIds(): number {
  return tf.backend().numDataIds();
}

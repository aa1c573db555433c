import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initParams, paramScope, type Params } from '../params';
import { useCpuBackend } from '../testing/setup';
import { spectralNormalized, spectralNormSpec } from './spectral-norm';

before(useCpuBackend);

/** Largest singular value of a 2×2 matrix [[a, b], [c, d]], closed form. */
function sigmaMax2x2([a, b, c, d]: number[]): number {
  const s = a * a + b * b + c * c + d * d;
  const det = a * d - b * c;
  return Math.sqrt((s + Math.sqrt(s * s - 4 * det * det)) / 2);
}

/** Largest singular value of rows×cols m by power iteration on MᵀM, in f64. */
function sigmaMax(m: Float32Array, rows: number, cols: number): number {
  let v = Array.from({ length: cols }, (_, i) => 1 + i / cols);
  let s = 0;
  for (let it = 0; it < 2000; it++) {
    const mv = Array.from({ length: rows }, (_, r) =>
      v.reduce((acc, vi, c) => acc + m[r * cols + c] * vi, 0),
    );
    const mtmv = v.map((_, c) =>
      mv.reduce((acc, x, r) => acc + m[r * cols + c] * x, 0),
    );
    const norm = Math.hypot(...mtmv);
    v = mtmv.map((x) => x / norm);
    s = Math.sqrt(norm);
  }
  return s;
}

function snParams(weight: tf.Tensor, seed: number): Params {
  const out = weight.shape[weight.rank - 1];
  const params = initParams([spectralNormSpec('layer', out)], seed);
  params['layer.weight'] = tf.variable(weight);
  return params;
}

/** Runs n training forwards (n power iterations), returns the last W/σ. */
function iterate(params: Params, n: number): tf.Tensor {
  for (let i = 0; i < n - 1; i++) {
    tf.tidy(() => {
      spectralNormalized(paramScope(params, 'test'), 'layer', true);
    });
  }
  return tf.tidy(() =>
    spectralNormalized(paramScope(params, 'test'), 'layer', true),
  );
}

test('2×2: after power iterations W/σ has largest singular value 1', () => {
  const w = [3, 1, -2, 0.5];
  const params = snParams(tf.tensor2d(w, [2, 2]), 1);
  const normalized = iterate(params, 30);
  const got = Array.from(normalized.dataSync());
  const sigma = w[0] / got[0];
  assert.ok(Math.abs(sigma - sigmaMax2x2(w)) < 1e-4, `σ ${sigma}`);
  assert.ok(Math.abs(sigmaMax2x2(got) - 1) < 1e-4);
  tf.dispose([normalized, ...Object.values(params)]);
});

test('conv weight: σ converges to the top singular value of [out, K]', () => {
  const weight = tf.randomNormal([3, 3, 4, 5], 0, 1, 'float32', 3);
  const matrix = tf.tidy(() => tf.transpose(tf.reshape(weight, [36, 5])));
  const truth = sigmaMax(matrix.dataSync() as Float32Array, 5, 36);
  const params = snParams(weight, 2);
  const normalized = iterate(params, 100);
  const nm = tf.tidy(() => tf.transpose(tf.reshape(normalized, [36, 5])));
  const ratio = weight.dataSync()[0] / normalized.dataSync()[0];
  assert.ok(Math.abs(ratio / truth - 1) < 1e-3, `σ ${ratio} vs ${truth}`);
  assert.ok(
    Math.abs(sigmaMax(nm.dataSync() as Float32Array, 5, 36) - 1) < 1e-3,
  );
  tf.dispose([weight, matrix, normalized, nm, ...Object.values(params)]);
});

test('u advances only in training; no tensor leaks', () => {
  const params = snParams(tf.randomNormal([3, 4], 0, 1, 'float32', 5), 4);
  const u0 = Array.from(params['layer.u0'].dataSync());
  const start = tf.memory().numTensors;
  tf.tidy(() => {
    spectralNormalized(paramScope(params, 'test'), 'layer', false);
  });
  assert.deepEqual(Array.from(params['layer.u0'].dataSync()), u0);
  tf.tidy(() => {
    spectralNormalized(paramScope(params, 'test'), 'layer', true);
  });
  assert.notDeepEqual(Array.from(params['layer.u0'].dataSync()), u0);
  assert.equal(tf.memory().numTensors, start);
  tf.dispose(Object.values(params));
});

test('gradient holds u, v constant: d⟨W/σ, G⟩ = G/σ − ⟨W, G⟩ ∂σ/σ²', () => {
  // A fresh random u, far from converged, so that a gradient through u and
  // v would differ from the constant-u, v one.
  const start = tf.tensor2d([1, 2, 0.5, -1, 3, 0.2], [3, 2]);
  const g = tf.tensor2d([0.3, -0.7, 1.1, 0.4, -0.2, 0.9], [3, 2]);
  const params = snParams(start, 9);
  const w = params['layer.weight'];
  const u = params['layer.u0'];
  const { value, grads } = tf.variableGrads(
    () =>
      tf.sum(
        tf.mul(
          spectralNormalized(paramScope(params, 'test'), 'layer', false),
          g,
        ),
      ),
    [w],
  );
  const expected = tf.tidy(() => {
    // W is [K, out] = [3, 2]; v = normalize(u Wᵀ), u' = normalize(v W),
    // σ = v W u'ᵀ, so with u', v constant ∂σ/∂W = vᵀ u'.
    const normalize = (t: tf.Tensor) => tf.div(t, tf.norm(t));
    const v = normalize(tf.matMul(u, w, false, true));
    const u1 = normalize(tf.matMul(v, w));
    const sigma = tf.sum(tf.mul(tf.matMul(v, w), u1));
    const inner = tf.sum(tf.mul(w, g));
    const dSigma = tf.matMul(v, u1, true, false);
    return tf.sub(
      tf.div(g, sigma),
      tf.mul(tf.div(inner, tf.square(sigma)), dSigma),
    );
  });
  const got = grads[w.name];
  const diff = tf.tidy(
    () => tf.max(tf.abs(tf.sub(got, expected))).dataSync()[0],
  );
  assert.ok(diff < 1e-5, `max diff ${diff}`);
  tf.dispose([value, got, expected, g, start, ...Object.values(params)]);
});

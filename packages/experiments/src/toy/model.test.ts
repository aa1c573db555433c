import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createRng, dsmLoss, initBackend } from '@acsm/core';
import { imagesTensor } from '@acsm/data';
import { type Params, disposeParams, toyScoreNetwork } from '@acsm/models';
import { disposeState } from '../train/state';
import {
  TOY_PROFILES,
  toyModelConfig,
  type ToyProfile,
  type ToyDatasetName,
} from './definition';
import {
  nonFiniteCount,
  prepareToyData,
  sampleToy,
  type ToyData,
  toyMetric,
  toyNetworks,
  trainToy,
} from './model';
import { onPointImages } from './points';

before(async () => {
  await initBackend({ backend: 'wasm' });
});

/** A tiny profile: 16-wide MLP, 300 training points, 100 metric points. */
function tinyProfile(iterations: number): ToyProfile {
  const p = TOY_PROFILES.smoke;
  return {
    ...p,
    data: { ...p.data, trainPoints: 300, evalPoints: 100 },
    model: { ...p.model, width: 16 },
    training: {
      ...p.training,
      iterations,
      batchSize: 32,
      learningRate: 3e-3,
      emaRate: 0.5,
      checkpointEvery: iterations,
      logEvery: 1,
    },
    samplers: p.samplers.slice(0, 1),
    sampleBatch: 64,
  };
}

/** The DSM loss of `params` on the whole training set, fixed noise. */
function fixedLoss(data: ToyData, params: Params, kind: 'dsm' | 'hybrid') {
  const net = toyNetworks({
    ...toyModelConfig(tinyProfile(1), data.dataset, kind, 1),
  }).score;
  return tf.tidy(() => {
    const x = imagesTensor({
      images: data.train.images,
      shape: data.train.shape,
    });
    const score = (v: tf.Tensor4D) => net.apply(params, v) as tf.Tensor4D;
    const r = dsmLoss(score, x, { sigmas: data.sigmas, rng: createRng(99) });
    return r.loss.dataSync()[0];
  });
}

/** Trains one tiny model; returns its per-step losses and CAS samples. */
async function trainAndSample(
  dataset: ToyDatasetName,
  kind: 'dsm' | 'hybrid',
  iterations: number,
) {
  const p = tinyProfile(iterations);
  const data = prepareToyData(p, dataset);
  const config = toyModelConfig(p, dataset, kind, data.sigmas[0]);
  const dir = mkdtempSync(join(tmpdir(), 'acsm-toy-test-'));
  const losses: number[] = [];
  const initial = toyNetworks(config).score.init(config.seed);
  const lossBefore = fixedLoss(data, initial, kind);
  disposeParams(initial);
  try {
    const state = await trainToy(config, data, {
      checkpointDir: dir,
      onLog: (_step, terms) => losses.push(terms.dsm_loss),
      onProgress: () => undefined,
    });
    try {
      const samples = await sampleToy(state, data, p, {
        sampler: p.samplers[0],
      });
      const lossAfter = fixedLoss(data, state.score.params, kind);
      return { losses, samples, data, lossBefore, lossAfter };
    } finally {
      disposeState(state);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('toy DSM training lowers the DSM loss; no tensor leaks', async () => {
  const before = tf.memory().numTensors;
  const r = await trainAndSample('25-gaussians', 'dsm', 60);
  const { losses, samples, data, lossBefore, lossAfter } = r;
  assert.equal(tf.memory().numTensors, before, 'tensors leaked');
  assert.equal(losses.length, 60);
  // On the same 300 points, levels and z: untrained, f ≈ 0 gives about
  // ½·E‖z‖² = 1; 60 steps take off a quarter of it (0.97 → 0.73).
  assert.ok(lossBefore > 0.9, `before ${lossBefore}`);
  assert.ok(lossAfter < 0.9 * lossBefore, `${lossBefore} → ${lossAfter}`);
  assert.equal(samples.raw.length, 200);
  assert.equal(samples.denoised.length, 200);
  assert.equal(nonFiniteCount(samples.raw), 0);
  const score = toyMetric(samples.raw, data.real)!;
  assert.ok(score.sum > 0 && Number.isFinite(score.sum));
  assert.ok(data.sigmas[0] > 5.6 && data.sigmas[0] < 6.2, `${data.sigmas}`);
});

test('toy hybrid training: same seed, same losses and samples', async () => {
  const before = tf.memory().numTensors;
  const a = await trainAndSample('swiss-roll', 'hybrid', 4);
  const b = await trainAndSample('swiss-roll', 'hybrid', 4);
  assert.equal(tf.memory().numTensors, before, 'tensors leaked');
  assert.deepEqual(a.losses, b.losses);
  assert.deepEqual(a.samples.raw, b.samples.raw);
  assert.deepEqual(a.samples.denoised, b.samples.denoised);
  assert.deepEqual(a.data.real.points, b.data.real.points);
});

test('toyMetric: null for a diverged sampler, distances otherwise', () => {
  const real = { points: Float32Array.from([0, 0, 1, 0]), n: 2 };
  assert.equal(toyMetric(Float32Array.from([NaN, 0, 1, 0]), real), null);
  // fake (0, 1): 1 to (0, 0); real → fake: 1 and √2.
  const score = toyMetric(Float32Array.from([0, 1]), real)!;
  assert.equal(score.fakeToReal, 1);
  assert.ok(Math.abs(score.realToFake - (1 + Math.SQRT2) / 2) < 1e-12);
});

test('onPointImages: the MLP on [N, 1, 1, 2], checked shapes', () => {
  const mlp = toyScoreNetwork({ width: 4, hiddenLayers: 1 });
  const net = onPointImages(mlp);
  const params = net.init(3);
  const before = tf.memory().numTensors;
  const x = tf.tensor4d([1, 2, 3, 4, 5, 6], [3, 1, 1, 2]);
  const y = net.apply(params, x) as tf.Tensor4D;
  const flat = tf.tidy(() =>
    mlp.apply(params, tf.reshape(x, [3, 2]) as tf.Tensor2D),
  );
  assert.deepEqual(y.shape, [3, 1, 1, 2]);
  assert.deepEqual(y.dataSync(), flat.dataSync());
  assert.equal(net.kind, 'toy-mlp');
  const bad = tf.zeros([1, 2, 1, 2]);
  assert.throws(
    () => net.apply(params, bad),
    /onPointImages\(toy-mlp\): input must be \[N, 1, 1, D\], got \[1, 2, 1, 2\]/,
  );
  tf.dispose([x, y, flat, bad]);
  assert.equal(tf.memory().numTensors, before, 'tensors leaked');
  Object.values(params).forEach((v) => v.dispose());
});

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import {
  annealedLangevin,
  consistentAnnealed,
  createRng,
  geometricSigmas,
  initBackend,
} from '@acsm/core';
import { twentyFiveGaussians } from '@acsm/data';
import { nearestNeighbourDistances } from '@acsm/eval';
import { twentyFiveGaussiansScore } from './exact-score';

before(async () => {
  await initBackend({ backend: 'wasm' });
});

test('twentyFiveGaussiansScore: σ∇log p_σ at known points', () => {
  const before = tf.memory().numTensors;
  const score = twentyFiveGaussiansScore(0.05);
  // At σ = 0.1 the nearest mode outweighs the others by e^(−0.8/v) or
  // less, so f = σ(μ − x)/v to 1e-5: 0 on a mode, pulled back beside one.
  const x = tf.tensor4d([0, 0, 2.1, 1, -1, -2.03], [3, 1, 1, 2]);
  const near = score(x, 0.1);
  const f = near.dataSync();
  const v = 0.05 ** 2 + 0.1 ** 2;
  const expected = [0, 0, (0.1 * -0.1) / v, 0, 0, (0.1 * 0.03) / v];
  expected.forEach((e, i) =>
    assert.ok(Math.abs(f[i] - e) < 1e-5, `${i}: ${f[i]} vs ${e}`),
  );
  // At a large σ every mode weighs alike: f ≈ σ(mean μ − x)/v = −σx/v.
  const wide = score(x, 100);
  const far = wide.dataSync();
  assert.ok(Math.abs(far[2] - (-100 * 2.1) / (100 ** 2 + 0.0025)) < 1e-4);
  tf.dispose([x, near, wide]);
  assert.equal(tf.memory().numTensors, before, 'tensors leaked');
});

/** NN distance of 1000 samples of a sampler on L levels, and the floor. */
function sampleScore(sampler: 'als' | 'cas', numLevels: number) {
  const n = 1000;
  const real = twentyFiveGaussians(n, { seed: 1 }).points;
  const sigmas = geometricSigmas(6, 0.01, numLevels);
  const rng = createRng(7);
  const x0 = tf.randomUniform(
    [n, 1, 1, 2],
    -3,
    3,
    'float32',
    11,
  ) as tf.Tensor4D;
  const options = { stepSize: 0.5 * 0.01 ** 2, rng };
  const run = sampler === 'als' ? annealedLangevin : consistentAnnealed;
  const out = run(twentyFiveGaussiansScore(0.05), x0, sigmas, options);
  const fake = out.raw.dataSync() as Float32Array;
  tf.dispose([x0, out.raw, out.denoised]);
  return nearestNeighbourDistances(fake, real).sum;
}

test('with the exact score, CAS needs ~20 levels and ALS ~50 (η = 0.5)', () => {
  const floor = nearestNeighbourDistances(
    twentyFiveGaussians(1000, { seed: 2 }).points,
    twentyFiveGaussians(1000, { seed: 1 }).points,
  ).sum;
  const cas20 = sampleScore('cas', 20);
  const als10 = sampleScore('als', 10);
  const als50 = sampleScore('als', 50);
  // Measured: floor 0.036, CAS L=20 0.035, ALS L=10 0.18, ALS L=50 0.041.
  assert.ok(cas20 < 1.25 * floor, `CAS L=20 ${cas20}, floor ${floor}`);
  assert.ok(als50 < 1.25 * floor, `ALS L=50 ${als50}, floor ${floor}`);
  assert.ok(als10 > 3 * floor, `ALS L=10 ${als10}, floor ${floor}`);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import {
  extractFeatures,
  FeatureExtractor,
  FID_MNIST_CLASSIFIER,
  fidFromFeatures,
  fidMnistClassifier,
  quantizeImages,
  referenceStats,
} from './fid';
import { maxAbsDiff, normals } from './testing';

await tf.setBackend('cpu');

/** A fixed linear map of the 2×2 images to 3 features. */
function linearExtractor(hash = 'linear'): FeatureExtractor {
  const w = tf.tensor2d([1, 0, 2, 0, 1, -1, 3, 1, 0, -2, 0, 1], [4, 3]);
  return {
    hash,
    featureDim: 3,
    features: (x) => tf.matMul(tf.reshape(x, [x.shape[0], 4]), w),
  };
}

function images(n: number, seed: number) {
  const values = Float32Array.from(normals(n * 4, seed), (v) => 0.5 + v / 4);
  return { images: values, shape: [n, 2, 2, 1] as const };
}

test('quantizeImages: clamps to [0, 1] and rounds to 1/255', () => {
  const before = tf.memory().numTensors;
  const x = tf.tensor4d([-0.2, 0.5, 0.1, 1.7], [1, 2, 2, 1]);
  const q = quantizeImages(x);
  const expected = [0, 128 / 255, 26 / 255, 1];
  assert.ok(maxAbsDiff(q.dataSync(), expected) < 1e-7);
  tf.dispose([x, q]);
  assert.equal(tf.memory().numTensors, before);
});

test('extractFeatures: [n, d] values, the same for any batch size', () => {
  const extractor = linearExtractor();
  const data = images(23, 1);
  const before = tf.memory().numTensors;
  const a = extractFeatures(extractor, data);
  const b = extractFeatures(extractor, data, { batchSize: 5 });
  assert.equal(tf.memory().numTensors, before);
  assert.equal(a.n, 23);
  assert.equal(a.d, 3);
  assert.equal(a.values.length, 69);
  assert.equal(a.extractorHash, 'linear');
  assert.deepEqual(a.values, b.values);
  assert.throws(
    () => extractFeatures(extractor, { ...data, shape: [24, 2, 2, 1] }),
    /shape \[24,2,2,1\] needs 96 values, got 92/,
  );
});

test('fidFromFeatures: ≈ 0 against its own stats, records n and hash', () => {
  const extractor = linearExtractor();
  const data = images(200, 2);
  const ref = referenceStats(extractor, data);
  const fid = fidFromFeatures(extractFeatures(extractor, data), ref);
  assert.equal(fid.metric, FID_MNIST_CLASSIFIER);
  assert.equal(fid.metric, 'fid_mnist_classifier');
  assert.ok(Math.abs(fid.value) < 1e-6, `${fid.value}`);
  assert.equal(fid.nGenerated, 200);
  assert.equal(fid.nReference, 200);
  assert.equal(fid.extractorHash, 'linear');
});

test('fidMnistClassifier: grows with a shift of the generated images', () => {
  const extractor = linearExtractor();
  const ref = referenceStats(extractor, images(400, 3));
  const same = fidMnistClassifier(extractor, images(300, 4), ref);
  const shifted = images(300, 4);
  shifted.images.forEach((v, i) => (shifted.images[i] = v * 0.5));
  const far = fidMnistClassifier(extractor, shifted, ref);
  assert.equal(same.nGenerated, 300);
  assert.equal(same.nReference, 400);
  assert.ok(same.value >= -1e-9 && same.value < 0.5, `${same.value}`);
  assert.ok(far.value > 10 * same.value, `${far.value} vs ${same.value}`);
});

test('fidFromFeatures: wrong extractor, too few samples', () => {
  const data = images(50, 5);
  const ref = referenceStats(linearExtractor('a'), data);
  const gen = extractFeatures(linearExtractor('b'), data);
  assert.throws(
    () => fidFromFeatures(gen, ref),
    /features from extractor b against reference stats of a/,
  );
  const few = extractFeatures(linearExtractor('a'), images(2, 6));
  assert.throws(() => fidFromFeatures(few, ref), /got n=2, d=3/);
});

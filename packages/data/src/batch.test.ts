import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { batchAt, batches, imagesTensor, stepsPerEpoch } from './batch';
import { contentChecksum, ImageDataset } from './dataset';
import { loadMnist } from './mnist';

await tf.setBackend('cpu');

/** A dataset whose pixel values encode the example index. */
function indexDataset(n: number): ImageDataset {
  const images = new Float32Array(n * 4);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    images.fill(i / n, i * 4, (i + 1) * 4);
    labels[i] = i % 10;
  }
  return {
    images,
    labels,
    shape: [n, 2, 2, 1],
    source: 'test',
    split: 'all',
    checksum: contentChecksum(images, labels),
    sourceChecksum: '',
  };
}

test('batchAt: shape and content follow the indices', () => {
  const ds = indexDataset(50);
  const b = batchAt(ds, { batchSize: 8, seed: 3, step: 2 });
  assert.deepEqual(b.shape, [8, 2, 2, 1]);
  assert.equal(b.images.length, 32);
  b.indices.forEach((k, i) => {
    assert.equal(b.images[i * 4 + 3], Math.fround(k / 50));
    assert.equal(b.labels[i], k % 10);
  });
});

test('batchAt: an epoch visits distinct examples; epochs differ', () => {
  const ds = indexDataset(50);
  const perEpoch = stepsPerEpoch(50, 8);
  assert.equal(perEpoch, 6);
  const epochIndices = (e: number) =>
    Array.from({ length: perEpoch }, (_, s) => [
      ...batchAt(ds, { batchSize: 8, seed: 3, step: e * perEpoch + s }).indices,
    ]).flat();
  const e0 = epochIndices(0);
  assert.equal(new Set(e0).size, 48);
  assert.notDeepEqual(e0, epochIndices(1));
});

test('batchAt: deterministic in the seed, different across seeds', () => {
  const ds = indexDataset(100);
  const a = batchAt(ds, { batchSize: 16, seed: 7, step: 11 });
  const b = batchAt(ds, { batchSize: 16, seed: 7, step: 11 });
  const c = batchAt(ds, { batchSize: 16, seed: 8, step: 11 });
  assert.deepEqual(a.images, b.images);
  assert.deepEqual(a.indices, b.indices);
  assert.notDeepEqual(a.indices, c.indices);
});

test('batchAt: a run resumed at step k sees the uninterrupted batches', () => {
  const ds = indexDataset(70);
  const opts = { batchSize: 9, seed: 42 };
  const uninterrupted = Array.from({ length: 25 }, (_, step) =>
    batchAt(ds, { ...opts, step }),
  );
  // "Resume" at step 13 (mid-epoch 1) in a new process: a fresh copy.
  const reloaded = indexDataset(70);
  for (let step = 13; step < 25; step++) {
    const resumed = batchAt(reloaded, { ...opts, step });
    assert.deepEqual(resumed.indices, uninterrupted[step].indices);
    assert.deepEqual(resumed.images, uninterrupted[step].images);
    assert.equal(resumed.epoch, Math.floor(step / 7));
  }
});

test('batches: yields the batchAt batches of one epoch', () => {
  const ds = indexDataset(30);
  const all = [...batches(ds, { batchSize: 4, seed: 1, epoch: 2 })];
  assert.equal(all.length, 7);
  all.forEach((b, i) => {
    assert.equal(b.step, 14 + i);
    const ref = batchAt(ds, { batchSize: 4, seed: 1, step: 14 + i });
    assert.deepEqual(b.indices, ref.indices);
  });
});

test('batchAt: validates its options, naming the value', () => {
  const ds = indexDataset(10);
  assert.throws(
    () => batchAt(ds, { batchSize: 11, seed: 0, step: 0 }),
    /batchAt: batchSize 11 exceeds the dataset size 10/,
  );
  assert.throws(
    () => batchAt(ds, { batchSize: 0, seed: 0, step: 0 }),
    /batchSize must be an integer >= 1, got 0/,
  );
  assert.throws(
    () => batchAt(ds, { batchSize: 2, seed: -1, step: 0 }),
    /seed must be an integer >= 0, got -1/,
  );
  assert.throws(
    () => batchAt(ds, { batchSize: 2, seed: 0, step: 1.5 }),
    /step must be an integer >= 0, got 1.5/,
  );
  assert.throws(
    () => [...batches(ds, { batchSize: 2, seed: 0, epoch: -1 })],
    /batches: epoch must be an integer >= 0, got -1/,
  );
});

test('batchAt on MNIST train: [64, 28, 28, 1] in [0, 1], as a tensor', () => {
  const train = loadMnist('train');
  const b = batchAt(train, { batchSize: 64, seed: 0, step: 124 });
  assert.deepEqual(b.shape, [64, 28, 28, 1]);
  assert.equal(b.epoch, 0); // 8000 / 64 = 125 steps per epoch
  assert.ok(b.images.every((v) => v >= 0 && v <= 1));
  assert.equal(batchAt(train, { batchSize: 64, seed: 0, step: 125 }).epoch, 1);
  const before = tf.memory().numTensors;
  const x = imagesTensor(b);
  assert.deepEqual(x.shape, [64, 28, 28, 1]);
  assert.deepEqual(x.dataSync(), b.images);
  x.dispose();
  assert.equal(tf.memory().numTensors, before);
});

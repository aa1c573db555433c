import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { FASHION_MNIST_DEBIAN_DIR, loadFashionMnist } from './fashion-mnist';
import { parseIdx, readIdxFile } from './idx';

/** IDX bytes of unsigned bytes with these dimensions. */
function idx(dims: number[], data: number[]): Uint8Array {
  const header = new Uint8Array(4 + 4 * dims.length);
  header.set([0, 0, 0x08, dims.length]);
  const view = new DataView(header.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  return new Uint8Array([...header, ...data]);
}

test('parseIdx: dimensions and data; each malformation named', () => {
  const ok = parseIdx(idx([2, 1, 3], [0, 1, 2, 3, 4, 255]), 'f');
  assert.deepEqual(ok.dims, [2, 1, 3]);
  assert.deepEqual([...ok.data], [0, 1, 2, 3, 4, 255]);
  assert.match(ok.sha256, /^[0-9a-f]{64}$/);
  assert.throws(
    () => parseIdx(new Uint8Array([1, 0, 8, 1, 0, 0, 0, 0]), 'x.idx'),
    /^Error: x\.idx: not an IDX file \(magic 1, 0/,
  );
  const float = idx([1], [0, 0, 0, 0]);
  float[2] = 0x0d;
  assert.throws(
    () => parseIdx(float, 'y'),
    /y: IDX type 0xd, only unsigned bytes/,
  );
  assert.throws(
    () => parseIdx(new Uint8Array([0, 0, 8, 2, 0, 0]), 'z'),
    /z: truncated IDX header/,
  );
  assert.throws(
    () => parseIdx(idx([2, 2], [1, 2, 3]), 'w'),
    /w: 3 data bytes for dimensions \[2,2\] \(4 expected\): truncated/,
  );
  assert.throws(() => parseIdx(idx([1], [1, 2]), 'v'), /trailing bytes/);
});

test('readIdxFile reads gzipped and plain files; a broken gzip is named', () => {
  const dir = mkdtempSync(join(tmpdir(), 'acsm-idx-'));
  try {
    const bytes = idx([3], [7, 8, 9]);
    writeFileSync(join(dir, 'a'), bytes);
    writeFileSync(join(dir, 'a.gz'), gzipSync(bytes));
    assert.deepEqual(
      readIdxFile(join(dir, 'a.gz')),
      readIdxFile(join(dir, 'a')),
    );
    writeFileSync(join(dir, 'b.gz'), bytes);
    assert.throws(
      () => readIdxFile(join(dir, 'b.gz')),
      /b\.gz: not a valid gzip file/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('loadFashionMnist on small files in the real format', () => {
  const dir = mkdtempSync(join(tmpdir(), 'acsm-fashion-'));
  try {
    const pixels = Array.from({ length: 2 * 28 * 28 }, (_, i) => i % 256);
    writeFileSync(
      join(dir, 't10k-images-idx3-ubyte.gz'),
      gzipSync(idx([2, 28, 28], pixels)),
    );
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), idx([2], [9, 0]));
    writeFileSync(
      join(dir, 'train-images-idx3-ubyte'),
      idx([1, 28, 28], pixels.slice(0, 784)),
    );
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idx([2], [1, 2]));
    assert.throws(
      () => loadFashionMnist('test', { dir }),
      /sha256 of its content is [0-9a-f]{64}, expected 5b4141f0/,
    );
    const test = loadFashionMnist('test', { dir, verify: false });
    assert.deepEqual(test.shape, [2, 28, 28, 1]);
    assert.deepEqual([...test.labels], [9, 0]);
    assert.equal(test.images[255], 1);
    assert.equal(test.images[256], 0);
    assert.ok(Math.abs(test.images[51] - 51 / 255) < 1e-7);
    assert.throws(
      () => loadFashionMnist('train', { dir, verify: false }),
      /train-labels-idx1-ubyte: 2 labels for 1 images/,
    );
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), idx([2], [9, 12]));
    assert.throws(
      () => loadFashionMnist('test', { dir, verify: false }),
      /label 12 at 1 is not a class 0-9/,
    );
    rmSync(join(dir, 't10k-labels-idx1-ubyte'));
    assert.throws(
      () => loadFashionMnist('test', { dir, verify: false }),
      /t10k-labels-idx1-ubyte\(\.gz\) is missing/,
    );
    assert.throws(
      () => loadFashionMnist('val' as 'test', { dir }),
      /split must be train or test, got "val"/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('loadFashionMnist names where it looked and how to install it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'acsm-empty-'));
  try {
    if (
      existsSync(join(FASHION_MNIST_DEBIAN_DIR, 'train-images-idx3-ubyte.gz'))
    ) {
      // Debian's copy is the fallback: an empty folder still loads it.
      assert.equal(loadFashionMnist('test', { dir }).shape[0], 10_000);
    } else {
      assert.throws(
        () => loadFashionMnist('test', { dir }),
        /apt-get install dataset-fashion-mnist/,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const debian = existsSync(
  join(FASHION_MNIST_DEBIAN_DIR, 'train-images-idx3-ubyte.gz'),
);
test(
  "Debian's Fashion-MNIST: 60 000 + 10 000 images, balanced classes, checksums",
  {
    skip: debian
      ? false
      : `${FASHION_MNIST_DEBIAN_DIR} is absent (apt-get install dataset-fashion-mnist)`,
  },
  () => {
    for (const [split, n] of [
      ['train', 60_000],
      ['test', 10_000],
    ] as const) {
      const d = loadFashionMnist(split, { dir: FASHION_MNIST_DEBIAN_DIR });
      assert.deepEqual(d.shape, [n, 28, 28, 1]);
      const counts = new Array(10).fill(0);
      for (const l of d.labels) counts[l] += 1;
      assert.deepEqual(counts, new Array(10).fill(n / 10));
      let lo = 1,
        hi = 0;
      for (const v of d.images) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      assert.deepEqual([lo, hi], [0, 1]);
    }
  },
);

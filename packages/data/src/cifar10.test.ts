import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CIFAR10_ARCHIVE,
  CIFAR10_ARCHIVE_MD5,
  CIFAR10_RECORD_BYTES,
  cifar10Files,
  loadCifar10,
  readCifar10Batch,
} from './cifar10';
import { byteOf, fakeBatch } from './testing/cifar10';

const PLANE = 1024;

function tempRoot(): string {
  return mkdtempSync(join(tmpdir(), 'acsm-cifar10-'));
}

/** Writes the files of `split` with `n` records each under root. */
function writeSplit(root: string, split: 'train' | 'test', n: number) {
  const dir = join(root, 'cifar-10-batches-bin');
  mkdirSync(dir, { recursive: true });
  cifar10Files(split).forEach((f, k) =>
    writeFileSync(join(dir, f), fakeBatch(n, k * n)),
  );
  return dir;
}

test('readCifar10Batch: planar records become NHWC in [0, 1]', () => {
  const root = tempRoot();
  try {
    const path = join(root, 'three.bin');
    writeFileSync(path, fakeBatch(3));
    const bytes = new Uint8Array(readFileSync(path));
    const { images, labels } = readCifar10Batch(bytes, path);
    assert.deepEqual([...labels], [3, 4, 5]);
    assert.equal(images.length, 3 * 32 * 32 * 3);
    // a known pixel: record 2, row 5, column 17, channel G (c = 1)
    const p = 5 * 32 + 17;
    assert.equal(
      images[((2 * 32 + 5) * 32 + 17) * 3 + 1],
      Math.fround(byteOf(2, 1, p) / 255),
    );
    for (let i = 0; i < 3; i++) {
      for (let q = 0; q < PLANE; q++) {
        for (let c = 0; c < 3; c++) {
          const v = images[(i * PLANE + q) * 3 + c];
          assert.equal(Math.round(v * 255), byteOf(i, c, q));
          assert.equal(v, Math.fround(byteOf(i, c, q) / 255));
        }
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('readCifar10Batch: truncated bytes or bad label name the file', () => {
  const bytes = fakeBatch(2);
  assert.throws(
    () => readCifar10Batch(bytes.subarray(0, 5000), 'x/data_batch_9.bin'),
    /x\/data_batch_9\.bin has 5000 bytes.*truncated/,
  );
  bytes[CIFAR10_RECORD_BYTES] = 12;
  assert.throws(
    () => readCifar10Batch(bytes, 'b.bin'),
    /b\.bin record 1 has label 12/,
  );
});

test('loadCifar10: train concatenates batches 1..5 in order', () => {
  const root = tempRoot();
  try {
    writeSplit(root, 'train', 2);
    const ds = loadCifar10({ dir: root, split: 'train', recordsPerBatch: 2 });
    assert.deepEqual(ds.shape, [10, 32, 32, 3]);
    assert.deepEqual([...ds.labels], [3, 4, 5, 6, 7, 8, 9, 0, 1, 2]);
    // record 7 (batch 4, second record), pixel 0, channel B
    assert.equal(
      ds.images[7 * PLANE * 3 + 2],
      Math.fround(byteOf(7, 2, 0) / 255),
    );
    assert.equal(ds.split, 'train');
    assert.match(ds.sourceChecksum, /^[0-9a-f]{64}$/);
    const again = loadCifar10({
      dir: root,
      split: 'train',
      recordsPerBatch: 2,
    });
    assert.equal(again.checksum, ds.checksum);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('loadCifar10: ACSM_DATA_DIR is the default directory', () => {
  const root = tempRoot();
  const saved = process.env['ACSM_DATA_DIR'];
  try {
    writeSplit(root, 'test', 3);
    process.env['ACSM_DATA_DIR'] = root;
    const ds = loadCifar10({ split: 'test', recordsPerBatch: 3 });
    assert.deepEqual(ds.shape, [3, 32, 32, 3]);
  } finally {
    if (saved === undefined) delete process.env['ACSM_DATA_DIR'];
    else process.env['ACSM_DATA_DIR'] = saved;
    rmSync(root, { recursive: true, force: true });
  }
});

test('loadCifar10: a truncated or missing batch fails naming it', () => {
  const root = tempRoot();
  try {
    const dir = writeSplit(root, 'train', 2);
    const third = join(dir, 'data_batch_3.bin');
    writeFileSync(third, fakeBatch(2).subarray(0, 100));
    assert.throws(
      () => loadCifar10({ dir: root, split: 'train', recordsPerBatch: 2 }),
      /data_batch_3\.bin has 100 bytes, expected 6146.*truncated/,
    );
    rmSync(third);
    assert.throws(
      () => loadCifar10({ dir: root, split: 'train', recordsPerBatch: 2 }),
      /data_batch_3\.bin is missing/,
    );
    // the full-size default: a small file is reported against 30 730 000
    assert.throws(
      () => loadCifar10({ dir: root, split: 'train' }),
      /data_batch_1\.bin has 6146 bytes, expected 30730000/,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('loadCifar10: a missing directory says how to provide the data', () => {
  const root = tempRoot();
  try {
    const err = (() => {
      try {
        loadCifar10({ dir: root, split: 'test' });
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    })();
    assert.ok(err.includes(CIFAR10_ARCHIVE), err);
    assert.ok(err.includes(CIFAR10_ARCHIVE_MD5), err);
    assert.ok(err.includes('ACSM_DATA_DIR'), err);
    assert.ok(err.includes('cifar-10-batches-bin/'), err);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

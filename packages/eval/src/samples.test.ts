import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { encodeNpy } from './npy';
import { writeNpz } from './npz';
import { loadSamples } from './samples';

const dir = mkdtempSync(join(tmpdir(), 'acsm-samples-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function png(path: string, width: number, pixels: number[]) {
  const height = pixels.length / 3 / width;
  await sharp(Buffer.from(pixels), { raw: { width, height, channels: 3 } })
    .png()
    .toFile(path);
}

function npz(name: string, members: Record<string, Uint8Array>): string {
  const path = join(dir, name);
  writeFileSync(path, writeNpz(members));
  return path;
}

test('loadSamples: a folder of PNGs, sorted by name, as bytes', async () => {
  const folder = join(dir, 'pngs');
  mkdirSync(folder);
  await png(join(folder, 'b.png'), 2, [1, 2, 3, 4, 5, 6]);
  await png(join(folder, 'a.png'), 2, [7, 8, 9, 10, 11, 12]);
  writeFileSync(join(folder, 'notes.txt'), 'ignored');
  const { images, from } = await loadSamples(folder);
  assert.equal(from, 'folder');
  assert.deepEqual(images.shape, [2, 1, 2, 3]);
  assert.ok('bytes' in images);
  assert.deepEqual([...images.bytes], [7, 8, 9, 10, 11, 12, 1, 2, 3, 4, 5, 6]);
  await png(join(folder, 'c.png'), 1, [1, 2, 3, 4, 5, 6]);
  await assert.rejects(
    loadSamples(folder),
    /c\.png: is 1×2; a\.png is 2×1: all samples must share one size/,
  );
  mkdirSync(join(dir, 'empty'));
  await assert.rejects(loadSamples(join(dir, 'empty')), /no images \(\.png/);
});

test('loadSamples: .npz of uint8 or floats, [N, H, W] as 1 channel', async () => {
  const u8 = npz('u8.npz', {
    'arr_0.npy': encodeNpy(Uint8Array.from([0, 255, 3, 4]), [2, 1, 2]),
  });
  const a = await loadSamples(u8);
  assert.deepEqual([a.from, a.images.shape], ['npz:arr_0', [2, 1, 2, 1]]);
  const values = Float32Array.from([0, 0.5, 1.2, -0.1, 0.3, 0.9]);
  const f = npz('f.npz', {
    'samples.npy': encodeNpy(values, [1, 1, 2, 3]),
  });
  const b = await loadSamples(f);
  assert.equal(b.from, 'npz:samples');
  assert.ok('images' in b.images);
  assert.deepEqual(b.images.images, values);
});

test('loadSamples: .npy of one array', async () => {
  const path = join(dir, 'x.npy');
  writeFileSync(path, encodeNpy(new Uint8Array(12), [1, 2, 2, 3]));
  const s = await loadSamples(path);
  assert.deepEqual([s.from, s.images.shape], ['npy', [1, 2, 2, 3]]);
});

test('loadSamples: wrong arrays fail naming the file and the fix', async () => {
  const two = npz('two.npz', {
    'a.npy': encodeNpy(new Uint8Array(3), [1, 1, 1, 3]),
    'b.npy': encodeNpy(new Uint8Array(3), [1, 1, 1, 3]),
  });
  await assert.rejects(
    loadSamples(two),
    /two\.npz: holds a, b; expected one array, or one named arr_0/,
  );
  const levels = npz('levels.npz', {
    'arr_0.npy': encodeNpy(Float32Array.from([0, 255, 3]), [1, 1, 1, 3]),
  });
  await assert.rejects(
    loadSamples(levels),
    /must lie in \[0, 1\], got values in \[0, 255\] \(uint8 levels\?/,
  );
  const signed = npz('signed.npz', {
    'arr_0.npy': encodeNpy(Float64Array.from([-1, 1, 0]), [1, 1, 1, 3]),
  });
  await assert.rejects(loadSamples(signed), /\(\[-1, 1\]\? map with/);
  const channels = npz('c5.npz', {
    'arr_0.npy': encodeNpy(new Uint8Array(20), [1, 2, 2, 5]),
  });
  await assert.rejects(
    loadSamples(channels),
    /C = 1 or 3.*got \[1, 2, 2, 5\]$/,
  );
  await assert.rejects(loadSamples(join(dir, 'none')), /none: ENOENT/);
  writeFileSync(join(dir, 'x.txt'), '');
  await assert.rejects(
    loadSamples(join(dir, 'x.txt')),
    /expected a folder of images, a \.npz or a \.npy/,
  );
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nchwToNhwc, ourShape, permute, toOurLayout } from './layouts';

const f32 = (xs: number[]) => new Float32Array(xs);

test('permute: a 2×3 transpose', () => {
  const t = permute({ shape: [2, 3], data: f32([0, 1, 2, 3, 4, 5]) }, [1, 0]);
  assert.deepEqual(t.shape, [3, 2]);
  assert.deepEqual(Array.from(t.data), [0, 3, 1, 4, 2, 5]);
});

test('permute: rank 3 against index arithmetic', () => {
  const shape = [2, 3, 4];
  const data = f32(Array.from({ length: 24 }, (_, i) => i));
  const t = permute({ shape, data }, [2, 0, 1]); // → [4, 2, 3]
  assert.deepEqual(t.shape, [4, 2, 3]);
  for (let k = 0; k < 4; k++)
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 3; j++)
        assert.equal(t.data[k * 6 + i * 3 + j], i * 12 + j * 4 + k);
});

test('permute: rejects a perm that is not one', () => {
  const x = { shape: [2, 3], data: f32([0, 1, 2, 3, 4, 5]) };
  assert.throws(() => permute(x, [0, 0]), /perm must reorder 0..1/);
});

test('oihw → hwio: w[o, i, kh, kw] lands at [kh, kw, i, o]', () => {
  // [out 2, in 1, kh 2, kw 1]: w[o, 0, kh, 0] = 10·o + kh.
  const x = { shape: [2, 1, 2, 1], data: f32([0, 1, 10, 11]) };
  const t = toOurLayout('w', x, 'oihw');
  assert.deepEqual(t.shape, [2, 1, 1, 2]);
  assert.deepEqual(Array.from(t.data), [0, 10, 1, 11]);
});

test('oi → io transposes a linear weight; plain is kept', () => {
  const x = { shape: [1, 3], data: f32([1, 2, 3]) };
  assert.deepEqual(toOurLayout('w', x, 'oi').shape, [3, 1]);
  assert.equal(toOurLayout('u0', x, 'plain'), x);
  assert.deepEqual(ourShape('w', [8, 4, 3, 3], 'oihw'), [3, 3, 4, 8]);
});

test('toOurLayout fails on unknown layouts, ranks and sizes', () => {
  const x = { shape: [1, 3], data: f32([1, 2, 3]) };
  assert.throws(() => toOurLayout('n.w', x, 'unknown'), /n\.w .* layout rule/);
  assert.throws(() => toOurLayout('c', x, 'oihw'), /rank 4, got \[1,3\]/);
  const short = { shape: [2, 3], data: f32([1, 2, 3]) };
  assert.throws(() => toOurLayout('s', short, 'plain'), /holds 3 values/);
});

test('nchwToNhwc: x[n, c, h, w] lands at [n, h, w, c]', () => {
  // [1, C 2, H 1, W 2]: x[0, c, 0, w] = 10·c + w.
  const x = { shape: [1, 2, 1, 2], data: f32([0, 1, 10, 11]) };
  const t = nchwToNhwc(x);
  assert.deepEqual(t.shape, [1, 1, 2, 2]);
  assert.deepEqual(Array.from(t.data), [0, 10, 1, 11]);
  assert.throws(
    () => nchwToNhwc({ shape: [2], data: f32([1, 2]) }),
    /NCHW|N, C/,
  );
});

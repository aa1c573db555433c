import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PNG } from 'pngjs';
import { imageGridPng, quantise } from './grid';

test('quantise is round(255·clamp(x, 0, 1))', () => {
  assert.deepEqual(
    [-1, 0, 0.5, 0.999, 1, 2, NaN].map(quantise),
    [0, 0, 128, 255, 255, 255, 0],
  );
});

test('a grid places each image at its tile', () => {
  // Two 2×2 grey images: the first black, the second white.
  const pixels = new Float32Array([0, 0, 0, 0, 1, 1, 1, 1]);
  const png = PNG.sync.read(
    Buffer.from(
      imageGridPng(pixels, [2, 2, 2, 1], { columns: 2, padding: 1, scale: 1 }),
    ),
  );
  assert.equal(png.width, 2 * 3 + 1);
  assert.equal(png.height, 1 * 3 + 1);
  const at = (x: number, y: number) => png.data[(y * png.width + x) * 4];
  assert.equal(at(1, 1), 0); // first tile
  assert.equal(at(4, 1), 255); // second tile
  assert.equal(at(0, 0), 255); // padding is white
});

test('a wrong length fails with the shape', () => {
  assert.throws(
    () => imageGridPng(new Float32Array(3), [1, 2, 2, 1]),
    /3 values for shape \[1, 2, 2, 1\]/,
  );
});

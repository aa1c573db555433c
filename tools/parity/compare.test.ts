import assert from 'node:assert/strict';
import { test } from 'node:test';
import { concat, difference } from './compare';

const f32 = (xs: number[]) => new Float32Array(xs);

test('difference: max|a − b|, max|b| and their ratio', () => {
  const d = difference('t', f32([1, -2, 3.5]), f32([1, -4, 3]));
  assert.deepEqual(d, { maxAbs: 2, maxRef: 4, maxRel: 0.5 });
});

test('difference of equal arrays is zero', () => {
  assert.equal(difference('t', f32([1, 2]), f32([1, 2])).maxRel, 0);
});

test('difference refuses mismatches, non-finite values, zero refs', () => {
  assert.throws(() => difference('t', f32([1]), f32([1, 2])), /1 and 2/);
  assert.throws(() => difference('t', f32([NaN]), f32([1])), /at 0: ours NaN/);
  assert.throws(() => difference('t', f32([1]), f32([0])), /all zeros/);
});

test('concat joins arrays in order', () => {
  assert.deepEqual(Array.from(concat([f32([1]), f32([2, 3])])), [1, 2, 3]);
});

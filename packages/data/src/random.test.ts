import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '@acsm/core';
import { permutation } from './random';

test('permutation: a permutation, deterministic in the stream', () => {
  const p = permutation(1000, createRng(9));
  assert.deepEqual(
    [...p].sort((x, y) => x - y),
    [...Array(1000).keys()],
  );
  assert.deepEqual(permutation(1000, createRng(9)), p);
  assert.notDeepEqual(permutation(1000, createRng(10)), p);
  assert.equal(permutation(0, createRng(1)).length, 0);
  assert.throws(() => permutation(-1, createRng(1)), /got -1/);
});

test('permutation: each position uniform within 4 standard errors', () => {
  // Over 4000 streams, element 0 lands in each of 4 quarters ~1000 times.
  const quarters = [0, 0, 0, 0];
  for (let s = 0; s < 4000; s++) {
    const p = permutation(8, createRng(s));
    quarters[Math.floor(p.indexOf(0) / 2)]++;
  }
  const sd = Math.sqrt(4000 * 0.25 * 0.75);
  quarters.forEach((k) => assert.ok(Math.abs(k - 1000) < 4 * sd, `${k}`));
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nearestNeighbourDistances } from './nearest-neighbour';

test('nearestNeighbourDistances: identical sets give 0', () => {
  const points = Float32Array.from([0, 0, 1, 2, -3, 0.5, 4, 4]);
  const r = nearestNeighbourDistances(points, points.slice());
  assert.deepEqual(r, { fakeToReal: 0, realToFake: 0, sum: 0 });
});

test('nearestNeighbourDistances: hand-made case', () => {
  // fake (0,0); real (3,4), (6,8): fake→real = 5; real→fake = (5+10)/2.
  const r = nearestNeighbourDistances(
    Float32Array.from([0, 0]),
    Float32Array.from([3, 4, 6, 8]),
  );
  assert.equal(r.fakeToReal, 5);
  assert.equal(r.realToFake, 7.5);
  assert.equal(r.sum, 12.5);
});

test('nearestNeighbourDistances: each point takes its own nearest', () => {
  // fake (0,0), (10,0); real (1,0), (10,2):
  // fake→real = (1 + 2)/2; real→fake = (1 + 2)/2.
  const r = nearestNeighbourDistances(
    Float32Array.from([0, 0, 10, 0]),
    Float32Array.from([1, 0, 10, 2]),
  );
  assert.equal(r.fakeToReal, 1.5);
  assert.equal(r.realToFake, 1.5);
  assert.equal(r.sum, 3);
});

test('nearestNeighbourDistances: preconditions name arg and value', () => {
  assert.throws(
    () => nearestNeighbourDistances(new Float32Array(3), new Float32Array(2)),
    /fake must be \[n, 2\] with n >= 1, got 3 values/,
  );
  assert.throws(
    () =>
      nearestNeighbourDistances(
        new Float32Array(2),
        Float32Array.from([0, NaN]),
      ),
    /real\[1\] must be finite, got NaN/,
  );
});

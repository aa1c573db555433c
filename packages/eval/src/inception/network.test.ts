import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maxAbsDiff } from '../testing';
import { foldBatchNorm } from './network';

test('foldBatchNorm: scale W by γ/√(σ²+ε), bias β − μ·scale', () => {
  // HWIO [1, 1, 2, 2]: in-channel-major, out channel fastest.
  const filter = Float32Array.from([1, 2, 3, 4]);
  const eps = 0.001;
  const folded = foldBatchNorm(
    filter,
    {
      gamma: Float32Array.from([1, 6]),
      beta: Float32Array.from([1, -1]),
      mean: Float32Array.from([2, 0.5]),
      variance: Float32Array.from([4 - eps, 9 - eps]),
    },
    eps,
  );
  // scale = [1/2, 6/3] (up to σ² − ε rounded to float32)
  assert.ok(maxAbsDiff(folded.filter, [0.5, 4, 1.5, 8]) < 1e-6);
  assert.ok(maxAbsDiff(folded.bias, [0, -2]) < 1e-6);
  assert.throws(
    () =>
      foldBatchNorm(
        filter,
        {
          gamma: new Float32Array(3),
          beta: new Float32Array(3),
          mean: new Float32Array(3),
          variance: new Float32Array(3),
        },
        eps,
      ),
    /4 filter values for 3 channels/,
  );
});

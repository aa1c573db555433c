import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { normalCdf } from './normal';
import { createRng } from './rng';
import {
  geometricSigmas,
  numLevelsTechnique2,
  refineSigmas,
  sigmaMaxFromData,
} from './schedule';
import { assertNoLeak, assertRelClose, useCpu } from './test-helpers';

describe('geometricSigmas', () => {
  test('CIFAR-10 schedule: endpoints, length, constant ratio', () => {
    const sigmas = geometricSigmas(50, 0.01, 232);
    assert.equal(sigmas.length, 232);
    assert.equal(sigmas[0], 50);
    assert.equal(sigmas[231], 0.01);
    const gamma = (0.01 / 50) ** (1 / 231);
    for (let i = 1; i < sigmas.length; i++) {
      assertRelClose(sigmas[i] / sigmas[i - 1], gamma, 1e-12, `ratio ${i}`);
    }
  });

  test('invalid arguments name themselves and their value', () => {
    assert.throws(() => geometricSigmas(1, 2, 10), /sigmaMax .* got 1/);
    assert.throws(() => geometricSigmas(1, 1, 10), /sigmaMax .* got 1/);
    assert.throws(() => geometricSigmas(NaN, 1, 10), /sigmaMax .* got NaN/);
    assert.throws(() => geometricSigmas(2, 1, 1), /numLevels .* got 1/);
    assert.throws(() => geometricSigmas(2, 0, 5), /sigmaMin .* got 0/);
  });
});

describe('refineSigmas', () => {
  test('(L − 1)·nσ + 1 levels on the same geometric grid', () => {
    const refined = refineSigmas(geometricSigmas(50, 0.01, 232), 5);
    const direct = geometricSigmas(50, 0.01, 231 * 5 + 1);
    assert.equal(refined.length, 1156);
    refined.forEach((s, i) => assertRelClose(s, direct[i], 1e-12, `${i}`));
  });

  test('nσ = 1 keeps the schedule; bad schedules fail', () => {
    assert.deepEqual(refineSigmas([4, 2, 1], 1), [4, 2, 1]);
    assert.throws(() => refineSigmas([4, 4, 1], 2), {
      message:
        'refineSigmas: sigmas must be strictly decreasing, ' +
        'got sigmas[0]=4, sigmas[1]=4',
    });
    assert.throws(() => refineSigmas([4, 1], 0), /stepsPerLevel .* got 0/);
  });
});

describe('numLevelsTechnique2', () => {
  test('CIFAR-10 (D = 3072, 50 → 0.01): r ≈ 0.963, L ≈ 227', () => {
    const r = numLevelsTechnique2({ dim: 3072, sigmaMax: 50, sigmaMin: 0.01 });
    assert.ok(Math.abs(r.ratio - 0.963) < 5e-4, `ratio ${r.ratio}`);
    assert.ok(Math.abs(r.numLevelsExact - 227) < 1, `L ${r.numLevelsExact}`);
    assert.equal(r.numLevels, 227);
  });

  test('the ratio reaches the overlap C', () => {
    const { ratio } = numLevelsTechnique2({
      dim: 784,
      sigmaMax: 10,
      sigmaMin: 0.01,
      c: 0.9,
    });
    const a = Math.sqrt(2 * 784) * (ratio - 1);
    const overlap = normalCdf(a + 3 * ratio) - normalCdf(a - 3 * ratio);
    assertRelClose(overlap, 0.9, 1e-9, 'overlap');
  });

  test('an unreachable C fails with its interval', () => {
    const options = { dim: 10, sigmaMax: 1, sigmaMin: 0.1, c: 0.999 };
    assert.throws(
      () => numLevelsTechnique2(options),
      /numLevelsTechnique2: c must lie in \(0, 0.997.*\), got 0.999/,
    );
  });
});

describe('sigmaMaxFromData', () => {
  before(useCpu);
  const [n, dim] = [37, 5];
  const rng = createRng(2);
  const data = Float32Array.from({ length: n * dim }, () => rng.uniform());

  function bruteForce(): number {
    let best = 0;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        let d2 = 0;
        for (let k = 0; k < dim; k++) {
          d2 += (data[i * dim + k] - data[j * dim + k]) ** 2;
        }
        best = Math.max(best, Math.sqrt(d2));
      }
    }
    return best;
  }

  test('equals the brute-force maximum over all pairs, in blocks', () => {
    const expected = bruteForce();
    for (const chunkSize of [4, 8, 100]) {
      const got = sigmaMaxFromData(data, { dim, chunkSize });
      assertRelClose(got, expected, 1e-12, `chunk ${chunkSize}`);
    }
  });

  test('takes an [N, H, W, C] tensor and leaks nothing', () => {
    const images = tf.tensor4d(data, [n, 1, 1, dim]);
    assertNoLeak(() => {
      const got = sigmaMaxFromData(images, { chunkSize: 8 });
      assertRelClose(got, bruteForce(), 1e-12, 'tensor input');
    });
    images.dispose();
  });

  test('invalid inputs name the argument and value', () => {
    assert.throws(() => sigmaMaxFromData(data), /dim is required/);
    const bad = Float32Array.from(data);
    bad[12] = NaN;
    assert.throws(
      () => sigmaMaxFromData(bad, { dim }),
      /sigmaMaxFromData: images must be finite, got NaN at 12/,
    );
    assert.throws(
      () => sigmaMaxFromData(data, { dim: 4 }),
      /images.length=185 is not a multiple of 4/,
    );
  });
});

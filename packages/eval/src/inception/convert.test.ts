import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inceptionWeights, transposeArray } from './convert';
import type { StateDict } from './torch-checkpoint';

test('transposeArray: numpy transpose, 2-D and 4-D', () => {
  const m = Float32Array.from([1, 2, 3, 4, 5, 6]); // [2, 3]
  assert.deepEqual([...transposeArray(m, [2, 3], [1, 0])], [1, 4, 2, 5, 3, 6]);
  // [O=2, I=1, H=1, W=2] → [H, W, I, O]: value at (o, 0, 0, w) = 10o + w
  const w = Float32Array.from([0, 1, 10, 11]);
  assert.deepEqual(
    [...transposeArray(w, [2, 1, 1, 2], [2, 3, 1, 0])],
    [0, 10, 1, 11],
  );
  // [2, 3, 4] by (2, 0, 1): out[k, i, j] = in[i, j, k] = 100i + 10j + k
  const x = Float32Array.from({ length: 24 }, (_, f) => {
    const [i, j, k] = [Math.floor(f / 12), Math.floor(f / 4) % 3, f % 4];
    return 100 * i + 10 * j + k;
  });
  const y = transposeArray(x, [2, 3, 4], [2, 0, 1]);
  for (let k = 0; k < 4; k++) {
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 3; j++) {
        assert.equal(y[k * 6 + i * 3 + j], 100 * i + 10 * j + k);
      }
    }
  }
  assert.throws(
    () => transposeArray(m, [2, 3], [0, 0]),
    /perm \[0,0\] for shape \[2,3\]/,
  );
});

test('inceptionWeights: another state_dict is refused by name', () => {
  const sd = new Map([['features.0.weight', {}]]) as unknown as StateDict;
  assert.throws(
    () => inceptionWeights(sd),
    new RegExp(
      "not the FID Inception's: missing 472 " +
        '\\(Conv2d_1a_3x3\\.conv\\.weight, .*, …\\), ' +
        'unexpected 1 \\(features\\.0\\.weight\\)',
    ),
  );
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatRows, kernelRows, parents } from './kernels';

test('parents: the first kernel one level up after each', () => {
  // B and C run inside D; D and E at the top; A inside E.
  assert.deepEqual(parents([1, 1, 0, 1, 0]), [2, 2, -1, 4, -1]);
  assert.throws(() => parents([1]), /no parent/);
});

test('kernelRows: own time, nested names, slowest first', () => {
  const k = (name: string, kernelTimeMs: number) => ({ name, kernelTimeMs });
  const kernels = [
    k('Transpose', 2),
    k('Identity', 1),
    k('BatchMatMul', 10), // 7 of its own
    k('Add', 1),
    k('Add', 3),
    k('grad__op', 5), // 1 of its own
  ];
  const rows = kernelRows(kernels, [1, 1, 0, 1, 1, 0]);
  assert.deepEqual(rows, [
    { name: 'BatchMatMul', calls: 1, ms: 7 },
    { name: 'Add', calls: 2, ms: 4 },
    { name: 'BatchMatMul > Transpose', calls: 1, ms: 2 },
    { name: 'Identity (saved)', calls: 1, ms: 1 },
    { name: 'grad__op', calls: 1, ms: 1 },
  ]);
  const table = formatRows(rows, 2).split('\n');
  assert.equal(table[2], '| BatchMatMul | 1 | 7.0 | 46.7 | 7.00 |');
  assert.equal(table[4], '| 3 others | 3 | 4.0 | 26.7 | |');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitGrads, type StoredParam } from './exchange';

const param = (name: string, shape: number[], trainable = true) =>
  ({ name, shape, offset: 0, layout: 'plain', trainable }) as StoredParam;

test('splitGrads cuts by the trainable parameters, in order', () => {
  const params = [param('a', [2]), param('u', [9], false), param('b', [1, 3])];
  const grads = splitGrads({ params }, Float32Array.from([1, 2, 3, 4, 5]));
  assert.deepEqual([...grads.keys()], ['a', 'b']);
  assert.deepEqual(Array.from(grads.get('b')!), [3, 4, 5]);
  assert.throws(
    () => splitGrads({ params }, new Float32Array(6)),
    /hold 5 values, the file 6/,
  );
});

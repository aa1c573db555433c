import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flattenParams } from './flatten';

test('nested config flattens to dotted keys with string values', () => {
  const config = {
    seed: 1,
    noise: { sigmaMax: 50, schedule: { kind: 'geometric', numLevels: 232 } },
    sampling: { denoise: true, steps: [1, 2, 3], extra: {} },
    note: null,
    skipped: undefined,
  };
  assert.deepEqual(flattenParams(config), {
    seed: '1',
    'noise.sigmaMax': '50',
    'noise.schedule.kind': 'geometric',
    'noise.schedule.numLevels': '232',
    'sampling.denoise': 'true',
    'sampling.steps': '[1,2,3]',
    'sampling.extra': '{}',
    note: 'null',
  });
});

test('two paths to one key and unloggable values are errors', () => {
  assert.throws(
    () => flattenParams({ 'a.b': 1, a: { b: 2 } }),
    /param 'a.b' appears twice/,
  );
  assert.throws(
    () => flattenParams({ f: () => 1 }),
    /param 'f': cannot log a value of type function/,
  );
});

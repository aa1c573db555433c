import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  LIMITS,
  artifactSegments,
  validateBatch,
  validateKey,
  validateParam,
  validateTag,
} from './validation';

test('keys allowed by MLflow pass', () => {
  for (const key of ['loss', 'train/acc', 'a.b-c_d:e f', 'x'.repeat(250)]) {
    validateKey('metric', key);
  }
});

test('bad keys are refused with the key in the message', () => {
  const bad = [
    '',
    'x'.repeat(251),
    'a//b',
    '/a',
    'a/',
    '.',
    '..',
    '../x',
    'a/./b',
    'a/../b',
    'a\\b',
    'a,b',
    'σ',
    'a\nb',
  ];
  for (const key of bad) {
    assert.throws(
      () => validateKey('param', key),
      (e: Error) => e.message.includes(`'${key}'`),
      JSON.stringify(key),
    );
  }
});

test('long values are refused, never truncated', () => {
  validateParam('p', 'x'.repeat(LIMITS.paramValueLength));
  assert.throws(
    () => validateParam('p', 'x'.repeat(LIMITS.paramValueLength + 1)),
    /param 'p' has a value of 6001 chars, at most 6000/,
  );
  validateTag('t', 'x'.repeat(LIMITS.tagValueLength));
  assert.throws(
    () => validateTag('t', 'x'.repeat(LIMITS.tagValueLength + 1)),
    /tag 't' has a value of 8001 chars, at most 8000/,
  );
  // Code points, as Python counts: 6000 emoji are 12000 UTF-16 units.
  validateParam('p', '🎲'.repeat(LIMITS.paramValueLength));
});

test('batches over MLflow limits or with duplicate params are refused', () => {
  const metric = { key: 'm', value: 1, timestamp: 1, step: 0 };
  const param = (i: number) => ({ key: `p${i}`, value: '1' });
  validateBatch({ metrics: Array(1000).fill(metric) });
  assert.throws(
    () => validateBatch({ metrics: Array(1001).fill(metric) }),
    /at most 1000 metrics/,
  );
  assert.throws(
    () =>
      validateBatch({
        params: Array.from({ length: 101 }, (_, i) => param(i)),
      }),
    /got 0 metrics, 101 params/,
  );
  assert.throws(
    () =>
      validateBatch({
        metrics: Array(950).fill(metric),
        params: Array.from({ length: 51 }, (_, i) => param(i)),
      }),
    /1000 items in all/,
  );
  assert.throws(
    () => validateBatch({ params: [param(1), param(1)] }),
    /param 'p1' appears twice/,
  );
});

test('metrics need numbers and integer timestamps and steps', () => {
  const m = { key: 'm', value: 1, timestamp: 1, step: 0 };
  validateBatch({
    metrics: [
      { ...m, value: NaN },
      { ...m, value: -Infinity },
    ],
  });
  assert.throws(
    () => validateBatch({ metrics: [{ ...m, step: 1.5 }] }),
    /integer step/,
  );
  assert.throws(
    () => validateBatch({ metrics: [{ ...m, timestamp: NaN }] }),
    /integer timestamp/,
  );
  assert.throws(
    () =>
      validateBatch({ metrics: [{ ...m, value: '1' as unknown as number }] }),
    /metric 'm' must have a number value/,
  );
});

test('artifact paths must be plain relative paths', () => {
  assert.deepEqual(artifactSegments('a/b c.json'), ['a', 'b c.json']);
  for (const p of ['', '/a', 'a/', 'a//b', '../a', 'a/./b', 'a\\b']) {
    assert.throws(() => artifactSegments(p), /artifact path/, p);
  }
});

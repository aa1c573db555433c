import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  formatMetricLine,
  formatMetricValue,
  latestMetric,
  parseMetricFile,
  parseMetricLine,
  parsePythonFloat,
} from './metric-line';

test('metric lines are "<timestamp> <value> <step>\\n"', () => {
  const line = formatMetricLine({
    key: 'loss',
    value: 0.5,
    timestamp: 1796398410661,
    step: 1,
  });
  assert.equal(line, '1796398410661 0.5 1\n');
});

test('non-finite values are written as Python float() reads them', () => {
  assert.equal(formatMetricValue(NaN), 'nan');
  assert.equal(formatMetricValue(Infinity), 'inf');
  assert.equal(formatMetricValue(-Infinity), '-inf');
  assert.equal(formatMetricValue(1e-7), '1e-7');
  for (const v of [NaN, Infinity, -Infinity, 1e-7, -0.25, 1e21]) {
    assert.deepEqual(parsePythonFloat(formatMetricValue(v)), v);
  }
});

test('parsePythonFloat takes what Python float() takes', () => {
  const cases: [string, number][] = [
    ['NaN', NaN],
    ['nan', NaN],
    ['inf', Infinity],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
    ['+1.5', 1.5],
    ['1e-7', 1e-7],
    ['1E+3', 1000],
    ['.5', 0.5],
    ['5.', 5],
    ['1_000.5', 1000.5],
    [' 2 ', 2],
  ];
  for (const [s, v] of cases) assert.deepEqual(parsePythonFloat(s), v, s);
  for (const s of ['', 'abc', '1.2.3', '0x10', '1__0', 'infinit']) {
    assert.equal(parsePythonFloat(s), null, s);
  }
});

test('2-, 3- and 5-field lines are read; others are not', () => {
  assert.deepEqual(parseMetricLine('a', '10 0.5'), {
    key: 'a',
    value: 0.5,
    timestamp: 10,
    step: 0,
  });
  assert.deepEqual(parseMetricLine('a', '10 -Infinity 3'), {
    key: 'a',
    value: -Infinity,
    timestamp: 10,
    step: 3,
  });
  assert.deepEqual(parseMetricLine('a', '10 1 4 mnist abc123'), {
    key: 'a',
    value: 1,
    timestamp: 10,
    step: 4,
  });
  assert.equal(parseMetricLine('a', '10 1 4 5'), null);
  assert.equal(parseMetricLine('a', '10.5 1 4'), null);
  assert.equal(parseMetricLine('a', '10 x 4'), null);
});

test('a torn last line is skipped, a malformed inner line throws', () => {
  const values = parseMetricFile('a', '1 1 0\n2 2 1\n17963').map(
    (m) => m.value,
  );
  assert.deepEqual(values, [1, 2]);
  assert.equal(parseMetricFile('a', '1 1 0\n2 2 1').length, 2);
  assert.throws(
    () => parseMetricFile('loss', '1 1 0\ngarbage\n2 2 1\n'),
    /metric 'loss': malformed line 2/,
  );
});

test('the latest value is the max of (step, timestamp, value)', () => {
  const h = parseMetricFile('a', '5 1 2\n9 0 1\n5 7 2\n4 9 2\n');
  assert.equal(latestMetric(h)?.value, 7);
  assert.equal(latestMetric([]), undefined);
});

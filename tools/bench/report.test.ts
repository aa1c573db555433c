import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatTable, gflops, jsonLine, type CaseResult } from './report';

const result: CaseResult = {
  case: 'cpu-train-32',
  kind: 'train',
  batch: 32,
  gflop: 7.2,
  oursMs: 900.04,
  pytorchMs: 300,
  oursPeakMb: 480,
  pytorchPeakMb: 400,
  oursBaseMb: 100,
  pytorchBaseMb: 200,
  oursWasmHeapMb: 256,
  oursMicroBatch: null,
  forwardRelError: 1.234e-6,
  trainRelError: 1.1e-5,
  reps: 9,
};

test('jsonLine: the required fields first, ratios ours / PyTorch', () => {
  const parsed = JSON.parse(jsonLine(result));
  assert.deepEqual(Object.keys(parsed).slice(0, 8), [
    'case',
    'kind',
    'ours_ms',
    'pytorch_ms',
    'ratio',
    'ours_peak_mb',
    'pytorch_peak_mb',
    'memory_ratio',
  ]);
  assert.equal(parsed.case, 'cpu-train-32');
  assert.equal(parsed.kind, 'train');
  assert.equal(parsed.ours_ms, 900);
  assert.equal(parsed.ratio, 3);
  assert.equal(parsed.memory_ratio, 1.2);
  assert.equal(parsed.ours_gflops, 8); // 7.2 GFLOP in 0.9 s
  assert.equal(parsed.forward_rel_error, 1.23e-6);
  assert.equal('error' in parsed, false);
  assert.equal(jsonLine(result).includes('\n'), false);
});

test('jsonLine: a failed side gives nulls and the error', () => {
  // Its peak as it failed stays; the memory ratio needs both steps.
  const failed = { ...result, oursMs: null, error: 'oom' };
  const parsed = JSON.parse(jsonLine(failed));
  assert.equal(parsed.ours_ms, null);
  assert.equal(parsed.ours_peak_mb, 480);
  assert.equal(parsed.ratio, null);
  assert.equal(parsed.memory_ratio, null);
  assert.equal(parsed.ours_gflops, null);
  assert.equal(parsed.error, 'oom');
});

test('gflops: GFLOP per second', () => {
  assert.equal(gflops(3, 1500), 2);
  assert.equal(gflops(null, 10), null);
});

test('formatTable: a row per case and the errors below', () => {
  const table = formatTable([result, { ...result, case: 'x', error: 'oom' }]);
  const lines = table.split('\n');
  assert.match(lines[0], /^\| case \| GFLOP \| ours ms/);
  assert.match(lines[2], /^\| cpu-train-32 \| 7\.20 \| 900 \| 300 \| 3\.00× /);
  assert.match(table, /\nx: oom$/);
});

test('a raised gradient bound is reported beside the error', () => {
  const raised = { ...result, gradientBound: 5e-3 };
  assert.equal(JSON.parse(jsonLine(raised)).gradient_bound, 5e-3);
  assert.equal(JSON.parse(jsonLine(result)).gradient_bound, null);
  assert.match(formatTable([raised]), /1\.1e-5 \(gradients bound 5\.0e-3\) \|/);
});

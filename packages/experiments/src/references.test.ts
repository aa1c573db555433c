import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { readSweep, SWEEP_DIR, sweepReference } from './references';

const files = readdirSync(SWEEP_DIR).filter((f) => f.endsWith('.csv'));

test('PAPER.md §5 numbers are rows of the released sweeps', () => {
  // ALS raw 36.2 → denoised 15.0 (CIFAR-10 NCSNv2 adversarial, 5k).
  const als = readSweep('cifar10_ncsnv2__nc_adv_n1_5k.csv');
  assert.ok(als.some((r) => r.fidRaw.toFixed(1) === '36.2'));
  assert.ok(als.some((r) => r.fidDenoised.toFixed(1) === '15.0'));
});

test('a sweep reference cites file and step size', () => {
  const rows = readSweep('cifar10_ncsnv2__c_adv_n1_5k.csv');
  const ref = sweepReference(
    {
      model: 'cifar10_ncsnv2',
      training: 'hybrid',
      sampler: 'cas',
      stepsPerLevel: 1,
    },
    rows[3].stepSize,
    'denoised',
    files,
  );
  assert.equal(ref.value, rows[3].fidDenoised);
  assert.match(ref.source, /fids\/cifar10_ncsnv2__c_adv_n1_5k\.npy/);
});

test('no sweep or no row: no value, and the reason', () => {
  const key = {
    model: 'cifar10_ncsnv2' as const,
    training: 'dsm' as const,
    sampler: 'cas' as const,
    stepsPerLevel: 1,
  };
  assert.deepEqual(sweepReference(key, 1e-5, 'raw', files).value, null);
  const hybrid = { ...key, training: 'hybrid' as const };
  const far = sweepReference(hybrid, 1, 'raw', files);
  assert.equal(far.value, null);
  assert.match(far.source, /has no row at ε=1/);
});

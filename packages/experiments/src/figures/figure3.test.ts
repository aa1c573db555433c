import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkCasStepSize, geometricSigmas } from '@acsm/core';
import {
  eps,
  figure3Csv,
  figure3Markdown,
  figure3Profile,
  figure3Svg,
  releasedSweeps,
} from './figure3';

test('figure3 cpu: every CAS ε lies inside CAS’s interval', () => {
  // The cpu profile's schedule: σ_1 = 16.0041 (Technique 1), 0.3, L 11.
  const sigmas = geometricSigmas(16.0041, 0.3, 11);
  for (const e of figure3Profile('cpu').stepSizes.cas) {
    assert.doesNotThrow(() => checkCasStepSize(sigmas, e), `ε = ${e}`);
  }
  assert.throws(() => checkCasStepSize(sigmas, 0.018), /must lie in/);
});

test('figure3 paper: the released sweeps’ ε, on the UNet hybrid model', () => {
  const p = figure3Profile('paper');
  assert.equal(p.block, 'cifar10-unet');
  assert.equal(p.training, 'hybrid');
  const [als, cas] = releasedSweeps();
  assert.deepEqual(
    p.stepSizes.als,
    als.rows.map((r) => r.stepSize),
  );
  assert.deepEqual(
    p.stepSizes.cas,
    cas.rows.map((r) => r.stepSize),
  );
});

const ours = [
  {
    sampler: 'als' as const,
    rows: [
      { stepSize: 0.1, fidRaw: 300, fidDenoised: 200 },
      { stepSize: 0.2, fidRaw: 250, fidDenoised: 260 },
    ],
  },
  {
    sampler: 'cas' as const,
    rows: [{ stepSize: 0.05, fidRaw: 120, fidDenoised: 110 }],
  },
];

test('figure3 tables: best ε per sampler and output, every point in CSV', () => {
  const md = figure3Markdown(ours, {
    title: 'F',
    metric: 'm',
    numSamples: 9,
  });
  assert.match(
    md,
    /\| ours \(m, 9 samples\) \| ALS \| raw \| 0\.2 \| 250\.00 \| 2 \|/,
  );
  assert.match(
    md,
    /\| ours \(m, 9 samples\) \| ALS \| denoised \| 0\.1 \| 200\.00 \|/,
  );
  assert.match(
    md,
    /\| ours \(m, 9 samples\) \| CAS \| denoised \| 0\.05 \| 110\.00 \|/,
  );
  const released = releasedSweeps().reduce((n, s) => n + s.rows.length, 0);
  const lines = figure3Csv(ours).trim().split('\n');
  assert.equal(lines.length, 1 + 2 * (3 + released));
  assert.equal(lines[1], 'ours,als,raw,0.1,300');
  const svg = figure3Svg(ours, { title: 'T', metric: 'm' });
  assert.equal((svg.match(/<svg /g) ?? []).length, 3);
  assert.equal(eps(1.0777777777777e-5), '0.0000108');
});

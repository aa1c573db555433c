import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  type ToyModelResult,
  toyCsv,
  toyMarkdown,
  toyRows,
  toyScatterSvg,
  toySummary,
} from './output';

const score = (sum: number) => ({
  fakeToReal: sum / 4,
  realToFake: (3 * sum) / 4,
  sum,
});

const model: ToyModelResult = {
  dataset: '25-gaussians',
  training: 'dsm',
  runId: '0123456789abcdef',
  real: { points: Float32Array.from([0, 0, 1, 1, 2, 2]), n: 3 },
  samplers: [
    {
      sampler: { sampler: 'cas', stepsPerLevel: 1, stepSize: 5e-5 },
      raw: Float32Array.from([0, 0, 1, 1]),
      denoised: Float32Array.from([0, 0, 9, 9]),
      scores: { raw: score(0.5), denoised: score(0.25) },
    },
    {
      sampler: { sampler: 'als', stepsPerLevel: 5, stepSize: 1e-5 },
      raw: Float32Array.from([NaN, 0, 1, 1]),
      denoised: Float32Array.from([0, 0, 1, 1]),
      scores: { raw: null, denoised: score(0.125) },
    },
  ],
};

test('toyRows: one row per sampler and output, null for a diverged one', () => {
  const rows = toyRows(model);
  assert.deepEqual(
    rows.map((r) => [r.cell, r.value]),
    [
      ['25-gaussians/dsm/cas-n1/raw', 0.5],
      ['25-gaussians/dsm/cas-n1/denoised', 0.25],
      ['25-gaussians/dsm/als-n5/raw', null],
      ['25-gaussians/dsm/als-n5/denoised', 0.125],
    ],
  );
  assert.equal(rows[0].fakeToReal, 0.125);
  assert.equal(rows[0].realToFake, 0.375);
  assert.equal(rows[0].numSamples, 2);
  assert.equal(rows[0].reference, null);
  assert.match(rows[0].referenceSource, /^none: /);
});

test('toyCsv, toySummary, toyMarkdown: the same rows as text', () => {
  const rows = toyRows(model);
  const csv = toyCsv(rows).trim().split('\n');
  assert.equal(csv.length, 5);
  assert.ok(csv[0].startsWith('cell,dataset,training,sampler,'));
  assert.ok(
    csv[1].startsWith(
      '25-gaussians/dsm/cas-n1/raw,25-gaussians,dsm,cas,1,0.00005,raw,' +
        'nn_distance,0.5,0.125,0.375,2,,',
    ),
    csv[1],
  );
  assert.ok(csv[3].includes(',raw,nn_distance,,,,2,,'), csv[3]);
  assert.equal(
    toySummary(rows),
    [
      '| dataset | training | CAS nσ=1 | ALS nσ=5 |',
      '| --- | --- | --- | --- |',
      '| 25-gaussians | dsm | 0.5000 / 0.2500 | — / 0.1250 |',
    ].join('\n'),
  );
  const md = toyMarkdown('Toy', rows, ['a note']);
  assert.match(md, /^# Toy\n/);
  assert.match(md, /\| 25-gaussians\/dsm\/als-n5\/raw \| 1\.00e-5 \| — \|/);
  assert.match(md, /\n- a note\n$/);
});

test('toyScatterSvg: a raw and a denoised panel per sampler', () => {
  const svg = toyScatterSvg(model, 1);
  // 2 samplers × 2 outputs × (real + samples), first point of each.
  const paths = [...svg.matchAll(/<path d="([^"]*)"/g)].map((m) => m[1]);
  assert.equal(paths.length, 8);
  for (const d of paths) assert.ok(d === '' || /^M[\d.]+,[\d.]+h0$/.test(d));
  assert.equal(paths[5], '', 'the NaN sample is left out');
  assert.match(svg, /CAS nσ=1, denoised/);
  assert.match(svg, /first 1 points/);
});

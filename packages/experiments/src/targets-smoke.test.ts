import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStore } from '@acsm/tracking';
import { runAcsm } from './cli/testing';

// table1 and table3 end to end on the smoke profile, in a fresh store;
// the classifier comes from the workspace cache (trained on first use).

const acsm = (args: string[], env: Record<string, string>) =>
  runAcsm(args, { env: { ...process.env, ...env }, timeoutMs: 25 * 60e3 });

function csvRows(dir: string, target: string): string[][] {
  const file = join(dir, 'results', target, 'smoke', 'table.csv');
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  return lines.map((l) => l.split(','));
}

async function cellRuns(mlruns: string, experiment: string) {
  const store = await FileStore.open(mlruns);
  const exp = await store.getExperimentByName(experiment);
  if (!exp) return [];
  const { runs } = await store.searchRuns({
    experimentIds: [exp.experimentId],
    filter: { tags: { 'acsm.kind': 'cell' } },
  });
  return runs;
}

test('table1 smoke, then table2 reuses its DSM model and cells', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'acsm-table1-'));
  try {
    const mlruns = join(dir, 'mlruns');
    const env = { MLFLOW_TRACKING_URI: mlruns };
    const results = ['--results-dir', join(dir, 'results')];
    const one = acsm(['run', 'table1', '--profile=smoke', ...results], env);
    assert.equal(one.code, 0, one.err);
    const [head, ...rows] = csvRows(dir, 'table1');
    assert.equal(rows.length, 8);
    assert.ok(rows.every((r) => r[1] === 'dsm'));
    const value = head.indexOf('value');
    assert.ok(rows.every((r) => Number.isFinite(Number(r[value]))));
    const two = acsm(['run', 'table2', '--profile=smoke', ...results], env);
    assert.equal(two.code, 0, two.err);
    assert.equal(csvRows(dir, 'table2').length - 1, 16);
    // Only the hybrid cells ran again; the DSM ones are table1's runs.
    const runs = await cellRuns(mlruns, 'table2');
    assert.equal(runs.length, 8);
    assert.ok(runs.every((r) => r.data.tags['acsm.cell'].startsWith('hyb')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('table3 smoke: modes and KL per training and output', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'acsm-table3-'));
  try {
    const mlruns = join(dir, 'mlruns');
    const env = { MLFLOW_TRACKING_URI: mlruns };
    const results = ['--results-dir', join(dir, 'results')];
    const r = acsm(['run', 'table3', '--profile=smoke', ...results], env);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /cell\s+value\s+kl\s+n\s+reference/);
    const [head, ...rows] = csvRows(dir, 'table3');
    assert.deepEqual(
      rows.map((row) => row[0]),
      [
        'dsm/cas/n1/raw',
        'dsm/cas/n1/denoised',
        'hybrid/cas/n1/raw',
        'hybrid/cas/n1/denoised',
      ],
    );
    assert.ok(head.includes('kl'));
    const runs = await cellRuns(mlruns, 'table3');
    assert.equal(runs.length, 4);
    for (const run of runs) {
      const m = run.data.metrics;
      const modes = m.stacked_mnist_modes;
      const where = `${run.data.tags['acsm.cell']}: ${JSON.stringify(m)}`;
      assert.ok(Number.isInteger(modes) && modes >= 1, where);
      assert.ok(modes <= Math.min(1000, m.n_samples), where);
      // KL(q ‖ U) = ln 1000 − H(q) lies in [ln(1000/modes), ln 1000].
      assert.ok(m.kl >= Math.log(1000 / modes) - 1e-9, where);
      assert.ok(m.kl <= Math.log(1000) + 1e-9, where);
      assert.match(run.data.tags['acsm.modes.note'], /counted once/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('figure3 smoke: two sweeps, the figure and its run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'acsm-figure3-'));
  try {
    const mlruns = join(dir, 'mlruns');
    const env = { MLFLOW_TRACKING_URI: mlruns };
    const results = ['--results-dir', join(dir, 'results')];
    const r = acsm(['run', 'figure3', '--profile=smoke', ...results], env);
    assert.equal(r.code, 0, r.err);
    const out = join(dir, 'results', 'figure3', 'smoke');
    const csv = readFileSync(join(out, 'figure3.csv'), 'utf8');
    const ours = csv.split('\n').filter((l) => l.startsWith('ours,'));
    assert.equal(ours.length, 2 * (3 + 3));
    for (const line of ours) {
      assert.ok(Number.isFinite(Number(line.split(',')[4])), line);
    }
    const svg = readFileSync(join(out, 'figure3.svg'), 'utf8');
    assert.match(svg, /released: CIFAR-10 UNet/);
    const store = await FileStore.open(mlruns);
    const exp = await store.getExperimentByName('figure3');
    assert.ok(exp);
    const { runs } = await store.searchRuns({
      experimentIds: [exp.experimentId],
      filter: { tags: { 'acsm.kind': 'figure' } },
    });
    assert.equal(runs.length, 1);
    assert.equal(runs[0].info.status, 'FINISHED');
    const page = join(dir, 'figure3.html');
    const report = ['report', 'figure3', '--profile=smoke', '--out', page];
    const rep = acsm(report, env);
    assert.equal(rep.code, 0, rep.err);
    assert.match(readFileSync(page, 'utf8'), /<svg[^>]*>.*released: CIFAR/s);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

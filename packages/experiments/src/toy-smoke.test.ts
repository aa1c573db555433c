import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStore } from '@acsm/tracking';
import { runAcsm } from './cli/testing';

// The toy experiment end to end on the smoke profile, as CI runs it: a
// fresh tracking store and results folder (seconds).

const acsm = (args: string[], env: Record<string, string> = {}) =>
  runAcsm(args, { env: { ...process.env, ...env }, timeoutMs: 5 * 60e3 });

const SVGS = [
  'scatter-swiss-roll-dsm.svg',
  'scatter-swiss-roll-hybrid.svg',
  'scatter-25-gaussians-dsm.svg',
  'scatter-25-gaussians-hybrid.svg',
];

test('toy --profile=smoke: table, scatter plots, tracked runs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'acsm-toy-smoke-'));
  try {
    const env = { MLFLOW_TRACKING_URI: join(dir, 'mlruns') };
    const results = join(dir, 'results');
    const r = acsm(
      ['run', 'toy', '--profile=smoke', '--results-dir', results],
      env,
    );
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^\| swiss-roll \| dsm \| [\d.]+ \/ [\d.]+ \|/m);
    const out = join(results, 'toy', 'smoke');
    const csv = readFileSync(join(out, 'table.csv'), 'utf8').trim();
    const [header, ...rows] = csv.split('\n');
    assert.equal(header.split(',')[8], 'value');
    // 2 datasets × 2 trainings × 2 samplers × raw/denoised.
    assert.equal(rows.length, 16);
    for (const row of rows) {
      const value = Number(row.split(',')[8]);
      assert.ok(Number.isFinite(value) && value > 0, row);
      assert.match(row, /none: PAPER\.md reports no toy values/);
    }
    const md = readFileSync(join(out, 'table.md'), 'utf8');
    assert.match(md, /σ_1 by Technique 1/);
    for (const name of SVGS) {
      const svg = readFileSync(join(out, name), 'utf8');
      // Per sampler a raw and a denoised panel, each real + samples.
      assert.equal([...svg.matchAll(/<path d="M/g)].length, 8, name);
    }

    const store = await FileStore.open(join(dir, 'mlruns'));
    const exp = await store.getExperimentByName('toy');
    assert.ok(exp);
    const { runs } = await store.searchRuns({
      experimentIds: [exp.experimentId],
    });
    assert.ok(runs.every((run) => run.info.status === 'FINISHED'));
    const trains = runs.filter((run) => run.data.tags['acsm.kind'] === 'train');
    assert.equal(trains.length, 4);
    const hybrid = trains.find(
      (run) =>
        run.data.tags['acsm.dataset'] === '25-gaussians' &&
        run.data.tags['acsm.training'] === 'hybrid',
    )!;
    assert.equal(hybrid.data.params['training.kind'], 'hybrid');
    assert.ok(Number(hybrid.data.params['noise.sigmaMax']) > 5);
    for (const key of [
      'cas_n1_raw_nn_distance',
      'als_n1_denoised_nn_distance',
      'discriminator_loss',
      'generator_loss',
      'dsm_loss',
    ]) {
      assert.ok(Number.isFinite(hybrid.data.metrics[key]), key);
    }
    const table = runs.filter((run) => run.data.tags['acsm.kind'] === 'table');
    assert.equal(table.length, 1);
    const artifacts = (await store.listArtifacts(table[0].info.runId)).map(
      (a) => a.path,
    );
    for (const name of ['table.md', 'table.csv', 'table.json', ...SVGS]) {
      assert.ok(artifacts.includes(name), `${name} in ${artifacts}`);
    }

    const plan = acsm(['run', 'toy', '--profile=paper', '--dry-run'], env);
    assert.equal(plan.code, 0, plan.err);
    assert.match(plan.out, /score network toy-mlp .*: 527,874 parameters/);
    assert.match(plan.out, /CAS nσ=5: ε = /);
    assert.ok(!existsSync(join(results, 'toy', 'paper')));
    const bad = acsm(['run', 'toy', '--set', 'seed=1'], env);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /toy takes only --profile, --results-dir and/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

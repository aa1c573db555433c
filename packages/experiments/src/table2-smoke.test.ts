import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStore, type Run } from '@acsm/tracking';
import { runAcsm } from './cli/testing';

// The main job end to end on the smoke profile, as CI runs it: a fresh
// tracking store and results folder; the FID classifier comes from the
// workspace cache (trained on first use).

/** This test's own shard variables only, even inside a cluster job. */
const CLUSTER_VARS = ['SLURM_ARRAY_TASK_ID', 'JOB_COMPLETION_INDEX'];
const baseEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !CLUSTER_VARS.includes(k)),
);

// The first run trains the FID classifier (~5 min alone, more beside the
// other test files).
const acsm = (args: string[], env: Record<string, string>) =>
  runAcsm(args, { env: { ...baseEnv, ...env }, timeoutMs: 25 * 60e3 });

test('table2 --profile=smoke: 16 cells, logged, then reused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'acsm-smoke-'));
  try {
    const env = { MLFLOW_TRACKING_URI: join(dir, 'mlruns') };
    const args = ['run', 'table2', '--profile=smoke'];
    const first = acsm([...args, '--results-dir', join(dir, 'results')], env);
    assert.equal(first.code, 0, first.err);
    const csv = readFileSync(
      join(dir, 'results', 'table2', 'smoke', 'table.csv'),
      'utf8',
    ).trim();
    const rows = csv.split('\n').slice(1);
    assert.equal(rows.length, 16);
    for (const row of rows) {
      const value = Number(row.split(',')[7]);
      assert.ok(Number.isFinite(value) && value >= 0, row);
    }

    const store = await FileStore.open(join(dir, 'mlruns'));
    const exp = await store.getExperimentByName('table2');
    assert.ok(exp);
    const { runs } = await store.searchRuns({
      experimentIds: [exp.experimentId],
    });
    const kinds = runs.map((r) => r.data.tags['acsm.kind']);
    assert.equal(kinds.filter((k) => k === 'train').length, 2);
    assert.equal(kinds.filter((k) => k === 'cell').length, 16);
    assert.ok(runs.every((r) => r.info.status === 'FINISHED'));
    const cell = runs.find((r) => r.data.tags['acsm.kind'] === 'cell')!;
    const artifacts = (await store.listArtifacts(cell.info.runId)).map(
      (a) => a.path,
    );
    for (const name of [
      'config.json',
      'samples_raw.png',
      'samples_denoised.png',
    ]) {
      assert.ok(artifacts.includes(name), `${name} in ${artifacts}`);
    }
    assert.ok(Number.isFinite(cell.data.metrics.fid_mnist_classifier));
    assert.equal(cell.data.metrics.n_samples, 150);

    const again = acsm([...args, '--results-dir', join(dir, 'results')], env);
    assert.equal(again.code, 0, again.err);
    assert.doesNotMatch(again.err, /train (dsm|hybrid) done|sample /);
    const csv2 = readFileSync(
      join(dir, 'results', 'table2', 'smoke', 'table.csv'),
      'utf8',
    ).trim();
    assert.equal(csv2, csv, 'a re-run reuses every cell');

    await audits(dir, exp.experimentId, env, runs);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A copy of a file-store run under a new id, with files edited. */
function copyRun(
  expDir: string,
  runId: string,
  edits: Record<string, (text: string) => string>,
): string {
  const id = randomBytes(16).toString('hex');
  cpSync(join(expDir, runId), join(expDir, id), { recursive: true });
  const meta = join(expDir, id, 'meta.yaml');
  writeFileSync(meta, readFileSync(meta, 'utf8').replaceAll(runId, id));
  for (const [file, edit] of Object.entries(edits)) {
    const path = join(expDir, id, file);
    writeFileSync(path, edit(readFileSync(path, 'utf8')));
  }
  return id;
}

/** acsm audit of a smoke cell: passes; an altered copy fails naming it. */
async function audits(
  dir: string,
  experimentId: string,
  env: Record<string, string>,
  runs: Run[],
) {
  const cell = runs.find(
    (r) => r.data.tags['acsm.cell'] === 'dsm/cas/n1/denoised',
  )!;
  const id = cell.info.runId;
  // A run made with uncommitted changes is audited only with the flag.
  const dirty = cell.data.tags['acsm.git_commit'].endsWith('-dirty');
  if (dirty) {
    const refused = acsm(['audit', id], env);
    assert.equal(refused.code, 2);
    assert.match(refused.err, /was made from uncommitted changes/);
  }
  const allow = dirty ? ['--allow-code-change'] : [];
  const audit = acsm(['audit', id.slice(0, 10), ...allow], env);
  assert.equal(audit.code, 0, audit.err);
  assert.match(audit.out, /^# Audit of dsm\/cas\/n1\/denoised: PASSED$/m);
  assert.match(audit.out, /\| cell \| fid_mnist_classifier \| .* \| yes \|/);
  assert.match(audit.out, /\| train \| dsm_loss \| .* \| yes \|/);
  assert.match(audit.err, /by re-training its model/);

  const store = await FileStore.open(join(dir, 'mlruns'));
  const { runs: after } = await store.searchRuns({
    experimentIds: [experimentId],
    filter: { tags: { 'acsm.kind': 'audit' } },
  });
  assert.equal(after.length, 1);
  assert.equal(after[0].data.tags['acsm.audit.of'], id);
  assert.equal(after[0].data.tags['acsm.audit.passed'], 'true');

  const expDir = join(dir, 'mlruns', experimentId);
  const altered = copyRun(expDir, id, {
    'metrics/fid_mnist_classifier': (t) =>
      t.replace(/^(\d+) (\S+)/, (_, ts, v) => `${ts} ${Number(v) * 1.01}`),
  });
  const bad = acsm(['audit', altered, '--from-checkpoint', ...allow], env);
  assert.equal(bad.code, 1, bad.err);
  assert.match(bad.out, /\| cell \| fid_mnist_classifier \| .* \| NO \|/);
  assert.match(
    bad.err,
    /audit of dsm\/cas\/n1\/denoised FAILED: outside the tolerance \(0\.000001 relative\): cell fid_mnist_classifier$/m,
  );

  const older = copyRun(expDir, id, {
    'tags/acsm.git_commit': () => '0'.repeat(40),
  });
  const refused = acsm(['audit', older, '--from-checkpoint'], env);
  assert.equal(refused.code, 2);
  assert.match(refused.err, /was made by commit 0{40}; this checkout is/);
  const allowed = acsm(
    ['audit', older, '--from-checkpoint', '--allow-code-change'],
    env,
  );
  assert.equal(allowed.code, 0, allowed.err);
  assert.match(allowed.out, /code changed: run .* was made by commit 0{40}/);
}

test('table2 smoke: two parallel shards give the table of one process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'acsm-jobs-'));
  try {
    const table = (jobs: string) => {
      const sub = join(dir, `jobs-${jobs}`);
      const r = acsm(
        [
          'run',
          'table2',
          '--profile=smoke',
          '--jobs',
          jobs,
          '--results-dir',
          join(sub, 'results'),
        ],
        { MLFLOW_TRACKING_URI: join(sub, 'mlruns') },
      );
      assert.equal(r.code, 0, r.err);
      const csv = readFileSync(
        join(sub, 'results', 'table2', 'smoke', 'table.csv'),
        'utf8',
      );
      // Every column but the run id.
      return {
        err: r.err,
        rows: csv
          .trim()
          .split('\n')
          .map((l) => l.split(',').slice(0, -1).join(',')),
      };
    };
    const two = table('2');
    assert.match(two.err, /running 2 shards in parallel, 1 thread\(s\) each/);
    assert.match(two.err, /\[shard 1\/2\] .*train dsm done/);
    assert.match(two.err, /\[shard 2\/2\] .*train hybrid done/);
    const one = table('1');
    assert.doesNotMatch(one.err, /shard/);
    assert.deepEqual(two.rows, one.rows);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('table2 smoke: cluster array shards, then table collect', () => {
  const dir = mkdtempSync(join(tmpdir(), 'acsm-cluster-'));
  try {
    const env = { MLFLOW_TRACKING_URI: join(dir, 'mlruns') };
    const results = ['--results-dir', join(dir, 'results')];
    const collect = () =>
      acsm(['table', 'collect', 'table2', '--profile=smoke', ...results], env);
    const missing = (out: string) =>
      [...out.matchAll(/^ {2}(\S+) \(config [0-9a-f]{16}\)$/gm)].map(
        (m) => m[1],
      );
    const empty = collect();
    assert.equal(empty.code, 1, empty.err);
    assert.match(empty.err, /16 of 16 cells of table2 \(profile smoke\)/);
    assert.equal(missing(empty.err).length, 16);

    const run = ['run', 'table2', '--profile=smoke', ...results];
    const slurm = acsm(run, {
      ...env,
      SLURM_ARRAY_TASK_ID: '0',
      SLURM_ARRAY_TASK_COUNT: '2',
    });
    assert.equal(slurm.code, 0, slurm.err);
    assert.match(slurm.err, /shard 1\/2 from SLURM_ARRAY_TASK_ID=0/);
    const half = collect();
    assert.equal(half.code, 1);
    assert.deepEqual(
      missing(half.err).map((id) => id.split('/')[0]),
      Array(8).fill('hybrid'),
    );

    const k8s = acsm(run, {
      ...env,
      JOB_COMPLETION_INDEX: '1',
      ACSM_SHARD_COUNT: '2',
    });
    assert.equal(k8s.code, 0, k8s.err);
    assert.match(k8s.err, /shard 2\/2 from JOB_COMPLETION_INDEX=1/);
    const done = collect();
    assert.equal(done.code, 0, done.err);
    const csv = readFileSync(
      join(dir, 'results', 'table2', 'smoke', 'table.csv'),
      'utf8',
    );
    assert.equal(csv.trim().split('\n').length, 17);
    assert.doesNotMatch(done.err, /train|sample/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a bad flag or config value fails before any work', () => {
  const dir = mkdtempSync(join(tmpdir(), 'acsm-bad-'));
  try {
    const env = { MLFLOW_TRACKING_URI: join(dir, 'mlruns') };
    const bad = acsm(
      ['run', 'table2', '--profile=smoke', '--set', 'training.batchSize=-1'],
      env,
    );
    assert.equal(bad.code, 2);
    assert.match(
      bad.err,
      /training\.batchSize must be an integer in \[1, 100000\], got "-1"/,
    );
    const unknown = acsm(['run', 'table2', '--profile=smoke', '--bogus'], env);
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /Unknown argument: bogus/);
    // A flag without its value fails; it never falls back to its default.
    const empty = acsm(['run', 'table2', '--results-dir', '--dry-run'], env);
    assert.equal(empty.code, 2);
    assert.match(
      empty.err,
      /^acsm: Not enough arguments following: results-dir\n/,
    );
    for (const flag of ['--results-dir', '--shard']) {
      const twice = acsm(
        ['run', 'table2', '--profile=smoke', flag, '1/2', flag, '2/2'],
        env,
      );
      assert.equal(twice.code, 2, twice.err);
      assert.match(twice.err, new RegExp(`${flag} was given 2 times`));
    }
    const threads = acsm(['run', 'table2', '--profile=smoke', '--dry-run'], {
      ...env,
      ACSM_WASM_THREADS: 'abc',
    });
    assert.equal(threads.code, 2);
    assert.match(
      threads.err,
      /^acsm: initBackend: ACSM_WASM_THREADS must be an integer from 1 to 64, got 'abc'\n$/,
    );
    assert.equal(existsSync(join(dir, 'mlruns')), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, startRun } from '@acsm/tracking';
import { runAcsm } from './testing';

const acsm = (args: string[], uri: string) =>
  runAcsm(args, { env: { ...process.env, MLFLOW_TRACKING_URI: uri } });

test('runs list has a header and the metric; runs show takes a unique prefix', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'acsm-runs-'));
  try {
    const uri = join(dir, 'mlruns');
    const store = await openStore(uri);
    const exp = await store.getOrCreateExperiment('table2');
    const ids: string[] = [];
    for (const [name, fid] of [
      ['dsm/cas/n1/raw', 12.345],
      ['dsm/cas/n1/denoised', 6.5],
    ] as const) {
      const run = await startRun(store, {
        experimentId: exp.experimentId,
        runName: name,
        tags: { 'acsm.kind': 'cell' },
      });
      run.logMetrics({ fid_mnist_classifier: fid });
      await run.end('FINISHED');
      ids.push(run.info.runId);
    }
    const list = acsm(['runs', 'list'], uri);
    assert.equal(list.code, 0, list.err);
    const lines = list.out.trim().split('\n');
    assert.match(
      lines[0],
      /^run id +status +kind +started \(UTC\) +metric +name$/,
    );
    assert.match(list.out, /fid_mnist_classifier 12\.35 +dsm\/cas\/n1\/raw/);
    assert.match(
      list.out,
      /fid_mnist_classifier 6\.50 +dsm\/cas\/n1\/denoised/,
    );

    // The shortest prefix that tells the two ids apart.
    let n = 1;
    while (ids[0].slice(0, n) === ids[1].slice(0, n)) n += 1;
    const shown = acsm(['runs', 'show', ids[0].slice(0, n)], uri);
    assert.equal(shown.code, 0, shown.err);
    assert.match(shown.out, new RegExp(`^run ${ids[0]} \\(dsm/cas/n1/raw\\)`));

    const none = acsm(['runs', 'show', 'zz'], uri);
    assert.equal(none.code, 2);
    assert.match(
      none.err,
      /no run id of experiments table2, table1, table3, figure1, figure3, toy starts with 'zz'/,
    );
    if (n > 1) {
      const both = acsm(['runs', 'show', ids[0].slice(0, n - 1)], uri);
      assert.equal(both.code, 2);
      assert.match(both.err, /starts 2 run ids .*give more/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('acsm runs without a command names the commands', () => {
  const r = acsm(['runs'], join(tmpdir(), 'acsm-unused-mlruns'));
  assert.equal(r.code, 2);
  assert.equal(r.err.trim(), 'acsm: name a runs command: list, show');
});

test('commands without their arguments say what to name', () => {
  const unused = join(tmpdir(), 'acsm-unused-mlruns');
  const cases: [string, RegExp][] = [
    ['run', /^acsm: name a target: table1, table2, table3, figure1/],
    ['sweep', /^acsm: name a target: table1, table2, table3$/m],
    ['table', /^acsm: name an action and a target: table collect </],
    ['audit', /^acsm: name the run id \(or a unique prefix\) of a cell run/],
  ];
  for (const [command, expected] of cases) {
    const r = acsm([command], unused);
    assert.equal(r.code, 2, command);
    assert.match(r.err, expected);
  }
});

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { FileStore } from './file-store';
import { startRun } from './run-handle';
import { TAG_ORIGIN_RUN_ID, syncToServer } from './sync';
import type { SyncReport } from './sync';
import {
  bytes,
  restStore,
  startServer,
  tempDir,
  text,
} from './testing/fixtures';
import type { ContractServer } from './testing/contract-server';

/** Requests that write something on the server. */
function writes(server: ContractServer, from: number) {
  return server.requests
    .slice(from)
    .filter(
      (r) =>
        r.method === 'PUT' ||
        (r.method === 'POST' && !r.path.endsWith('runs/search')),
    );
}

async function localRuns(t: Parameters<typeof tempDir>[0]) {
  const dir = tempDir(t);
  const local = await FileStore.open(join(dir, 'mlruns'));
  const a = await startRun(local, {
    experimentName: 'table2',
    runName: 'train dsm',
    tags: { 'acsm.kind': 'train' },
    flushIntervalMs: 0,
  });
  a.logParams({ training: { iterations: 3 }, seed: 1 });
  for (let step = 0; step < 30; step += 1) {
    a.logMetrics(
      { loss: 1 / (step + 1), 'eval/fid': step === 29 ? NaN : step },
      step,
    );
  }
  await a.logArtifactBytes('config.json', bytes('{"seed":1}'));
  writeFileSync(join(dir, 'a b.txt'), 'spaced');
  await a.logArtifact(join(dir, 'a b.txt'), 'notes/deep');
  await a.end('FINISHED');
  const b = await startRun(local, {
    experimentName: 'table2',
    runName: 'cell',
    flushIntervalMs: 0,
  });
  b.logMetric('fid', 12.5, 0);
  await b.end('FAILED');
  const c = await startRun(local, {
    runName: 'in Default',
    flushIntervalMs: 0,
  });
  c.logMetric('x', 1);
  await c.flush(); // left RUNNING, as a crashed process leaves it
  return { dir, local, ids: [a.runId, b.runId, c.runId] };
}

test('sync copies runs with metrics, params, tags, artifacts and status', async (t) => {
  const server = await startServer(t);
  const remote = restStore(server);
  const { local, ids } = await localRuns(t);

  const report = await syncToServer(local, remote);
  assert.deepEqual(report.failures, []);
  assert.equal(report.runs.length, 3);
  assert.ok(report.runs.every((r) => r.created));
  const mapping = new Map(
    report.runs.map((r) => [r.localRunId, r.remoteRunId]),
  );
  assert.deepEqual([...mapping.keys()].sort(), [...ids].sort());

  for (const [localId, remoteId] of mapping) {
    const mine = await local.getRun(localId);
    const theirs = await remote.getRun(remoteId);
    assert.equal(theirs.data.tags[TAG_ORIGIN_RUN_ID], localId);
    assert.equal(theirs.info.runName, mine.info.runName);
    assert.equal(theirs.info.startTime, mine.info.startTime);
    assert.equal(theirs.info.status, mine.info.status);
    assert.equal(theirs.info.endTime, mine.info.endTime);
    assert.deepEqual(theirs.data.params, mine.data.params);
    for (const [k, v] of Object.entries(mine.data.tags))
      assert.equal(theirs.data.tags[k], v);
    assert.deepEqual(theirs.data.metrics, mine.data.metrics);
    for (const key of Object.keys(mine.data.metrics)) {
      const sort = (h: { timestamp: number; step: number }[]) =>
        h.sort((x, y) => x.timestamp - y.timestamp || x.step - y.step);
      assert.deepEqual(
        sort(await remote.getMetricHistory(remoteId, key)),
        sort(await local.getMetricHistory(localId, key)),
      );
    }
  }
  const trainRemote = mapping.get(ids[0])!;
  assert.equal(
    text(await remote.readArtifact(trainRemote, 'config.json')),
    '{"seed":1}',
  );
  assert.equal(
    text(await remote.readArtifact(trainRemote, 'notes/deep/a b.txt')),
    'spaced',
  );
  const exps = [...server.state.experiments.values()].map((e) => e.name).sort();
  assert.deepEqual(exps, ['Default', 'table2']);
});

test('a second sync creates nothing and writes nothing', async (t) => {
  const server = await startServer(t);
  const remote = restStore(server);
  const { local, ids } = await localRuns(t);
  const first = await syncToServer(local, remote);
  const runsBefore = server.state.runs.size;
  const from = server.requests.length;

  const second: SyncReport = await syncToServer(local, remote);
  assert.equal(server.state.runs.size, runsBefore);
  assert.deepEqual(
    writes(server, from).map((r) => r.path),
    [],
  );
  assert.ok(
    second.runs.every(
      (r) => !r.created && r.metrics + r.params + r.tags + r.artifacts === 0,
    ),
  );
  assert.deepEqual(
    second.runs.map((r) => r.remoteRunId).sort(),
    first.runs.map((r) => r.remoteRunId).sort(),
  );

  // New local data: only that goes, into the same server run.
  const more = await startRun(local, {
    experimentName: 'table2',
    flushIntervalMs: 0,
  });
  await more.end();
  await local.logBatch(ids[1], {
    metrics: [{ key: 'fid', value: 11, timestamp: Date.now(), step: 1 }],
  });
  const third = await syncToServer(local, remote);
  const byLocal = new Map(third.runs.map((r) => [r.localRunId, r]));
  assert.equal(byLocal.get(ids[1])?.metrics, 1);
  assert.equal(byLocal.get(ids[1])?.created, false);
  assert.equal(byLocal.get(more.runId)?.created, true);
  assert.equal(server.state.runs.size, runsBefore + 1);
  const fid = server.state.history(byLocal.get(ids[1])!.remoteRunId, 'fid');
  assert.equal(fid.length, 2);
});

test('a param that differs on the server fails that run only', async (t) => {
  const server = await startServer(t);
  const remote = restStore(server);
  const { local, ids } = await localRuns(t);
  const first = await syncToServer(local, remote);
  const target = first.runs.find((r) => r.localRunId === ids[1])!;
  await local.logBatch(ids[1], { params: [{ key: 'lr', value: '1' }] });
  await remote.logBatch(target.remoteRunId, {
    params: [{ key: 'lr', value: '2' }],
  });
  const from = server.requests.length;
  const report = await syncToServer(local, remote);
  assert.equal(report.failures.length, 1);
  assert.equal(report.failures[0].localRunId, ids[1]);
  assert.match(
    report.failures[0].reason,
    /param 'lr' is '1' in local run .* but '2'/,
  );
  assert.equal(report.runs.length, 2);
  assert.deepEqual(writes(server, from), []);
});

test('a run deleted on the server is skipped, not recreated', async (t) => {
  const server = await startServer(t);
  const remote = restStore(server);
  const { local, ids } = await localRuns(t);
  const first = await syncToServer(local, remote);
  const target = first.runs.find((r) => r.localRunId === ids[0])!;
  await remote.deleteRun(target.remoteRunId);
  const report = await syncToServer(local, remote);
  assert.deepEqual(
    report.skipped.map((s) => s.localRunId),
    [ids[0]],
  );
  assert.equal(server.state.runs.size, 3);
});

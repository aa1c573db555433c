import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { FallbackStore, TAG_CONTINUED_OFFLINE } from './fallback-store';
import { FileStore } from './file-store';
import { openStore } from './open-store';
import { RestStore } from './rest-store';
import { startRun } from './run-handle';
import { syncToServer } from './sync';
import {
  FAST_RETRY,
  bytes,
  restStore,
  startServer,
  tempDir,
  text,
} from './testing/fixtures';
import type { ContractServer } from './testing/contract-server';

async function open(t: TestContext, server: ContractServer) {
  const dir = join(tempDir(t), 'offline');
  const messages: string[] = [];
  const store = await openStore(server.uri, {
    env: { ACSM_OFFLINE_DIR: dir },
    notify: (m) => messages.push(m),
    remindAtExit: false,
    rest: { proxy: false, retry: { ...FAST_RETRY, deadlineMs: 300 } },
  });
  assert.ok(store instanceof FallbackStore);
  return { store, dir, messages };
}

test('openStore: http(s) gives the fallback store, or the bare REST store', async (t) => {
  const server = await startServer(t);
  const { store, messages } = await open(t, server);
  assert.equal(store.isOffline, false);
  assert.deepEqual(messages, []);
  const bare = await openStore(server.uri, { offlineFallback: false, env: {} });
  assert.ok(bare instanceof RestStore);
});

test('server down at start: runs go to the local store, with a message', async (t) => {
  const server = await startServer(t);
  await server.stop();
  const { store, dir, messages } = await open(t, server);
  assert.equal(store.isOffline, true);
  assert.equal(messages.length, 1);
  assert.match(messages[0], /unreachable/);
  assert.ok(messages[0].includes(`acsm sync --from ${dir} --to ${server.uri}`));

  const run = await startRun(store, {
    experimentName: 'table2',
    runName: 'cell',
    flushIntervalMs: 0,
  });
  run.logParams({ seed: 3 });
  run.logMetric('fid', 9.5, 0);
  await run.logArtifactBytes('table.md', bytes('| x |'));
  await run.end();
  assert.deepEqual((store as FallbackStore).localRunIds, [run.runId]);
  const local = await FileStore.open(dir);
  assert.equal((await local.getRun(run.runId)).info.status, 'FINISHED');
  assert.equal(messages.length, 1);

  await server.restart();
  const report = await syncToServer(local, restStore(server));
  assert.equal(report.runs.length, 1);
  const remoteId = report.runs[0].remoteRunId;
  const remote = restStore(server);
  const synced = await remote.getRun(remoteId);
  assert.equal(synced.info.status, 'FINISHED');
  assert.deepEqual(synced.data.params, { seed: '3' });
  assert.equal(text(await remote.readArtifact(remoteId, 'table.md')), '| x |');
});

test('server gone mid-run: the run goes on locally under its id', async (t) => {
  const server = await startServer(t);
  const { store, dir, messages } = await open(t, server);
  const exp = await store.getOrCreateExperiment('table2');
  const run = await startRun(store, {
    experimentId: exp.experimentId,
    runName: 'train',
    tags: { 'acsm.kind': 'train' },
    flushIntervalMs: 0,
  });
  run.logParams({ lr: 0.01 });
  run.logMetric('loss', 1, 0);
  await run.flush();
  await run.logArtifactBytes('before.txt', bytes('on the server'));

  await server.stop();
  run.logMetric('loss', 0.5, 1);
  run.setTag('acsm.stage', 'sample');
  await run.flush();
  assert.equal(messages.length, 1);
  assert.ok((store as FallbackStore).isOffline);
  await run.logArtifactBytes('after.txt', bytes('kept locally'));
  await run.end('FINISHED');

  // The runner's later calls, with the server's experiment id, still work.
  const found = await store.searchRuns({
    experimentIds: [exp.experimentId],
    filter: { tags: { 'acsm.kind': 'train' } },
  });
  assert.deepEqual(
    found.runs.map((r) => r.info.runId),
    [run.runId],
  );
  const second = await startRun(store, {
    experimentId: exp.experimentId,
    flushIntervalMs: 0,
  });
  await second.end();

  const local = await FileStore.open(dir);
  const continued = await local.getRun(run.runId);
  assert.equal(continued.info.status, 'FINISHED');
  assert.equal(continued.info.runName, 'train');
  assert.equal(continued.data.tags[TAG_CONTINUED_OFFLINE], 'true');
  assert.equal(continued.data.tags['acsm.kind'], 'train');
  assert.deepEqual(continued.data.params, { lr: '0.01' });
  assert.deepEqual(
    (await local.getMetricHistory(run.runId, 'loss')).map((m) => m.value),
    [0.5],
  );

  await server.restart();
  const remote = restStore(server);
  const report = await syncToServer(local, remote);
  assert.deepEqual(report.failures, []);
  const merged = report.runs.find((r) => r.localRunId === run.runId);
  assert.equal(merged?.remoteRunId, run.runId);
  assert.equal(merged?.created, false);
  const onServer = await remote.getRun(run.runId);
  assert.equal(onServer.info.status, 'FINISHED');
  assert.equal(onServer.data.tags['acsm.stage'], 'sample');
  const values = (await remote.getMetricHistory(run.runId, 'loss')).map(
    (m) => m.value,
  );
  assert.deepEqual(values.sort(), [0.5, 1]);
  assert.equal(
    text(await remote.readArtifact(run.runId, 'before.txt')),
    'on the server',
  );
  assert.equal(
    text(await remote.readArtifact(run.runId, 'after.txt')),
    'kept locally',
  );
  assert.equal(server.state.runs.size, 2);
  assert.ok(existsSync(dir));
});

test('errors that are not the network are not hidden by the fallback', async (t) => {
  const server = await startServer(t);
  const { store } = await open(t, server);
  const { runId } = await store.createRun({ experimentId: '0' });
  await store.logBatch(runId, { params: [{ key: 'p', value: '1' }] });
  await assert.rejects(
    store.logBatch(runId, { params: [{ key: 'p', value: '2' }] }),
    /changing it to '2' is not allowed/,
  );
  await assert.rejects(store.getRun('0'.repeat(32)), /not found/);
  assert.equal((store as FallbackStore).isOffline, false);
});

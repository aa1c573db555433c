import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { TrackingError } from './errors';
import { startRun } from './run-handle';
import {
  bytes,
  restStore,
  startServer,
  tempDir,
  text,
} from './testing/fixtures';
import type { Metric } from './types';

const byTimeStep = (a: Metric, b: Metric) =>
  a.timestamp - b.timestamp || a.step - b.step;

test('round trip: what a run logs equals runs/get and the history', async (t) => {
  const server = await startServer(t);
  const store = restStore(server);
  const exp = await store.getOrCreateExperiment('table2', { team: 'acsm' });
  assert.equal(exp.name, 'table2');
  assert.equal(exp.tags.team, 'acsm');
  assert.equal(
    (await store.getOrCreateExperiment('table2')).experimentId,
    exp.experimentId,
  );

  const info = await store.createRun({
    experimentId: exp.experimentId,
    runName: 'cell-1',
    tags: { 'acsm.kind': 'cell' },
    startTime: 1_700_000_000_000,
  });
  assert.equal(info.status, 'RUNNING');
  assert.equal(info.runName, 'cell-1');
  assert.equal(info.startTime, 1_700_000_000_000);
  const logged: Metric[] = [
    { key: 'loss', value: 2.5, timestamp: 1_700_000_000_001, step: 0 },
    { key: 'loss', value: 1.25, timestamp: 1_700_000_000_002, step: 1 },
    { key: 'loss', value: NaN, timestamp: 1_700_000_000_003, step: 2 },
    { key: 'eval/fid', value: Infinity, timestamp: 1_700_000_000_004, step: 5 },
    {
      key: 'eval/fid',
      value: -Infinity,
      timestamp: 1_700_000_000_005,
      step: 6,
    },
    { key: 'eval/fid', value: 1e-7, timestamp: 1_700_000_000_006, step: 7 },
  ];
  await store.logBatch(info.runId, {
    metrics: logged,
    params: [
      { key: 'noise.sigmaMax', value: '50' },
      { key: 'sampling.stepSize', value: '6.2e-6' },
    ],
    tags: [{ key: 'acsm.stage', value: 'sample' }],
  });
  await store.setTag(info.runId, 'note', 'line 1\nline 2');
  const ended = await store.updateRun(info.runId, {
    status: 'FINISHED',
    endTime: 1_700_000_000_100,
  });
  assert.equal(ended.status, 'FINISHED');

  const run = await store.getRun(info.runId);
  assert.equal(run.info.status, 'FINISHED');
  assert.equal(run.info.endTime, 1_700_000_000_100);
  assert.equal(run.info.experimentId, exp.experimentId);
  assert.deepEqual(run.data.params, {
    'noise.sigmaMax': '50',
    'sampling.stepSize': '6.2e-6',
  });
  assert.deepEqual(run.data.metrics, { loss: NaN, 'eval/fid': 1e-7 });
  assert.equal(run.data.tags['acsm.kind'], 'cell');
  assert.equal(run.data.tags['acsm.stage'], 'sample');
  assert.equal(run.data.tags.note, 'line 1\nline 2');
  assert.equal(run.data.tags['mlflow.runName'], 'cell-1');
  assert.ok(run.data.tags['mlflow.user']);
  for (const key of ['loss', 'eval/fid']) {
    const history = await store.getMetricHistory(info.runId, key);
    const want = logged.filter((m) => m.key === key);
    assert.deepEqual(history.sort(byTimeStep), want.sort(byTimeStep));
  }
  // Non-finite values travelled as MLflow's strings, never as null.
  const sent = server.state.history(info.runId, 'eval/fid');
  assert.deepEqual(
    sent.map((m) => m.value),
    [Infinity, -Infinity, 1e-7],
  );
});

test('a run handle logs through REST like through the file store', async (t) => {
  const server = await startServer(t);
  const store = restStore(server);
  const run = await startRun(store, {
    experimentName: 'table1',
    runName: 'train',
    flushIntervalMs: 0,
    maxBufferedMetrics: 10,
  });
  run.logParams({ training: { iterations: 100, kind: 'dsm' } });
  for (let step = 0; step < 25; step += 1)
    run.logMetric('loss', 1 / (step + 1), step);
  await run.end();
  const saved = await store.getRun(run.runId);
  assert.equal(saved.info.status, 'FINISHED');
  assert.deepEqual(saved.data.params, {
    'training.iterations': '100',
    'training.kind': 'dsm',
  });
  const history = await store.getMetricHistory(run.runId, 'loss');
  assert.deepEqual(
    history.map((m) => m.step).sort((a, b) => a - b),
    Array.from({ length: 25 }, (_, i) => i),
  );
});

test('large batches are split within MLflow limits', async (t) => {
  const server = await startServer(t);
  const store = restStore(server);
  const { runId } = await store.createRun({ experimentId: '0' });
  const metrics = Array.from({ length: 2500 }, (_, i) => ({
    key: `m${i % 3}`,
    value: i,
    timestamp: 1000 + i,
    step: i,
  }));
  const params = Array.from({ length: 150 }, (_, i) => ({
    key: `p${i}`,
    value: String(i),
  }));
  const tags = Array.from({ length: 120 }, (_, i) => ({
    key: `t${i}`,
    value: String(i),
  }));
  await store.logBatch(runId, { metrics, params, tags });
  const calls = server.calls('runs/log-batch');
  assert.ok(calls.length >= 3);
  const run = server.state.runs.get(runId)!;
  assert.equal(run.metrics.length, 2500);
  assert.equal(run.params.size, 150);
  assert.equal(run.tags.size, 122); // + mlflow.runName, mlflow.user
  assert.equal(server.state.truncations, 0);
});

test('params: same value is a no-op, a new value fails before any request', async (t) => {
  const server = await startServer(t);
  const store = restStore(server);
  const { runId } = await store.createRun({ experimentId: '0' });
  await store.logBatch(runId, { params: [{ key: 'lr', value: '0.01' }] });
  const before = server.requests.length;
  await store.logBatch(runId, { params: [{ key: 'lr', value: '0.01' }] });
  assert.equal(server.requests.length, before);
  await assert.rejects(
    store.logBatch(runId, {
      params: [{ key: 'lr', value: '0.02' }],
      metrics: [{ key: 'x', value: 1, timestamp: 1, step: 0 }],
    }),
    /param 'lr' of run .* was logged as '0.01'; changing it to '0.02'/,
  );
  assert.equal(server.requests.length, before);
  assert.equal(server.state.history(runId, 'x').length, 0);

  // A second client (no cache) gets the server's refusal, nothing written.
  const other = restStore(server);
  await assert.rejects(
    other.logBatch(runId, {
      params: [{ key: 'lr', value: '0.03' }],
      metrics: [{ key: 'x', value: 1, timestamp: 1, step: 0 }],
    }),
    (e: TrackingError) =>
      e.code === 'INVALID_PARAMETER_VALUE' &&
      /Changing param values is not allowed/.test(e.message),
  );
  assert.equal(server.state.history(runId, 'x').length, 0);
});

test('over-long values and bad keys are refused before any request', async (t) => {
  const server = await startServer(t);
  const store = restStore(server);
  const { runId } = await store.createRun({ experimentId: '0' });
  const before = server.requests.length;
  const refused = [
    { params: [{ key: 'p', value: 'x'.repeat(6001) }] },
    { tags: [{ key: 't', value: 'x'.repeat(8001) }] },
    { metrics: [{ key: '../up', value: 1, timestamp: 1, step: 0 }] },
    { metrics: [{ key: 'a//b', value: 1, timestamp: 1, step: 0 }] },
    { params: [{ key: 'k'.repeat(251), value: '1' }] },
    { params: [{ key: 'semi;colon', value: '1' }] },
    { metrics: [{ key: 'm', value: 1, timestamp: 1.5, step: 0 }] },
  ];
  for (const batch of refused) {
    await assert.rejects(store.logBatch(runId, batch), TrackingError);
  }
  await assert.rejects(store.setTag(runId, 't', 'y'.repeat(8001)), /8000/);
  assert.equal(server.requests.length, before);
  // At the limits exactly, values go through whole.
  await store.logBatch(runId, {
    params: [{ key: 'p', value: 'x'.repeat(6000) }],
    tags: [{ key: 't', value: 'é'.repeat(8000) }],
  });
  const run = await store.getRun(runId);
  assert.equal(run.data.params.p.length, 6000);
  assert.equal(run.data.tags.t, 'é'.repeat(8000));
  assert.equal(server.state.truncations, 0);
});

test('a deleted experiment of that name is an error that says so', async (t) => {
  const server = await startServer(t);
  const store = restStore(server);
  const exp = await store.getOrCreateExperiment('old');
  await store.deleteExperiment(exp.experimentId);
  assert.equal(
    (await store.getExperimentByName('old'))?.lifecycleStage,
    'deleted',
  );
  await assert.rejects(
    store.getOrCreateExperiment('old'),
    (e: TrackingError) =>
      e.code === 'RESOURCE_ALREADY_EXISTS' &&
      /is deleted on the tracking server/.test(e.message),
  );
  assert.equal(await store.getExperimentByName('missing'), null);
});

test('missing runs and experiments give MLflow codes', async (t) => {
  const server = await startServer(t);
  const store = restStore(server);
  await assert.rejects(
    store.getRun('f'.repeat(32)),
    (e: TrackingError) =>
      e.code === 'RESOURCE_DOES_NOT_EXIST' && e.httpStatus === 404,
  );
  await assert.rejects(
    store.getExperiment('12345'),
    (e: TrackingError) => e.code === 'RESOURCE_DOES_NOT_EXIST',
  );
  await assert.rejects(
    store.createRun({ experimentId: '999' }),
    (e: TrackingError) => e.code === 'RESOURCE_DOES_NOT_EXIST',
  );
  await assert.rejects(
    store.client.getJson('no/such-endpoint', {}),
    (e: TrackingError) =>
      e.code === 'ENDPOINT_NOT_FOUND' && e.httpStatus === 404,
  );
});

test('metric history always sends max_results and follows pages', async (t) => {
  const server = await startServer(t);
  const store = restStore(server, { historyPageSize: 7 });
  const { runId } = await store.createRun({ experimentId: '0' });
  const metrics = Array.from({ length: 20 }, (_, i) => ({
    key: 'loss',
    value: i / 2,
    timestamp: 500 + i,
    step: i,
  }));
  await store.logBatch(runId, { metrics });
  assert.deepEqual(await store.getMetricHistory(runId, 'loss'), metrics);
  const calls = server.calls('metrics/get-history');
  assert.equal(calls.length, 3);
  assert.ok(calls.every((c) => c.query.get('max_results') === '7'));
  // The server behaves like MLflow without max_results: an empty page
  // and a token pointing at offset 0 (MLFLOW.md pitfall 1).
  const bare = await store.client.getJson<Record<string, unknown>>(
    'metrics/get-history',
    { run_id: runId, metric_key: 'loss' },
  );
  assert.equal(bare.metrics, undefined);
  assert.equal(bare.next_page_token, 'eyJvZmZzZXQiOiAwfQ==');
});

test('search is paged and filters on tags, params and status', async (t) => {
  const server = await startServer(t);
  const store = restStore(server);
  const exp = await store.getOrCreateExperiment('search');
  const ids: string[] = [];
  for (let i = 0; i < 5; i += 1) {
    const info = await store.createRun({
      experimentId: exp.experimentId,
      startTime: 1000 + i,
      tags: { 'acsm.kind': i % 2 ? 'train' : 'cell' },
    });
    await store.logBatch(info.runId, {
      params: [{ key: 'lr', value: `${i % 2}` }],
    });
    if (i < 2) await store.updateRun(info.runId, { status: 'FINISHED' });
    ids.push(info.runId);
  }
  const seen: string[] = [];
  let pageToken: string | undefined;
  for (let page = 0; page < 10; page += 1) {
    const r = await store.searchRuns({
      experimentIds: [exp.experimentId],
      maxResults: 2,
      pageToken,
    });
    seen.push(...r.runs.map((x) => x.info.runId));
    pageToken = r.nextPageToken;
    if (!pageToken) break;
  }
  assert.deepEqual(seen, [...ids].reverse());
  const cells = await store.searchRuns({
    experimentIds: [exp.experimentId],
    filter: { tags: { 'acsm.kind': 'cell' }, params: { lr: '0' } },
  });
  assert.equal(cells.runs.length, 3);
  const done = await store.searchRuns({
    experimentIds: [exp.experimentId],
    filter: { tags: { 'acsm.kind': 'cell' }, status: 'FINISHED' },
  });
  assert.deepEqual(
    done.runs.map((r) => r.info.runId),
    [ids[0]],
  );
});

test('artifacts go through the proxy, each path segment encoded', async (t) => {
  const server = await startServer(t);
  const store = restStore(server);
  const dir = tempDir(t);
  const exp = await store.getOrCreateExperiment('art');
  const { runId, artifactUri } = await store.createRun({
    experimentId: exp.experimentId,
  });
  assert.equal(
    artifactUri,
    `mlflow-artifacts:/${exp.experimentId}/${runId}/artifacts`,
  );
  await store.logArtifactBytes(runId, 'plots/a b#1.json', bytes('{"a":1}'));
  mkdirSync(join(dir, 'checkpoint', 'sub'), { recursive: true });
  writeFileSync(join(dir, 'checkpoint', 'manifest.json'), '{}');
  writeFileSync(join(dir, 'checkpoint', 'sub', 'w.bin'), Buffer.alloc(3000, 7));
  await store.logArtifact(runId, join(dir, 'checkpoint'));
  writeFileSync(join(dir, 'table.md'), '| a |');
  await store.logArtifact(runId, join(dir, 'table.md'), 'tables');

  const puts = server.requests
    .filter((r) => r.method === 'PUT')
    .map((r) => r.path);
  const root = `/api/2.0/mlflow-artifacts/artifacts/${exp.experimentId}/${runId}/artifacts`;
  assert.ok(puts.includes(`${root}/plots/a%20b%231.json`));
  assert.ok(puts.includes(`${root}/checkpoint/sub/w.bin`));

  assert.deepEqual(await store.listArtifacts(runId), [
    { path: 'checkpoint', isDir: true },
    { path: 'plots', isDir: true },
    { path: 'tables', isDir: true },
  ]);
  assert.deepEqual(await store.listArtifacts(runId, 'plots'), [
    { path: 'plots/a b#1.json', isDir: false, fileSize: 7 },
  ]);
  assert.equal(
    text(await store.readArtifact(runId, 'plots/a b#1.json')),
    '{"a":1}',
  );
  const out = await store.downloadArtifact(
    runId,
    'checkpoint',
    join(dir, 'out'),
  );
  assert.equal(out, join(dir, 'out', 'checkpoint'));
  assert.equal(readFileSync(join(out, 'sub', 'w.bin')).length, 3000);
  assert.ok(existsSync(join(out, 'manifest.json')));
  const one = await store.downloadArtifact(
    runId,
    'tables/table.md',
    join(dir, 'o2'),
  );
  assert.equal(readFileSync(one, 'utf8'), '| a |');
  await assert.rejects(
    store.readArtifact(runId, 'nope.txt'),
    (e: TrackingError) => e.code === 'RESOURCE_DOES_NOT_EXIST',
  );
  await assert.rejects(
    store.logArtifactBytes(runId, '../x', bytes('')),
    /relative/,
  );
});

test('credentials: a bearer token or HTTP Basic from the environment', async (t) => {
  const { openRestStore } = await import('./open-store');
  const token = await startServer(t, { authorization: 'Bearer s3cret' });
  const noAuth = restStore(token);
  await assert.rejects(
    noAuth.getExperiment('0'),
    (e: TrackingError) => e.code === 'UNAUTHENTICATED' && e.httpStatus === 401,
  );
  const withToken = openRestStore(
    token.uri,
    { MLFLOW_TRACKING_TOKEN: 's3cret' },
    { proxy: false },
  );
  assert.equal((await withToken.getExperiment('0')).name, 'Default');

  const basic = await startServer(t, {
    authorization: `Basic ${Buffer.from('ada:pw').toString('base64')}`,
  });
  const withBasic = openRestStore(
    basic.uri,
    { MLFLOW_TRACKING_USERNAME: 'ada', MLFLOW_TRACKING_PASSWORD: 'pw' },
    { proxy: false },
  );
  assert.equal((await withBasic.getExperiment('0')).name, 'Default');
  assert.throws(
    () => openRestStore(basic.uri, { MLFLOW_TRACKING_USERNAME: 'ada' }),
    /set both MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD/,
  );
});

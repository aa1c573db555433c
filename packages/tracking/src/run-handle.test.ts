import assert from 'node:assert/strict';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { TrackingError } from './errors';
import { FileStore } from './file-store';
import { endOpenRuns, openRunIds } from './open-runs';
import { resumeRun, startRun, withRun } from './run-handle';
import type { LogBatchRequest, TrackingStore } from './types';

async function openTemp(t: TestContext): Promise<FileStore> {
  const dir = mkdtempSync(join(tmpdir(), 'acsm-run-handle-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return FileStore.open(join(dir, 'mlruns'));
}

/** A store whose logBatch fails with `errors`, one per call, first. */
function failingStore(
  inner: TrackingStore,
  errors: Error[],
): TrackingStore & { batches: LogBatchRequest[] } {
  const batches: LogBatchRequest[] = [];
  return Object.assign(Object.create(inner) as TrackingStore, {
    batches,
    async logBatch(runId: string, batch: LogBatchRequest) {
      const e = errors.shift();
      if (e) throw e;
      batches.push(batch);
      return inner.logBatch(runId, batch);
    },
  });
}

test('a run logs params, metrics, tags and ends FINISHED', async (t) => {
  const store = await openTemp(t);
  const run = await startRun(store, {
    experimentName: 'table1',
    runName: 'cell-1',
    tags: { 'acsm.config_hash': 'h1' },
    flushIntervalMs: 0,
  });
  assert.match(run.runId, /^[0-9a-f]{32}$/);
  assert.deepEqual(openRunIds(), [run.runId]);
  run.logParams({ noise: { sigmaMax: 50, numLevels: 10 }, seed: 1 });
  run.logParams({ seed: 1 });
  run.logMetric('loss', 2, 0);
  run.logMetrics({ loss: 1, 'eval/fid': NaN }, 1);
  run.setTags({ 'acsm.stage': 'sample' });
  await run.logArtifactBytes('config.json', new TextEncoder().encode('{}'));
  await run.end();
  assert.deepEqual(openRunIds(), []);

  const saved = await store.getRun(run.runId);
  assert.equal(saved.info.status, 'FINISHED');
  assert.ok(saved.info.endTime !== null);
  assert.deepEqual(saved.data.params, {
    'noise.sigmaMax': '50',
    'noise.numLevels': '10',
    seed: '1',
  });
  assert.deepEqual(saved.data.metrics, { loss: 1, 'eval/fid': NaN });
  assert.equal(saved.data.tags['acsm.stage'], 'sample');
  assert.equal(saved.data.tags['acsm.config_hash'], 'h1');
  assert.equal(saved.data.tags['mlflow.runName'], 'cell-1');
  assert.ok(saved.data.tags['mlflow.user']);
  assert.deepEqual(await store.listArtifacts(run.runId), [
    { path: 'config.json', isDir: false, fileSize: 2 },
  ]);
  assert.throws(() => run.logMetric('loss', 0), /has ended/);
  await run.end('FAILED');
  assert.equal((await store.getRun(run.runId)).info.status, 'FINISHED');
});

test('a changed param throws at the call, before anything is logged', async (t) => {
  const store = await openTemp(t);
  const run = await startRun(store, { flushIntervalMs: 0 });
  run.logParams({ lr: 0.01 });
  assert.throws(
    () => run.logParams({ a: 1, lr: 0.1 }),
    /param 'lr' .* logged as '0.01'; changing it to '0.1' is not allowed/,
  );
  assert.throws(() => run.logParams({ 'bad//key': 1 }), /'bad\/\/key'/);
  assert.throws(
    () => run.logParams({ long: 'x'.repeat(6001) }),
    /param 'long' has a value of 6001 chars/,
  );
  assert.throws(() => run.logMetric('a/', 1), /metric key 'a\/'/);
  assert.throws(() => run.logMetric('m', 1, 0.5), /integer step/);
  assert.throws(
    () => run.setTags({ t: 'x'.repeat(8001) }),
    /tag 't' has a value of 8001 chars/,
  );
  await run.end();
  assert.deepEqual((await store.getRun(run.runId)).data.params, { lr: '0.01' });
});

test('withRun ends FAILED and rethrows when the body throws', async (t) => {
  const store = await openTemp(t);
  let runId = '';
  await assert.rejects(
    withRun(store, { flushIntervalMs: 0 }, async (run) => {
      runId = run.runId;
      run.logMetric('loss', 3);
      throw new Error('boom');
    }),
    /boom/,
  );
  const run = await store.getRun(runId);
  assert.equal(run.info.status, 'FAILED');
  assert.equal(run.data.metrics.loss, 3, 'buffered data is flushed');
  const value = await withRun(store, {}, async () => 7);
  assert.equal(value, 7);
  const all = await store.searchRuns({ experimentIds: ['0'] });
  assert.deepEqual(all.runs.map((r) => r.info.status).sort(), [
    'FAILED',
    'FINISHED',
  ]);
});

test('endOpenRuns ends every open run KILLED', async (t) => {
  const store = await openTemp(t);
  const a = await startRun(store, { flushIntervalMs: 0 });
  const b = await startRun(store, { flushIntervalMs: 0 });
  a.logMetric('loss', 1);
  const body = withRun(store, { flushIntervalMs: 0 }, async (run) => {
    await endOpenRuns('KILLED');
    return run.runId;
  });
  const c = await body;
  for (const id of [a.runId, b.runId, c]) {
    assert.equal((await store.getRun(id)).info.status, 'KILLED');
  }
  assert.equal((await store.getRun(a.runId)).data.metrics.loss, 1);
  assert.deepEqual(openRunIds(), []);
});

test('buffered metrics go out in batches within MLflow limits', async (t) => {
  const inner = await openTemp(t);
  const store = failingStore(inner, []);
  const run = await startRun(store, {
    flushIntervalMs: 0,
    maxBufferedMetrics: 100000,
  });
  const params = Object.fromEntries(
    Array.from({ length: 150 }, (_, i) => [`p${i}`, i]),
  );
  run.logParams(params);
  for (let step = 0; step < 2500; step += 1) run.logMetric('loss', step, step);
  await run.end();
  for (const b of store.batches) {
    const n = (b.metrics?.length ?? 0) + (b.params?.length ?? 0);
    assert.ok((b.metrics?.length ?? 0) <= 1000 && n <= 1000);
    assert.ok((b.params?.length ?? 0) <= 100);
  }
  const history = await inner.getMetricHistory(run.runId, 'loss');
  assert.deepEqual(
    history.map((m) => m.step),
    Array.from({ length: 2500 }, (_, i) => i),
  );
  const saved = await inner.getRun(run.runId);
  assert.equal(Object.keys(saved.data.params).length, 150);
});

test('a transient failure keeps the data for the next flush', async (t) => {
  const inner = await openTemp(t);
  const store = failingStore(inner, [new Error('server down')]);
  const run = await startRun(store, { flushIntervalMs: 0 });
  run.logMetric('loss', 1, 0);
  await assert.rejects(run.flush(), /server down/);
  run.logMetric('loss', 2, 1);
  await run.flush();
  const history = await inner.getMetricHistory(run.runId, 'loss');
  assert.deepEqual(
    history.map((m) => m.value),
    [1, 2],
  );
  await run.end();
});

test('a refused batch is dropped and reported at end', async (t) => {
  const inner = await openTemp(t);
  const refusal = new TrackingError('INVALID_PARAMETER_VALUE', 'refused');
  const store = failingStore(inner, [refusal]);
  const run = await startRun(store, { flushIntervalMs: 0 });
  run.logMetric('loss', 1);
  await assert.rejects(run.end(), /refused/);
  const saved = await inner.getRun(run.runId);
  assert.equal(saved.info.status, 'FINISHED');
  assert.deepEqual(saved.data.metrics, {});

  const again = await startRun(failingStore(inner, [refusal]), {
    flushIntervalMs: 0,
  });
  again.logParams({ lr: 1 });
  await new Promise((r) => setTimeout(r, 50));
  await assert.rejects(again.end(), /refused/, 'a background refusal');
});

test('the periodic flush writes without an explicit flush', async (t) => {
  const store = await openTemp(t);
  const run = await startRun(store, { flushIntervalMs: 20 });
  t.after(() => run.end('KILLED'));
  run.logMetric('loss', 5);
  const dir = join(store.root, '0', run.runId, 'metrics');
  const written = () =>
    existsSync(join(dir, 'loss')) &&
    readFileSync(join(dir, 'loss'), 'utf8').endsWith('\n');
  const deadline = Date.now() + 10_000;
  while (!written() && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.match(readFileSync(join(dir, 'loss'), 'utf8'), /^\d+ 5 0\n$/);
  await run.end('KILLED');
  assert.deepEqual(readdirSync(dir), ['loss']);
});

test('resumeRun reopens a run and keeps its params immutable', async (t) => {
  const store = await openTemp(t);
  const first = await startRun(store, { flushIntervalMs: 0 });
  first.logParams({ lr: 0.01 });
  await first.end('KILLED');
  const again = await resumeRun(store, first.runId, { flushIntervalMs: 0 });
  assert.equal((await store.getRun(first.runId)).info.status, 'RUNNING');
  again.logParams({ lr: 0.01 });
  assert.throws(() => again.logParams({ lr: 1 }), /changing it to '1'/);
  await again.end();
  assert.equal((await store.getRun(first.runId)).info.status, 'FINISHED');
});

test('startRun takes an experiment by id or name, not both', async (t) => {
  const store = await openTemp(t);
  await assert.rejects(
    startRun(store, { experimentId: '0', experimentName: 'x' }),
    /not both/,
  );
  const exp = await store.getOrCreateExperiment('by-id');
  await withRun(store, { experimentId: exp.experimentId }, async (run) => {
    assert.equal(run.experimentId, exp.experimentId);
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ServerUnavailableError, TrackingError } from './errors';
import {
  DEFAULT_RETRY,
  backoffMs,
  isRetryableAnswer,
  parseRetryAfter,
  retryOptionsFromEnv,
  retryPolicy,
} from './http-retry';
import { restStore, startServer } from './testing/fixtures';

test('backoff follows MLflow: none, then factor·2^(n−1), capped, plus jitter', () => {
  const none = () => 0;
  const waits = [1, 2, 3, 4, 5, 6, 7].map((n) =>
    backoffMs(n, DEFAULT_RETRY, none),
  );
  assert.deepEqual(waits, [0, 4000, 8000, 16000, 32000, 64000, 120000]);
  // MLflow's comment: about four minutes in all, inside the deadline.
  const total = waits.reduce((a, b) => a + b, 0);
  assert.ok(total > 230_000 && total < DEFAULT_RETRY.deadlineMs);
  const jittered = backoffMs(2, DEFAULT_RETRY, () => 0.999);
  assert.ok(jittered >= 4000 && jittered < 5000);
});

test('Retry-After: seconds or an HTTP date', () => {
  assert.equal(parseRetryAfter('3'), 3000);
  assert.equal(parseRetryAfter(undefined), null);
  assert.equal(parseRetryAfter('soon'), null);
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now), 5000);
  assert.equal(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now), 0);
});

test('which answers are retried', () => {
  for (const s of [408, 429, 502, 503, 504])
    assert.ok(isRetryableAnswer(s, undefined, ''));
  assert.ok(isRetryableAnswer(500, 'INTERNAL_ERROR', 'database is locked'));
  for (const s of [400, 401, 403, 404, 409, 413])
    assert.ok(!isRetryableAnswer(s, undefined, ''));
  // The file store's 500s that the same request always gets.
  assert.ok(
    !isRetryableAnswer(
      500,
      'INTERNAL_ERROR',
      'Changing param values is not allowed. Params…',
    ),
  );
  assert.ok(!isRetryableAnswer(500, 'INVALID_STATE', 'experiment is deleted'));
});

test('retry settings from MLflow variables, in seconds', () => {
  const o = retryOptionsFromEnv({
    MLFLOW_HTTP_REQUEST_MAX_RETRIES: '3',
    MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '0.5',
    MLFLOW_HTTP_REQUEST_TIMEOUT: '10',
    ACSM_TRACKING_RETRY_DEADLINE: '60',
  });
  assert.deepEqual(retryPolicy(o), {
    ...DEFAULT_RETRY,
    maxRetries: 3,
    backoffFactorMs: 500,
    timeoutMs: 10_000,
    deadlineMs: 60_000,
  });
  assert.throws(
    () => retryOptionsFromEnv({ MLFLOW_HTTP_REQUEST_TIMEOUT: 'x' }),
    /≥ 0/,
  );
});

test('connection resets are retried; a retried batch stores each point once', async (t) => {
  const server = await startServer(t);
  const store = restStore(server);
  const { runId } = await store.createRun({ experimentId: '0' });
  server.fail({ kind: 'reset', match: 'log-batch' });
  server.fail({ kind: 'reset-after-apply', match: 'log-batch', times: 2 });
  const metrics = Array.from({ length: 50 }, (_, i) => ({
    key: 'loss',
    value: i,
    timestamp: 10 + i,
    step: i,
  }));
  await store.logBatch(runId, { metrics });
  assert.equal(server.calls('runs/log-batch').length, 4);
  assert.equal(server.state.history(runId, 'loss').length, 50);
});

test('503 with Retry-After is honoured', async (t) => {
  const server = await startServer(t);
  const store = restStore(server);
  server.fail({
    kind: 'status',
    status: 503,
    retryAfter: 1,
    match: 'experiments/get',
  });
  const start = Date.now();
  assert.equal((await store.getExperiment('0')).name, 'Default');
  const waited = Date.now() - start;
  assert.ok(waited >= 950, `waited only ${waited} ms`);
  assert.equal(server.calls('experiments/get').length, 2);
});

test('a slow answer times out and is retried', async (t) => {
  const server = await startServer(t);
  const store = restStore(server, { retry: { timeoutMs: 300 } });
  server.fail({ kind: 'delay', ms: 1000, match: 'experiments/get' });
  assert.equal((await store.getExperiment('0')).name, 'Default');
  assert.ok(server.calls('experiments/get').length >= 2);
});

test('answers that will not change are not retried', async (t) => {
  const server = await startServer(t);
  const store = restStore(server);
  await assert.rejects(store.getRun('a'.repeat(32)), TrackingError);
  assert.equal(server.calls('runs/get').length, 1);
  server.fail({
    kind: 'status',
    status: 500,
    errorCode: 'INTERNAL_ERROR',
    message:
      "Changing param values is not allowed. Param with key='lr' was already logged",
    match: 'log-batch',
    times: 5,
  });
  const { runId } = await store.createRun({ experimentId: '0' });
  await assert.rejects(
    store.logBatch(runId, { params: [{ key: 'lr', value: '1' }] }),
    (e: TrackingError) =>
      !(e instanceof ServerUnavailableError) &&
      e.httpStatus === 500 &&
      e.code === 'INTERNAL_ERROR',
  );
  assert.equal(server.calls('runs/log-batch').length, 1);
  server.fail({ kind: 'status', status: 429, match: 'runs/get' });
  await store.getRun(runId);
  assert.equal(server.calls('runs/get').length, 3);
});

test('a dead server fails within the deadline as ServerUnavailableError', async (t) => {
  const server = await startServer(t);
  const store = restStore(server, {
    retry: { maxRetries: 100, backoffFactorMs: 20, deadlineMs: 400 },
  });
  await server.stop();
  const start = Date.now();
  await assert.rejects(
    store.getExperiment('0'),
    (e: TrackingError) =>
      e instanceof ServerUnavailableError && /ECONNREFUSED/.test(e.message),
  );
  const took = Date.now() - start;
  assert.ok(took < 1500, `took ${took} ms`);

  // A Retry-After beyond the deadline gives up at once.
  await server.restart();
  server.fail({
    kind: 'status',
    status: 503,
    retryAfter: 60,
    match: 'experiments/get',
  });
  const t0 = Date.now();
  await assert.rejects(store.getExperiment('0'), ServerUnavailableError);
  assert.ok(Date.now() - t0 < 1000);
  assert.equal(server.calls('experiments/get').length, 1);
});

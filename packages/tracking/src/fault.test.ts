// The fault test of issue 4: a run logs 20 000 metric points while the
// tracking server is killed and restarted twice; after `acsm sync` the
// server holds every point exactly once.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { FallbackStore } from './fallback-store';
import { FileStore } from './file-store';
import { openStore } from './open-store';
import { startRun } from './run-handle';
import { syncToServer } from './sync';
import { restStore, startServer, tempDir } from './testing/fixtures';

const POINTS = 20_000;

test('20 000 points, server killed and restarted twice: none lost, none twice', async (t) => {
  const server = await startServer(t);
  const dir = join(tempDir(t), 'mlruns');
  const messages: string[] = [];
  const store = await openStore(server.uri, {
    env: { ACSM_OFFLINE_DIR: dir },
    notify: (m) => messages.push(m),
    remindAtExit: false,
    rest: {
      proxy: false,
      // Outages under ~1 s are ridden out; longer ones switch to local.
      retry: {
        maxRetries: 12,
        backoffFactorMs: 10,
        backoffJitterMs: 10,
        maxBackoffMs: 150,
        timeoutMs: 1000,
        deadlineMs: 1200,
      },
    },
  });
  const run = await startRun(store, {
    experimentName: 'fault',
    flushIntervalMs: 0,
    maxBufferedMetrics: 100,
  });
  run.logParams({ seed: 7 });

  let restarted: Promise<void> = Promise.resolve();
  for (let step = 0; step < POINTS; step += 1) {
    run.logMetric('loss', Math.sin(step), step);
    if (step === 3000) {
      // A batch the server applies but whose answer is lost.
      server.fail({ kind: 'reset-after-apply', match: 'log-batch' });
    }
    if (step === 6000) {
      // Kill 1: back after 200 ms, within the retry budget.
      await server.stop();
      restarted = new Promise((r) => setTimeout(r, 200)).then(() =>
        server.restart(),
      );
    }
    if (step === 12_000) {
      // Kill 2: down for good while the run goes on…
      await restarted;
      await server.stop();
    }
    if (step === 16_000) await server.restart(); // …and back later.
    if (step % 100 === 99) await run.flush();
  }
  await run.end();

  assert.equal((store as FallbackStore).isOffline, true);
  assert.equal(messages.length, 1);
  assert.match(messages[0], /acsm sync/);
  assert.ok(server.state.duplicatesIgnored >= 1, 'a retried batch was sent');
  const before = server.state.history(run.runId, 'loss').length;
  assert.ok(before >= 12_000 && before < POINTS, `server had ${before}`);

  const local = await FileStore.open(dir);
  const report = await syncToServer(local, restStore(server));
  assert.deepEqual(report.failures, []);
  assert.equal(report.runs[0].remoteRunId, run.runId);
  assert.equal(report.runs[0].metrics, POINTS - before);

  const stored = server.state.history(run.runId, 'loss');
  assert.equal(stored.length, POINTS);
  const steps = new Set(stored.map((m) => m.step));
  assert.equal(steps.size, POINTS);
  assert.ok(stored.every((m) => m.value === Math.sin(m.step)));
  const remote = await restStore(server).getRun(run.runId);
  assert.equal(remote.info.status, 'FINISHED');
  assert.deepEqual(remote.data.params, { seed: '7' });

  const again = await syncToServer(local, restStore(server));
  assert.equal(again.runs[0].metrics, 0);
  assert.equal(server.state.history(run.runId, 'loss').length, POINTS);
});

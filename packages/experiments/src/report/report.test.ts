import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStore, startRun } from '@acsm/tracking';
import { runsReport } from './report';

test('runsReport: a run’s SVG figures inline, never one with a script', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'acsm-report-'));
  try {
    const store = await FileStore.open(join(dir, 'mlruns'));
    const exp = await store.getOrCreateExperiment('figure3');
    const run = await startRun(store, {
      experimentId: exp.experimentId,
      runName: 'figure3 (smoke)',
      tags: { 'acsm.kind': 'figure' },
    });
    const bytes = (text: string) => new TextEncoder().encode(text);
    const safe =
      '<svg xmlns="http://www.w3.org/2000/svg"><rect id="ok"/></svg>';
    const bad = '<svg><script>alert(1)</script></svg>';
    await run.logArtifactBytes('figure3.svg', bytes(safe));
    await run.logArtifactBytes('evil.svg', bytes(bad));
    await run.end('FINISHED');
    const html = await runsReport(store, [await store.getRun(run.info.runId)]);
    assert.ok(html.includes('<rect id="ok"/>'));
    assert.match(html, /<figcaption>figure3\.svg<\/figcaption>/);
    assert.ok(!html.includes('alert(1)'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

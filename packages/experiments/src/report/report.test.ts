import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStore, type Run, startRun } from '@acsm/tracking';
import type { TableRow } from '../table';
import { runsReport, tableReport } from './report';

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

test('tableReport: the table’s notes under it, every cell’s config', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'acsm-report-'));
  try {
    const store = await FileStore.open(join(dir, 'mlruns'));
    const exp = await store.getOrCreateExperiment('table2');
    const cells = ['dsm/als/n1', 'dsm/cas/n1'];
    const runs: Run[] = [];
    for (const [i, cell] of cells.entries()) {
      const run = await startRun(store, {
        experimentId: exp.experimentId,
        runName: cell,
        tags: { 'acsm.kind': 'cell', 'acsm.cell': cell },
      });
      await run.logParams({ 'sampling.stepSize': String(i + 1) });
      await run.end('FINISHED');
      runs.push(await store.getRun(run.info.runId));
    }
    const rows: TableRow[] = cells.flatMap((cell, i) =>
      ['raw', 'denoised'].map((output) => ({
        cell: `${cell}/${output}`,
        training: 'dsm',
        sampler: cell.split('/')[1],
        stepsPerLevel: 1,
        stepSize: i + 1,
        output,
        metric: 'fid_mnist_classifier',
        value: 10 + i,
        numSamples: 100,
        reference: null,
        referenceSource: 'none',
        runId: runs[i].info.runId,
      })),
    );
    const html = await tableReport(store, {
      title: 'T',
      notes: [],
      rows,
      runs: rows.map((_, i) => runs[Math.floor(i / 2)]),
      tableNotes: ['Metric: FID <of> digits.', 'Schedule: 10 levels.'],
    });
    const notes = html.indexOf('<ul class="note table-notes">');
    assert.ok(notes > html.indexOf('</table>'), 'notes under the table');
    assert.ok(notes < html.indexOf('<h2>Training</h2>'));
    assert.ok(html.includes('<li>Metric: FID &lt;of&gt; digits.</li>'));
    assert.ok(html.includes('<li>Schedule: 10 levels.</li>'));
    const details = html.match(/<summary>cell [^<]*:/g);
    assert.deepEqual(details, [
      '<summary>cell dsm/als/n1:',
      '<summary>cell dsm/cas/n1:',
    ]);
    assert.match(html, /<code>sampling\.stepSize<\/code><\/td><td>2</);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

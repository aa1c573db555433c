import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdtempSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Run, startRun } from '@acsm/tracking';
import { table2 } from '../definitions/table2';
import { imageGridPng } from '../grid';
import type { TableRow } from '../table';
import { resolveCells } from '../runner/resolve';
import { runsReport, tableReport } from './report';

// The report pages opened in headless Chromium (Debian's `chromium`,
// driven by playwright-core): no console errors, every image decoded,
// every plot drawn, a screenshot written. Skipped where Chromium is not
// installed (CI installs it).
const CHROMIUM = process.env.ACSM_CHROMIUM ?? '/usr/bin/chromium';
const playwright = await import('playwright-core').catch(() => null);
const skip = !existsSync(CHROMIUM)
  ? `no Chromium at ${CHROMIUM} (apt-get install chromium, or set ACSM_CHROMIUM)`
  : !playwright
    ? 'playwright-core is not installed'
    : false;

/** A store with one trained model's loss curve and two cells with grids. */
async function fakeTable(dir: string) {
  const store = await openStore(join(dir, 'mlruns'));
  const exp = await store.getOrCreateExperiment('table2');
  const cells = resolveCells(table2, 'smoke', {});
  const train = await startRun(store, {
    experimentId: exp.experimentId,
    runName: 'train dsm',
    tags: { 'acsm.kind': 'train', 'acsm.training': 'dsm' },
  });
  for (let step = 10; step <= 200; step += 10) {
    train.logMetrics({ dsm_loss: 400 / step + 5 }, step);
  }
  await train.end('FINISHED');
  const runs: Run[] = [];
  for (const [i, cell] of cells.slice(0, 2).entries()) {
    const run = await startRun(store, {
      experimentId: exp.experimentId,
      runName: cell.spec.id,
      tags: {
        'acsm.kind': 'cell',
        'acsm.cell': cell.spec.id,
        'acsm.config_hash': cell.hash,
        'acsm.training_run_id': train.info.runId,
      },
    });
    run.logMetrics({ fid_mnist_classifier: 40 + i, n_samples: 150 });
    const pixels = Float32Array.from(
      { length: 16 * 28 * 28 },
      (_, j) => ((j * 7919 + i) % 255) / 255,
    );
    for (const output of ['raw', 'denoised']) {
      await run.logArtifactBytes(
        `samples_${output}.png`,
        imageGridPng(pixels, [16, 28, 28, 1], { columns: 4 }),
      );
    }
    await run.end('FINISHED');
    runs.push(await store.getRun(run.info.runId));
  }
  const rows: TableRow[] = cells.map((c, i) => ({
    cell: c.spec.id,
    training: c.spec.training,
    sampler: c.spec.sampler.sampler,
    stepsPerLevel: c.spec.sampler.stepsPerLevel,
    stepSize: c.config.sampling.stepSize,
    output: c.spec.output,
    metric: c.config.eval.metric,
    value: runs[i]?.data.metrics.fid_mnist_classifier ?? null,
    numSamples: 150,
    reference: i === 0 ? 30 : null,
    referenceSource: i === 0 ? 'a test value' : 'none',
    runId: runs[i]?.info.runId ?? '',
  }));
  const table = await tableReport(store, {
    title: 'table2 (test)',
    notes: ['a note'],
    rows,
    runs: cells.map((_, i) => runs[i]),
  });
  const chosen = await runsReport(store, [
    await store.getRun(train.info.runId),
    runs[0],
  ]);
  return { table, chosen };
}

test('report pages render in headless Chromium', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'acsm-report-'));
  const browser = await playwright!.chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox'],
  });
  try {
    const pages = await fakeTable(dir);
    for (const [name, html] of Object.entries(pages)) {
      const file = join(dir, `${name}.html`);
      writeFileSync(file, html);
      const page = await browser.newPage({
        viewport: { width: 1200, height: 900 },
      });
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(e.message));
      page.on('request', (r) => {
        if (!/^(file|data):/.test(r.url())) problems.push(`fetched ${r.url()}`);
      });
      await page.goto(`file://${file}`, { waitUntil: 'load' });
      const images = await page.$$eval('img', (all) =>
        all.map((i) => ({ ok: i.complete, w: i.naturalWidth })),
      );
      assert.ok(images.length >= 2, `${name}: ${images.length} images`);
      for (const image of images) assert.ok(image.ok && image.w > 0, name);
      const plots = await page.$$eval('svg path', (all) =>
        all.map(
          (p) =>
            (p as unknown as { getBBox(): { width: number } }).getBBox().width,
        ),
      );
      assert.ok(
        plots.length >= 1 && plots.every((w) => w > 0),
        `${name} plots`,
      );
      const shot = join(dir, `${name}.png`);
      await page.screenshot({ path: shot, fullPage: true });
      assert.ok(statSync(shot).size > 10_000, `${name} screenshot`);
      assert.deepEqual(problems, [], name);
      await page.close();
    }
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

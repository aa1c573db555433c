import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, startRun } from '@acsm/tracking';
import { tableMarkdown, type TableRow } from '../table';
import { runAcsm } from './testing';

// `acsm report <target>` on a store that holds one logged table: no
// training, a table run and one cell run written here.
const acsm = (args: string[], uri: string) =>
  runAcsm(args, { env: { ...process.env, MLFLOW_TRACKING_URI: uri } });

/** A table2 smoke table of one cell, as run-table logs it. */
async function loggedTable(uri: string, notes: string[]) {
  const store = await openStore(uri);
  const exp = await store.getOrCreateExperiment('table2');
  const cell = await startRun(store, {
    experimentId: exp.experimentId,
    runName: 'dsm/cas/n1',
    tags: { 'acsm.kind': 'cell', 'acsm.cell': 'dsm/cas/n1' },
  });
  cell.logParams({ 'sampling.stepSize': 2e-5 });
  await cell.end('FINISHED');
  const row: TableRow = {
    cell: 'dsm/cas/n1/raw',
    training: 'dsm',
    sampler: 'cas',
    stepsPerLevel: 1,
    stepSize: 2e-5,
    output: 'raw',
    metric: 'fid_mnist_classifier',
    value: 12.5,
    numSamples: 100,
    reference: null,
    referenceSource: 'none',
    runId: cell.info.runId,
  };
  const table = await startRun(store, {
    experimentId: exp.experimentId,
    runName: 'table2 table (smoke)',
    tags: {
      'acsm.kind': 'table',
      'acsm.profile': 'smoke',
      'acsm.variant': 'none',
    },
  });
  const bytes = (text: string) => new TextEncoder().encode(text);
  const md = tableMarkdown('table2 (profile smoke)', [row], notes);
  await table.logArtifactBytes('table.md', bytes(md));
  await table.logArtifactBytes('table.json', bytes(JSON.stringify([row])));
  await table.end('FINISHED');
}

test('acsm report table2: the notes of table.md and the cell’s params', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'acsm-report-cli-'));
  try {
    const uri = join(dir, 'mlruns');
    const notes = ['Metric: FID of digits.', 'Schedule: 10 levels.'];
    await loggedTable(uri, notes);
    const out = join(dir, 'new', 'r.html'); // the file's folder is made
    const r = acsm(
      ['report', 'table2', '--profile', 'smoke', '--out', out],
      uri,
    );
    assert.equal(r.code, 0, r.err);
    const html = readFileSync(out, 'utf8');
    for (const note of notes) assert.ok(html.includes(`<li>${note}</li>`));
    assert.match(html, /<summary>cell dsm\/cas\/n1: config \(params\)/);
    assert.match(html, /<code>sampling\.stepSize<\/code><\/td><td>0\.00002</);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('acsm report: what to name; --out two missing folders deep', () => {
  const dir = mkdtempSync(join(tmpdir(), 'acsm-report-cli-'));
  try {
    const uri = join(dir, 'mlruns');
    const none = acsm(['report'], uri);
    assert.equal(none.code, 2);
    assert.match(
      none.err,
      /^acsm: name what to report: a target \(table1, table2, .*toy\) or run ids/,
    );
    const deep = join(dir, 'a', 'b', 'r.html');
    const r = acsm(['report', 'table2', '--out', deep], uri);
    assert.equal(r.code, 2);
    assert.equal(
      r.err.trim(),
      `acsm: --out ${deep}: folder ${join(dir, 'a')} does not exist ` +
        "(acsm creates only the file's own folder)",
    );
    assert.ok(!existsSync(join(dir, 'a')), 'nothing created');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('acsm run --dry-run: references to 4 significant digits', () => {
  const r = acsm(
    ['run', 'table2', '--profile=paper', '--dry-run'],
    join(tmpdir(), 'acsm-unused-mlruns'),
  );
  assert.equal(r.code, 0, r.err);
  const refs = [...r.out.matchAll(/, reference ([^,]+),/g)].map((m) => m[1]);
  assert.ok(refs.length > 0, r.out);
  for (const ref of refs)
    assert.match(ref, /^(none|\d\.\d{3}|\d\d\.\d\d|\d{3}\.\d)$/);
  assert.ok(refs.includes('14.28'), refs.join(' '));
});

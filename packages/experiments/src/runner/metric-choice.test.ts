import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { FID_INCEPTION_FILE, FID_INCEPTION_URL, WEIGHTS_ENV } from '@acsm/eval';
import { ConfigError } from '../config';
import { table1 } from '../definitions/table1';
import { table2 } from '../definitions/table2';
import { table3 } from '../definitions/table3';
import type { CellResult } from './cells-phase';
import {
  inceptionWeightsProblem,
  inceptionWeightsStatus,
  localInceptionWeights,
} from './metric-choice';

const SHA_ENV = 'ACSM_INCEPTION_SHA256';
import { planText } from './plan';
import { type Evaluator, withBeside } from './prepare';
import { resolveCells } from './resolve';
import { metricNotes, networkNote, rowOf } from './run-table';

const found = () => ({ source: 'cache' as const, path: 'w.json' });
const none = () => null;

test('fid_auto: Inception with the weights, the classifier without', () => {
  const withWeights = resolveCells(
    table2,
    'cpu',
    {},
    { inceptionWeights: found },
  );
  const without = resolveCells(table2, 'cpu', {}, { inceptionWeights: none });
  assert.equal(withWeights.length, 16);
  for (const c of withWeights) {
    assert.equal(c.config.eval.metric, 'fid_inception');
    assert.match(
      c.metricReason,
      /fid_auto: FID Inception weights found \(w\.json\)/,
    );
  }
  for (const c of without) {
    assert.equal(c.config.eval.metric, 'fid_mnist_classifier');
    assert.match(c.metricReason, /no FID Inception weights/);
  }
  // The concrete metric is part of the hash; training is not affected.
  assert.notEqual(withWeights[0].hash, without[0].hash);
  assert.equal(withWeights[0].trainingHash, without[0].trainingHash);
  // table1 shares table2's DSM cells, whichever the metric.
  const t1 = resolveCells(table1, 'cpu', {}, { inceptionWeights: found });
  const shared = new Set(withWeights.map((c) => c.hash));
  assert.ok(t1.every((c) => shared.has(c.hash)));
});

test('fid_auto: an explicit metric, smoke and table3 are kept', () => {
  let asked = 0;
  const counting = () => (asked++, found());
  const forced = resolveCells(
    table2,
    'cpu',
    { 'eval.metric': 'fid_mnist_classifier' },
    { inceptionWeights: counting },
  );
  assert.ok(
    forced.every((c) => c.config.eval.metric === 'fid_mnist_classifier'),
  );
  assert.equal(forced[0].metricReason, 'eval.metric = fid_mnist_classifier');
  const smoke = resolveCells(
    table2,
    'smoke',
    {},
    { inceptionWeights: counting },
  );
  assert.ok(
    smoke.every((c) => c.config.eval.metric === 'fid_mnist_classifier'),
  );
  const modes = resolveCells(table3, 'cpu', {}, { inceptionWeights: counting });
  assert.ok(modes.every((c) => c.config.eval.metric === 'stacked_mnist_modes'));
  assert.equal(asked, 0, 'the weights are looked for only for fid_auto');
  // Asked once per resolution, not once per cell.
  resolveCells(table2, 'cpu', {}, { inceptionWeights: counting });
  assert.equal(asked, 1);
  // Only the Inception measures CIFAR-10: no fallback to the classifier.
  const cifar = resolveCells(
    table2,
    'cpu',
    { 'data.dataset': 'cifar10', 'eval.metric': 'fid_auto' },
    { inceptionWeights: none },
  );
  assert.ok(cifar.every((c) => c.config.eval.metric === 'fid_inception'));
});

test('the dry run says which metric, why, and the Inception work', () => {
  const text = planText(
    resolveCells(table2, 'cpu', {}, { inceptionWeights: found }),
  );
  assert.match(
    text,
    /metric: eval\.metric = fid_auto: FID Inception weights found/,
  );
  // 16 cells × 200 samples; the reference is the MNIST training split.
  assert.match(
    text,
    /Inception passes: 3,200 samples and [\d,]+ training images/,
  );
  const plain = planText(
    resolveCells(table2, 'cpu', {}, { inceptionWeights: none }),
  );
  assert.doesNotMatch(plain, /Inception passes/);
});

test('localInceptionWeights: the shared cache folder, the hash checked', () => {
  const dir = mkdtempSync(join(tmpdir(), 'acsm-metric-choice-'));
  const saved = [process.env[WEIGHTS_ENV], process.env[SHA_ENV]];
  delete process.env[WEIGHTS_ENV];
  delete process.env[SHA_ENV];
  try {
    assert.equal(localInceptionWeights(dir), null);
    mkdirSync(join(dir, 'inception'));
    const pth = join(dir, 'inception', FID_INCEPTION_FILE);
    writeFileSync(pth, 'abc');
    // Not the published file: an error that says how to get it, exit 2.
    assert.throws(
      () => localInceptionWeights(dir),
      (e: Error) =>
        e instanceof ConfigError &&
        /has SHA-256 ba7816bf.*not the FID Inception weights/.test(e.message) &&
        e.message.includes(FID_INCEPTION_URL),
    );
    // Other weights named by their SHA-256 are accepted.
    process.env[SHA_ENV] = createHash('sha256').update('abc').digest('hex');
    assert.deepEqual(localInceptionWeights(dir), {
      source: 'checkpoint',
      path: pth,
    });
    process.env[WEIGHTS_ENV] = join(dir, 'missing.pth');
    assert.throws(
      () => localInceptionWeights(dir),
      /missing\.pth not found \(named by ACSM_INCEPTION_WEIGHTS/,
    );
  } finally {
    restore(WEIGHTS_ENV, saved[0]);
    restore(SHA_ENV, saved[1]);
    rmSync(dir, { recursive: true, force: true });
  }
});

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

test('the weights: dry-run line and preflight problem', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'acsm-metric-choice-'));
  const saved = process.env[WEIGHTS_ENV];
  delete process.env[WEIGHTS_ENV];
  try {
    const plain = resolveCells(table2, 'cpu', {}, { inceptionWeights: none });
    assert.equal(inceptionWeightsStatus(plain, dir), null);
    const paper = resolveCells(table2, 'paper', {});
    assert.match(
      inceptionWeightsStatus(paper, dir)!,
      /^FID Inception weights: not on this machine; a run downloads them/,
    );
    let loads = 0;
    const ok = async () => (loads++, { dispose() {} });
    assert.equal(await inceptionWeightsProblem(plain, dir, ok), null);
    assert.equal(loads, 0, 'no cell needs them: nothing loaded');
    assert.equal(await inceptionWeightsProblem(paper, dir, ok), null);
    assert.equal(loads, 1);
    const offline = async () => {
      throw new Error('FID Inception weights: cannot download u: offline');
    };
    const problem = await inceptionWeightsProblem(paper, dir, offline);
    assert.match(
      problem!,
      /^FID Inception weights: cannot download u: offline; download https:/,
    );
    assert.ok(problem!.includes(join(dir, 'inception', FID_INCEPTION_FILE)));
  } finally {
    restore(WEIGHTS_ENV, saved);
    rmSync(dir, { recursive: true, force: true });
  }
});

function fake(
  value: number,
  metrics: Record<string, number>,
): Evaluator & {
  disposed: number;
} {
  const e = {
    disposed: 0,
    measure: () => ({ value, nGenerated: 3, metrics, tags: { t: `${value}` } }),
    metrics: { n_reference: value },
    tags: { extractor: `${value}` },
    dispose: () => void e.disposed++,
  };
  return e;
}

test('withBeside: the second metric logged beside the first', () => {
  const main = fake(12.5, { inception_score: 2 });
  const other = fake(40, { inception_score: 99, extra: 1 });
  const both = withBeside(main, other, 'fid_mnist_classifier');
  const images = { images: new Float32Array(3), shape: [3, 1, 1, 1] } as const;
  const m = both.measure(images as never);
  assert.equal(m.value, 12.5);
  assert.equal(m.nGenerated, 3);
  // The main evaluator's names win; the other's value has its own name.
  assert.deepEqual(m.metrics, {
    inception_score: 2,
    extra: 1,
    fid_mnist_classifier: 40,
  });
  assert.deepEqual(m.tags, { t: '12.5' });
  assert.deepEqual(both.metrics, { n_reference: 12.5 });
  assert.deepEqual(both.tags, { extractor: '12.5' });
  both.dispose();
  assert.deepEqual([main.disposed, other.disposed], [1, 1]);
});

test('rows of Inception cells show IS and the classifier FID beside', () => {
  const [cell] = resolveCells(table2, 'cpu', {}, { inceptionWeights: found });
  const result: CellResult = {
    cell,
    value: 80.1,
    numSamples: 200,
    runId: 'r',
    reused: true,
    metrics: {
      inception_score: 2.25,
      fid_mnist_classifier: 150.5,
      n_samples: 200,
    },
  };
  const row = rowOf(result);
  assert.equal(row.metric, 'fid_inception');
  assert.deepEqual(row.extra, {
    inception_score: 2.25,
    fid_mnist_classifier: 150.5,
  });
  // A classifier cell shows no such columns.
  const [plain] = resolveCells(table2, 'cpu', {}, { inceptionWeights: none });
  assert.deepEqual(rowOf({ ...result, cell: plain }).extra, {});
});

test('table notes: what the metric is, how many comparable, why chosen', () => {
  const cells = resolveCells(table2, 'cpu', {}, { inceptionWeights: found });
  const result = (comparable: number): CellResult => ({
    cell: cells[0],
    value: 1,
    numSamples: 200,
    runId: 'r',
    reused: true,
    metrics: { fid_comparable: comparable },
  });
  const notes = metricNotes(cells, [result(0), result(0)]);
  assert.equal(notes.length, 3);
  assert.match(notes[0], /pool3 features of the FID Inception-v3/);
  assert.match(notes[0], /Grayscale digits .* never comparable/);
  assert.equal(
    notes[1],
    'Inception FIDs comparable with published values: 0 of 2 cells.',
  );
  assert.match(notes[2], /^Metric chosen by eval\.metric = fid_auto: FID/);
  const plain = resolveCells(table2, 'cpu', {}, { inceptionWeights: none });
  const [classifierNote, why] = metricNotes(plain, []);
  assert.match(classifierNote, /MNIST classifier .* not Inception FID/);
  assert.match(why, /no FID Inception weights/);
  const smoke = resolveCells(table2, 'smoke', {}, { inceptionWeights: none });
  assert.equal(metricNotes(smoke, []).length, 1);
});

test("table notes name each block's network", () => {
  const paper = resolveCells(table2, 'paper', {}, { inceptionWeights: none });
  const notes = new Set(paper.map((c) => networkNote(c.config)));
  assert.equal(notes.size, 6);
  assert.ok(
    notes.has('UNet ch=128 (cifar10, dsm), 290000 iterations, batch 128'),
    [...notes].join('\n'),
  );
  const [cpu] = resolveCells(table2, 'cpu', {}, { inceptionWeights: none });
  assert.equal(
    networkNote(cpu.config),
    'NCSNv2 ngf=12 depth=4 without dilation (mnist, dsm), 1000 iterations, batch 32',
  );
});

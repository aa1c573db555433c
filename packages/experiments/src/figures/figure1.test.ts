import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import {
  FIGURE1,
  figure1Csv,
  figure1Curves,
  figure1Svg,
  maxRelativeGap,
} from './figure1';

await tf.setBackend('wasm');

test('figure1: the samplers with a perfect score follow the closed forms', () => {
  const curves = figure1Curves('cpu');
  assert.deepEqual(
    curves.map((c) => c.name),
    ['ALS nσ=1', 'ALS nσ=2', 'ALS nσ=5', 'ALS nσ=20', 'CAS nσ=1'],
  );
  for (const c of curves) {
    assert.equal(c.monteCarlo.length, c.closed.length);
    assert.equal(c.target.length, c.closed.length);
    // 12 288 values: the std of a std estimate is ~0.64%; 4% is > 6 of it.
    assert.ok(maxRelativeGap(c) < 0.04, `${c.name}: ${maxRelativeGap(c)}`);
  }
  const finals = curves.map(
    (c) => c.closed[c.closed.length - 1] / FIGURE1.sigmaMin,
  );
  // ALS lags above σ_L, less with more steps per level; CAS ends at 1 − η.
  for (let i = 0; i < 4; i++) assert.ok(finals[i] > 1.09, `${finals}`);
  for (let i = 1; i < 4; i++) assert.ok(finals[i] < finals[i - 1]);
  const cas = curves[4];
  for (let k = 0; k < cas.closed.length - 1; k++) {
    assert.ok(Math.abs(cas.closed[k] / cas.target[k] - 1) < 1e-9);
  }
  const eta = FIGURE1.casStepSize / FIGURE1.sigmaMin ** 2;
  assert.ok(Math.abs(finals[4] - (1 - eta)) < 1e-9);

  const csv = figure1Csv(curves).trim().split('\n');
  const steps = curves.reduce((n, c) => n + c.closed.length, 0);
  assert.equal(csv.length, 1 + steps);
  const svg = figure1Svg(curves);
  assert.equal([...svg.matchAll(/<path d="M/g)].length, 10);
});

test('acsm run figure1 writes the figure and logs a run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'acsm-figure1-'));
  try {
    const root = join(import.meta.dirname, '..', '..', '..', '..');
    const r = spawnSync(
      process.execPath,
      [
        'bin/acsm.mjs',
        'run',
        'figure1',
        '--profile=smoke',
        '--results-dir',
        join(dir, 'results'),
      ],
      {
        cwd: root,
        env: { ...process.env, MLFLOW_TRACKING_URI: join(dir, 'mlruns') },
        encoding: 'utf8',
      },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stdout,
      /^\| ALS nσ=20 \| 9\.00e-7 \| 4640 \| 1\.10\d\d \|/m,
    );
    for (const name of ['figure1.svg', 'figure1.csv', 'figure1.md']) {
      assert.ok(
        existsSync(join(dir, 'results', 'figure1', 'smoke', name)),
        name,
      );
    }
    const md = readFileSync(
      join(dir, 'results', 'figure1', 'smoke', 'figure1.md'),
      'utf8',
    );
    assert.match(md, /Source: PAPER\.md §4/);
    assert.match(r.stderr, /run [0-9a-f]{32} in experiment 'figure1'/);
    const bad = spawnSync(
      process.execPath,
      ['bin/acsm.mjs', 'run', 'figure1', '--set', 'seed=1'],
      {
        cwd: root,
        encoding: 'utf8',
      },
    );
    assert.equal(bad.status, 2);
    assert.match(
      bad.stderr,
      /figure1 takes only --profile and --results-dir, got --set/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

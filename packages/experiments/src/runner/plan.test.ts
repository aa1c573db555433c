import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { table2 } from '../definitions/table2';
import { CIFAR10_DIR } from '@acsm/data';
import { preflightProblems } from './plan';
import { resolveCells } from './resolve';

const paper = () => resolveCells(table2, 'paper', {});

test("paper profile: three blocks of the grid, the paper's runs", () => {
  const cells = paper();
  assert.equal(cells.length, 48);
  assert.equal(new Set(cells.map((c) => c.trainingHash)).size, 6);
  const cell = (id: string) => cells.find((c) => c.spec.id === id)!.config;
  // PAPER.md §9: checkpoints and ε per block; §8: schedules.
  const rows = [
    ['cifar10-ncsnv2/dsm/cas/n1/raw', 250_000, 5.6e-6, 232, 'ncsnv2'],
    ['cifar10-ncsnv2/hybrid/als/n5/raw', 250_000, 3.6e-6, 232, 'ncsnv2'],
    ['churches-ncsnv2deeper/dsm/cas/n5/raw', 180_000, 4.5e-7, 788],
    ['churches-ncsnv2deeper/hybrid/als/n1/raw', 185_000, 4.85e-6, 788],
    ['cifar10-unet/dsm/als/n1/denoised', 290_000, 1.6e-5, 232, 'unet'],
    ['cifar10-unet/hybrid/cas/n5/raw', 260_000, 1.05e-6, 232, 'unet'],
  ] as const;
  for (const [id, iterations, stepSize, levels, network] of rows) {
    const c = cell(id);
    assert.equal(c.training.iterations, iterations, id);
    assert.equal(c.sampling.stepSize, stepSize, id);
    assert.equal(c.noise.numLevels, levels, id);
    assert.equal(c.sampling.numSamples, 10_000, id);
    assert.equal(c.eval.metric, 'fid_inception', id);
    if (network) assert.equal(c.model.network, network, id);
  }
  // D_steps 2 only for the UNet's hybrid run (§6); noise first for the
  // UNet and LSUN (§3).
  const unetHybrid = cell('cifar10-unet/hybrid/cas/n5/raw');
  assert.equal(unetHybrid.adversarial.discriminatorSteps, 2);
  assert.equal(
    cell('cifar10-ncsnv2/hybrid/cas/n1/raw').adversarial.discriminatorSteps,
    1,
  );
  const church = cell('churches-ncsnv2deeper/dsm/cas/n5/raw');
  assert.equal(church.sampling.noiseFirst, true);
  assert.equal(church.training.emaRate, 0.999);
  assert.equal(church.noise.sigmaMax, 140);
  assert.equal(
    cell('cifar10-ncsnv2/dsm/als/n1/raw').sampling.noiseFirst,
    false,
  );
  const hybrid = cell('cifar10-ncsnv2/hybrid/cas/n1/raw').training;
  assert.deepEqual([hybrid.beta1, hybrid.beta2], [0, 0.9]);
});

test('profiles without blocks keep their cell ids', () => {
  const ids = resolveCells(table2, 'cpu', {}).map((c) => c.spec.id);
  assert.equal(ids[0], 'dsm/cas/n1/raw');
  assert.equal(ids.length, 16);
});

test('preflight lists every missing dataset and metric at once', () => {
  const saved = process.env['ACSM_DATA_DIR'];
  const dir = mkdtempSync(join(tmpdir(), 'acsm-preflight-'));
  try {
    delete process.env['ACSM_DATA_DIR'];
    const problems = preflightProblems(paper());
    assert.equal(problems.length, 2, problems.join('\n'));
    assert.match(
      problems.join('\n'),
      /cifar10: not found\. set ACSM_DATA_DIR to a folder: a run downloads/,
    );
    assert.match(problems.join('\n'), /lsun-church: not found/);
    process.env['ACSM_DATA_DIR'] = dir;
    mkdirSync(join(dir, CIFAR10_DIR));
    const left = preflightProblems(paper()).join('\n');
    assert.doesNotMatch(left, /cifar10/);
    assert.deepEqual(preflightProblems(resolveCells(table2, 'cpu', {})), []);
    const mixed = resolveCells(table2, 'cpu', {
      'data.dataset': 'cifar10',
      'eval.metric': 'fid_mnist_classifier',
    });
    assert.match(
      preflightProblems(mixed).join('\n'),
      /fid_mnist_classifier measures MNIST digits only, not cifar10/,
    );
  } finally {
    if (saved === undefined) delete process.env['ACSM_DATA_DIR'];
    else process.env['ACSM_DATA_DIR'] = saved;
    rmSync(dir, { recursive: true, force: true });
  }
});

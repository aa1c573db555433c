import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, flatten, parseOverride, validateConfig } from './config';
import { table1 } from './definitions/table1';
import { table2 } from './definitions/table2';
import { table3 } from './definitions/table3';
import { resolveCells } from './runner/resolve';
import { configHash } from './hash';

test('table2 resolves to 16 valid cells in every runnable profile', () => {
  for (const profile of ['smoke', 'cpu'] as const) {
    const cells = resolveCells(table2, profile, {});
    assert.equal(cells.length, 16);
    assert.equal(new Set(cells.map((c) => c.hash)).size, 16);
    // One trained model per training kind, shared by its 8 cells.
    assert.equal(new Set(cells.map((c) => c.trainingHash)).size, 2);
  }
});

test('hybrid cells use the optimiser betas of PAPER.md §6', () => {
  const cells = resolveCells(table2, 'cpu', {});
  const hybrid = cells.find((c) => c.spec.training === 'hybrid')!;
  const dsm = cells.find((c) => c.spec.training === 'dsm')!;
  assert.deepEqual(
    [hybrid.config.training.beta1, hybrid.config.training.beta2],
    [0, 0.9],
  );
  assert.deepEqual(
    [hybrid.config.adversarial.beta1, hybrid.config.adversarial.beta2],
    [-0.5, 0.9],
  );
  assert.deepEqual(
    [dsm.config.training.beta1, dsm.config.training.beta2],
    [0.9, 0.999],
  );
});

test('an unknown key fails naming the key', () => {
  assert.throws(
    () => parseOverride('training.iters=5'),
    (e: Error) =>
      e instanceof ConfigError && /unknown key training\.iters/.test(e.message),
  );
});

test('a wrong type or range fails naming key, value and what is allowed', () => {
  assert.throws(
    () => parseOverride('training.batchSize=abc'),
    /training\.batchSize must be an integer in \[1, 100000\], got "abc"/,
  );
  assert.throws(
    () => parseOverride('sampling.sampler=ddim'),
    /sampling\.sampler must be one of als, cas, got "ddim"/,
  );
  assert.throws(
    () => parseOverride('sampling.stepSize=0'),
    /sampling\.stepSize must be a number in \(0, 1\], got "0"/,
  );
});

test('a valid override changes every cell and its hash', () => {
  const [key, value] = parseOverride('training.iterations=7');
  assert.deepEqual([key, value], ['training.iterations', 7]);
  const before = resolveCells(table2, 'smoke', {});
  const after = resolveCells(table2, 'smoke', { [key]: value });
  assert.ok(after.every((c) => c.config.training.iterations === 7));
  assert.notEqual(before[0].hash, after[0].hash);
});

test('validateConfig rejects a missing and an extra key', () => {
  const cell = resolveCells(table2, 'smoke', {})[0];
  const extra = { ...cell.config, extra: 1 };
  assert.throws(() => validateConfig(extra), /unknown key extra/);
  const { seed: _seed, ...missing } = cell.config;
  assert.throws(() => validateConfig(missing), /seed is missing/);
});

test('config hash ignores key order and sees every value', () => {
  assert.equal(
    configHash({ a: 1, b: { c: 2 } }),
    configHash({ b: { c: 2 }, a: 1 }),
  );
  assert.notEqual(configHash({ a: 1 }), configHash({ a: 2 }));
  assert.deepEqual(flatten({ a: { b: 1 }, c: 'x' }), { 'a.b': 1, c: 'x' });
});

test("table1's cells are table2's DSM cells, hash for hash", () => {
  for (const profile of ['smoke', 'cpu', 'paper'] as const) {
    const one = resolveCells(table1, profile, {});
    const two = resolveCells(table2, profile, {});
    const dsm = two.filter((c) => c.spec.training === 'dsm');
    assert.deepEqual(
      one.map((c) => [c.spec.id, c.hash]),
      dsm.map((c) => [c.spec.id, c.hash]),
      profile,
    );
  }
});

test('table3: Stacked MNIST, CAS nσ=1, raw and denoised per training', () => {
  for (const profile of ['smoke', 'cpu', 'paper'] as const) {
    const cells = resolveCells(table3, profile, {});
    assert.equal(cells.length, 4, profile);
    for (const { config } of cells) {
      assert.equal(config.data.dataset, 'stacked-mnist');
      assert.equal(config.eval.metric, 'stacked_mnist_modes');
      assert.equal(config.sampling.sampler, 'cas');
    }
  }
  // PAPER.md §8-§9: σ 50 → 0.01 over L = 200, ε 5e-6, 100k iterations.
  const paper = resolveCells(table3, 'paper', {})[0].config;
  assert.deepEqual(
    [paper.noise.sigmaMax, paper.noise.sigmaMin, paper.noise.numLevels],
    [50, 0.01, 200],
  );
  assert.equal(paper.sampling.stepSize, 5e-6);
  assert.equal(paper.training.iterations, 100_000);
});

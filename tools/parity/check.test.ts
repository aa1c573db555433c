// The loading and comparing side on exports written from our own tiny
// networks (no PyTorch): identical weights give zero differences, a
// perturbed weight is caught.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@acsm/core';
import {
  bigganDiscriminator,
  disposeParams,
  ncsnv2,
  paramCount,
  unet,
  type AnyNetwork,
  type Params,
} from '@acsm/models';
import type { ForwardMode } from './export-format';
import { permute } from './layouts';
import type { ParityNetwork } from './networks';
import { checkNetwork, formatTable, PARITY_BOUND, rowPasses } from './parity';
import { readExportManifest } from './export-format';
import {
  asTorchState,
  writeFakeExport,
  type FakeNetwork,
  type FakeStateTensor,
} from './testing';

let root = '';
before(async () => {
  await initBackend({ backend: 'cpu' });
  root = await mkdtemp(join(tmpdir(), 'acsm-parity-check-'));
});
after(() => rm(root, { recursive: true, force: true }));

const SCORE: ParityNetwork = {
  id: 'tiny-ncsnv2',
  authors: { config: 'test.yml', role: 'score' },
  ours: () => ncsnv2({ ngf: 2, channels: 3, imageSize: 8 }),
  modes: ['eval'],
  output: 'nchw',
};

const D: ParityNetwork = {
  id: 'tiny-d',
  authors: { config: 'test.yml', role: 'discriminator' },
  ours: () => bigganDiscriminator({ ch: 1, channels: 3, imageSize: 32 }),
  modes: ['eval', 'train'],
  output: 'vector',
  ignore: [{ pattern: /\.sv0$/, reason: 'logging only' }],
};

const UNET: ParityNetwork = {
  id: 'tiny-unet',
  authors: { config: 'test.yml', role: 'score' },
  ours: () =>
    unet({
      ch: 4,
      chMult: [1, 2],
      numResBlocks: 1,
      attnResolutions: [4],
      groups: 2,
      imageSize: 8,
    }),
  modes: ['eval'],
  output: 'nchw',
  layouts: [{ pattern: /\.weights$/, layout: 'oi' }],
};

/** What the exporter would write if theirs were ours, seeded. */
async function fakeOf(
  entry: ParityNetwork,
  seed: number,
): Promise<FakeNetwork> {
  const net = entry.ours();
  const params = net.init(seed);
  const state = asTorchState(net.specs(), params);
  const size = (net.config as { imageSize: number }).imageSize;
  const x = tf.randomUniform([2, size, size, 3], 0, 1, 'float32', seed);
  const runs = [];
  for (const mode of entry.modes) runs.push(pass(net, params, x, mode));
  const input = permute(hostOf(x), [0, 3, 1, 2]);
  x.dispose();
  disposeParams(params);
  const sv = state
    .filter((t) => t.name.endsWith('.u0'))
    .map(
      (t): FakeStateTensor => ({
        ...t,
        name: t.name.replace(/u0$/, 'sv0'),
        shape: [1],
        data: new Float32Array([1]),
      }),
    );
  return {
    id: entry.id,
    paramCount: paramCount(net),
    state: [...state, ...sv],
    input,
    runs,
  };
}

/** One pass of ours, written as theirs: NCHW images, [N] logits. */
function pass(
  net: AnyNetwork,
  params: Params,
  x: tf.Tensor,
  mode: ForwardMode,
) {
  const y = net.apply(params, x, { training: mode === 'train' });
  const out = hostOf(y);
  y.dispose();
  const output =
    out.shape.length === 4
      ? permute(out, [0, 3, 1, 2])
      : { shape: [out.shape[0]], data: out.data };
  const buffersAfter = Object.entries(params)
    .filter(([, v]) => !v.trainable)
    .map(([name, v]) => ({ name, ...hostOf(v) }));
  return { mode, output, buffersAfter };
}

function hostOf(t: tf.Tensor) {
  return { shape: t.shape, data: t.dataSync() as Float32Array };
}

test('checkNetwork: identical weights, zero differences, no leak', async () => {
  const dir = join(root, 'same');
  await mkdir(dir);
  const fakes = [fakeOf(SCORE, 1), fakeOf(D, 2), fakeOf(UNET, 4)];
  await writeFakeExport(dir, await Promise.all(fakes));
  const manifest = await readExportManifest(dir);
  const before = tf.memory().numTensors;
  const rows = [];
  for (const entry of [SCORE, D, UNET]) {
    rows.push(...(await checkNetwork(dir, manifest, entry)));
  }
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(
    rows.map((r) => [r.network, r.compared, r.diff.maxAbs]),
    [
      ['tiny-ncsnv2', 'eval output', 0],
      ['tiny-d', 'eval output', 0],
      ['tiny-d', 'train output', 0],
      ['tiny-d', 'train u0 after', 0],
      ['tiny-unet', 'eval output', 0],
    ],
  );
  assert.ok(rows.every((r) => r.ourParams === r.theirParams));
  assert.ok(rows.every((r) => r.ignoredParams === 0 && rowPasses(r)));
});

test('checkNetwork catches a perturbed weight and a stale u0', async () => {
  const dir = join(root, 'perturbed');
  await mkdir(dir);
  const fake = await fakeOf(D, 3);
  const state = fake.state.map((t) =>
    t.name === 'blocks.0.0.conv1.weight'
      ? { ...t, data: t.data.map((v, i) => (i === 0 ? v + 0.5 : v)) }
      : t,
  );
  const [evalRun, trainRun] = fake.runs;
  const stale = {
    ...trainRun,
    buffersAfter: fake.state.filter((t) => t.name.endsWith('.u0')),
  };
  await writeFakeExport(dir, [{ ...fake, state, runs: [evalRun, stale] }]);
  const rows = await checkNetwork(dir, await readExportManifest(dir), D);
  assert.ok(rows[0].diff.maxRel > PARITY_BOUND, `${rows[0].diff.maxRel}`);
  assert.ok(rows[2].diff.maxRel > PARITY_BOUND, `${rows[2].diff.maxRel}`);
});

test('formatTable: one aligned row per comparison, with the verdict', () => {
  const diff = (maxRel: number) => ({ maxAbs: maxRel * 2, maxRef: 2, maxRel });
  const row = (network: string, counts: number[], maxRel: number) => ({
    network,
    compared: 'eval output',
    ourParams: counts[0],
    theirParams: counts[1],
    ignoredParams: counts[2],
    diff: diff(maxRel),
  });
  const table = formatTable([
    row('a', [10, 10, 0], 1e-6),
    row('bb', [5, 5, 0], 0.5),
    row('c', [7, 9, 2], 1e-6),
    row('d', [7, 9, 1], 1e-6),
  ]);
  assert.equal(
    table,
    [
      'network  compared     ours  theirs  ignored  max rel  max abs',
      'a        eval output    10      10        0  1.00e-6  2.00e-6  ok',
      'bb       eval output     5       5        0  5.00e-1  1.00e+0  FAIL',
      'c        eval output     7       9        2  1.00e-6  2.00e-6  ok',
      'd        eval output     7       9        1  1.00e-6  2.00e-6  FAIL',
    ].join('\n'),
  );
});

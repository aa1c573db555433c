import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import {
  loadCheckpoint,
  paramsFromGroup,
  readCheckpointManifest,
  restoreParams,
  saveCheckpoint,
  type CheckpointData,
} from './checkpoint';
import { ncsnv2 } from './ncsnv2';
import { bigganDiscriminator } from './biggan-discriminator';
import { disposeParams, type Params } from './params';
import { describeNetwork } from './registry';
import { useCpuBackend } from './testing/setup';
import { toyScoreNetwork } from './toy-mlp';

let root = '';
before(async () => {
  await useCpuBackend();
  root = await fs.mkdtemp(join(tmpdir(), 'acsm-models-ckpt-'));
});
after(() => fs.rm(root, { recursive: true, force: true }));

const score = ncsnv2({ ngf: 2, channels: 1, imageSize: 8 });
const disc = bigganDiscriminator({ ch: 1, channels: 1, imageSize: 28 });

function checkpointOf(scoreParams: Params, dParams: Params): CheckpointData {
  return {
    step: 5000,
    configHash: 'abc123',
    networks: {
      score: describeNetwork(score),
      discriminator: describeNetwork(disc),
    },
    rng: { key: '0x1f', counter: 42 },
    groups: {
      score: scoreParams,
      ema: scoreParams,
      discriminator: dParams,
      'optimizer.score.m': { 'begin_conv.weight': new Float32Array([1, 2, 3]) },
    },
    metadata: { note: 'test' },
  };
}

async function values(params: Params): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(params))
    out[k] = Array.from(await v.data());
  return out;
}

test('round trip: manifest, groups, params restored exactly', async () => {
  const [sp, dp] = [score.init(1), disc.init(2)];
  const path = join(root, 'step-5000');
  await saveCheckpoint(path, checkpointOf(sp, dp));
  const manifest = await readCheckpointManifest(path);
  assert.equal(manifest.format, 'acsm-checkpoint');
  assert.equal(manifest.version, 1);
  assert.deepEqual(Object.keys(manifest.groups).sort(), [
    'discriminator',
    'ema',
    'optimizer.score.m',
    'score',
  ]);
  const ckpt = await loadCheckpoint(path, {
    configHash: 'abc123',
    networks: { score: describeNetwork(score) },
    groups: ['score', 'ema'],
  });
  assert.equal(ckpt.step, 5000);
  assert.deepEqual(ckpt.rng, { key: '0x1f', counter: 42 });
  assert.deepEqual(ckpt.metadata, { note: 'test' });
  assert.deepEqual(
    Array.from(ckpt.groups['optimizer.score.m']['begin_conv.weight'].data),
    [1, 2, 3],
  );

  const start = tf.memory().numTensors;
  const restored = paramsFromGroup(score, ckpt.groups.ema, 'ema');
  assert.deepEqual(await values(restored), await values(sp));
  const dFresh = disc.init(99);
  restoreParams(dFresh, ckpt.groups.discriminator, 'discriminator');
  assert.deepEqual(await values(dFresh), await values(dp));
  assert.equal(dFresh['linear.u0'].trainable, false);
  disposeParams(restored);
  disposeParams(dFresh);
  assert.equal(tf.memory().numTensors, start);
  disposeParams(sp);
  disposeParams(dp);
});

test('saving over a checkpoint replaces it, leaves no debris', async () => {
  const params = toyScoreNetwork({ width: 4 }).init(0);
  const data = (step: number): CheckpointData => ({
    step,
    configHash: 'h',
    networks: { score: describeNetwork(toyScoreNetwork({ width: 4 })) },
    rng: null,
    groups: { score: params },
  });
  const dir = join(root, 'replace');
  await fs.mkdir(dir);
  const path = join(dir, 'latest');
  await saveCheckpoint(path, data(1));
  await saveCheckpoint(path, data(2));
  assert.equal((await readCheckpointManifest(path)).step, 2);
  assert.deepEqual(await fs.readdir(dir), ['latest']);
  // A failing save (int32 tensor) keeps the old checkpoint, no debris.
  const bad = tf.tensor1d([1, 2], 'int32');
  await assert.rejects(
    saveCheckpoint(path, { ...data(3), groups: { score: { bad } } }),
    /score\/bad must be float32, got int32/,
  );
  bad.dispose();
  assert.equal((await readCheckpointManifest(path)).step, 2);
  assert.deepEqual(await fs.readdir(dir), ['latest']);
  disposeParams(params);
});

test('mismatches named: config hash, network config, group', async () => {
  const sp = score.init(3);
  const dp = disc.init(4);
  const path = join(root, 'mismatch');
  await saveCheckpoint(path, checkpointOf(sp, dp));
  const other = ncsnv2({ ngf: 4, channels: 1, imageSize: 8 });
  await assert.rejects(
    loadCheckpoint(path, {
      configHash: 'zzz',
      networks: { score: describeNetwork(other) },
      groups: ['optimizer.discriminator.m'],
    }),
    (error: Error) => {
      assert.match(
        error.message,
        /config hash differs: checkpoint abc123, expected zzz/,
      );
      assert.match(
        error.message,
        /network score \(ncsnv2\): config\.ngf: checkpoint 2, expected 4/,
      );
      assert.match(error.message, /group optimizer\.discriminator\.m missing/);
      return true;
    },
  );
  await assert.rejects(
    loadCheckpoint(path, { networks: { score: describeNetwork(disc) } }),
    /network score: kind ncsnv2 in the checkpoint, expected biggan-discrim/,
  );
  disposeParams(sp);
  disposeParams(dp);
});

test('another architecture: missing, extra, reshaped named', async () => {
  const sp = score.init(5);
  const dp = disc.init(6);
  const path = join(root, 'arch');
  await saveCheckpoint(path, checkpointOf(sp, dp));
  const ckpt = await loadCheckpoint(path);
  const wider = ncsnv2({ ngf: 4, channels: 1, imageSize: 8 });
  assert.throws(
    () => paramsFromGroup(wider, ckpt.groups.score, 'score'),
    new RegExp(
      'score: checkpoint does not match: shape differs: ' +
        'begin_conv\\.weight checkpoint \\[3,3,1,2\\] vs \\[3,3,1,4\\]',
    ),
  );
  const toy = toyScoreNetwork({ width: 4 });
  const toyParams = toy.init(0);
  assert.throws(
    () => restoreParams(toyParams, ckpt.groups.score, 'score'),
    new RegExp(
      'missing from the checkpoint: net\\.0\\.weight, .*; ' +
        'not in the network: begin_conv\\.weight, .* and \\d+ more',
    ),
  );
  disposeParams(toyParams);
  disposeParams(sp);
  disposeParams(dp);
});

test('corrupt or foreign checkpoints fail with the reason', async () => {
  const params = toyScoreNetwork({ width: 4 }).init(0);
  const path = join(root, 'corrupt');
  await saveCheckpoint(path, {
    step: 0,
    configHash: 'h',
    networks: { score: describeNetwork(toyScoreNetwork({ width: 4 })) },
    rng: null,
    groups: { score: params },
  });
  const blob = join(path, 'score.f32');
  const bytes = await fs.readFile(blob);
  bytes[5] ^= 0xff;
  await fs.writeFile(blob, bytes);
  await assert.rejects(
    loadCheckpoint(path),
    /score\.f32 is corrupt \(SHA-256 differs\)/,
  );
  await fs.writeFile(join(path, 'manifest.json'), '{"format": "other"}');
  await assert.rejects(loadCheckpoint(path), /not an acsm-checkpoint/);
  await assert.rejects(
    loadCheckpoint(join(root, 'nothing')),
    /no checkpoint at .*nothing \(ENOENT\)/,
  );
  await assert.rejects(
    saveCheckpoint(join(root, 'x'), {
      step: 1,
      configHash: 'h',
      networks: { score: describeNetwork(toyScoreNetwork()) },
      rng: null,
      groups: { '../evil': {} },
    }),
    /group name '\.\.\/evil' must match/,
  );
  disposeParams(params);
});

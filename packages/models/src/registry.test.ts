import assert from 'node:assert/strict';
import { test } from 'node:test';
import { summary } from './network';
import { ncsnv2 } from './ncsnv2';
import { paramCount } from './params';
import { NETWORK_KINDS, createNetwork, describeNetwork } from './registry';
import { toyDiscriminator } from './toy-mlp';
import { unet } from './unet';

test('createNetwork rebuilds a network from its description', () => {
  for (const network of [
    ncsnv2({ ngf: 4, channels: 3, imageSize: 32 }),
    toyDiscriminator({ width: 8 }),
    unet({ ch: 8, chMult: [1, 2], groups: 4, imageSize: 32 }),
  ]) {
    const copy = createNetwork(
      JSON.parse(JSON.stringify(describeNetwork(network))),
    );
    assert.equal(copy.kind, network.kind);
    assert.deepEqual(copy.config, network.config);
    assert.equal(paramCount(copy), paramCount(network));
  }
});

test('createNetwork names unknown kinds and unknown config fields', () => {
  assert.throws(
    () => createNetwork({ kind: 'resnet', config: {} }),
    new RegExp(`unknown kind 'resnet', known: ${NETWORK_KINDS.join(', ')}`),
  );
  assert.throws(
    () =>
      createNetwork({
        kind: 'ncsnv2',
        config: { ngf: 4, channels: 1, imageSize: 16, nfg: 2 },
      }),
    /unknown config fields nfg/,
  );
  assert.throws(
    () => createNetwork({ kind: 'ncsnv2', config: { channels: 1 } }),
    /ngf=undefined/,
  );
});

test('summary lists layers with shapes and counts, then totals', () => {
  const text = summary(toyDiscriminator({ width: 8, hiddenLayers: 1 }));
  const lines = text.split('\n');
  assert.match(lines[0], /^toy-mlp \{"inputDim":2,/);
  assert.match(lines[1], /^net\.0\s+24\s+weight \[2, 8\], bias \[8\]$/);
  assert.match(lines[2], /^net\.2\s+9\s+weight \[8, 1\], bias \[1\]$/);
  assert.equal(lines[3], 'total: 33 parameters, 0 buffer values');
});

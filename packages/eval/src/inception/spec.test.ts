import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  blockChannels,
  convUnits,
  fidInceptionBlocks,
  fidInceptionParams,
  POOL3_DIM,
} from './spec';

test('fidInceptionParams: the state_dict entries of the port', () => {
  const params = fidInceptionParams();
  // Counted by PyTorch on torchvision's Inception3(num_classes=1008,
  // aux_logits=False) with the FID blocks: 472 tensors, 23 885 392 values.
  assert.equal(params.length, 472);
  const total = params.reduce(
    (s, p) => s + p.shape.reduce((a, b) => a * b, 1),
    0,
  );
  assert.equal(total, 23_885_392);
  assert.equal(convUnits(fidInceptionBlocks()).length, 94);
  assert.deepEqual(params[0], {
    name: 'Conv2d_1a_3x3.conv.weight',
    shape: [32, 3, 3, 3],
  });
});

test('fidInceptionBlocks: channels chain from 3 to 2048', () => {
  const widths = [3];
  for (const block of fidInceptionBlocks()) {
    const cin = widths[widths.length - 1];
    for (const u of convUnits([block])) {
      if (u.name.endsWith('_1') || u.name.endsWith('branch1x1')) {
        assert.equal(u.inChannels, cin, u.name);
      }
    }
    widths.push(blockChannels(block, cin));
  }
  assert.deepEqual(widths, [
    3,
    192,
    256,
    288,
    288,
    768,
    768,
    768,
    768,
    768,
    1280,
    2048,
    POOL3_DIM,
  ]);
});

test('fidInceptionBlocks: the pools of the FID port', () => {
  const pools = fidInceptionBlocks().map((b) =>
    b.branches
      .flatMap((br) => br.ops)
      .filter((op) => op.kind !== 'conv')
      .map((op) => `${op.kind}/${op.stride}/${op.padding}`)
      .join(' '),
  );
  assert.deepEqual(pools.slice(1, 4), Array(3).fill('avg/1/same'));
  assert.deepEqual(pools.slice(5, 9), Array(4).fill('avg/1/same'));
  assert.equal(pools[10], 'avg/1/same'); // Mixed_7b
  assert.equal(pools[11], 'max/1/same'); // Mixed_7c: max, as in the TF graph
  assert.equal(pools[0], 'max/2/valid max/2/valid');
});

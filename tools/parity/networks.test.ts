import assert from 'node:assert/strict';
import { test } from 'node:test';
import { paramCount, unet, unetTorchLayout } from '@acsm/models';
import type { StateTensor, TorchLayout } from './export-format';
import { planMapping } from './mapping';
import { PARITY_NETWORKS, selectNetworks, unetRedraw } from './networks';
import { ignoredParamCount } from './parity';

const UNET = PARITY_NETWORKS.find((n) => n.id === 'unet-cifar10')!;

/** Their UNet state_dict as the exporter tags it (Nin weights: unknown). */
function theirUNetState(): StateTensor[] {
  const { tensors, unused } = unetTorchLayout(unet());
  const layout = (name: string, op: string): TorchLayout => {
    if (op === 'permute(2, 3, 1, 0)') return 'oihw';
    if (op === 'none') return 'plain';
    return name.endsWith('.weights') ? 'unknown' : 'oi';
  };
  return [...tensors, ...unused].map((t) => ({
    name: t.name,
    shape: t.torchShape,
    offset: 0,
    kind: 'parameter',
    layout: layout(t.name, t.fromTorch),
  }));
}

test('the UNet entry maps their state_dict, temb_dense left out', () => {
  const ours = UNET.ours();
  const state = theirUNetState();
  const plan = planMapping(UNET.id, ours.specs(), state, UNET);
  assert.deepEqual(
    plan.ignored.map((i) => i.name),
    [
      'temb_dense.0.weight',
      'temb_dense.0.bias',
      'temb_dense.2.weight',
      'temb_dense.2.bias',
    ],
  );
  const nin = plan.assignments.filter((a) => a.ours.name.endsWith('.weights'));
  assert.ok(nin.length > 0 && nin.every((a) => a.layout === 'oi'));
  assert.equal(paramCount(ours), 32_856_707);
  assert.equal(ignoredParamCount(plan, state), 33_185_411 - 32_856_707);
});

test('unetRedraw: the 6 attention OUT weights and the zero biases', () => {
  const names = unetRedraw();
  const specs = new Map(
    unet()
      .specs()
      .map((s) => [s.name, s]),
  );
  const out = names.filter((n) => n.endsWith('.OUT.weights'));
  assert.deepEqual(out, [
    'downblocks.5.OUT.weights',
    'downblocks.7.OUT.weights',
    'middleblocks.1.OUT.weights',
    'upblocks.9.OUT.weights',
    'upblocks.11.OUT.weights',
    'upblocks.13.OUT.weights',
  ]);
  const biases = names.filter((n) => !out.includes(n));
  assert.equal(biases.length, 108);
  for (const n of biases) {
    assert.ok(n.endsWith('.bias'), n);
    assert.deepEqual(specs.get(n)?.init, { kind: 'constant', value: 0 }, n);
  }
  assert.ok(!names.includes('out.weight') && !names.includes('out.bias'));
  assert.deepEqual(UNET.redraw, names);
});

test('selectNetworks picks by id and fails on unknown ones', () => {
  assert.deepEqual(
    selectNetworks(['unet-cifar10']).map((n) => n.id),
    ['unet-cifar10'],
  );
  assert.equal(selectNetworks([]).length, PARITY_NETWORKS.length);
  assert.throws(() => selectNetworks(['nope']), /unknown network\(s\) nope/);
});

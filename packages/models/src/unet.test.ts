import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { disposeParams, paramCount, paramShapes } from './params';
import { badGradients } from './testing/grads';
import { useCpuBackend } from './testing/setup';
import { UNET_DEFAULTS, unet, unetTorchLayout } from './unet';

before(useCpuBackend);

/** Two levels, 8×8, attention at 4×4: small enough for the cpu backend. */
const tiny = {
  ch: 8,
  chMult: [1, 2],
  numResBlocks: 1,
  attnResolutions: [4],
  groups: 4,
  channels: 3,
  imageSize: 8,
};

test('UNet: 32,856,707 params in the paper config (paper 32.86 M)', () => {
  // Known answer from the authors' code: UNet(n_channels=3, ngf=128)
  // built with PyTorch has 33,185,411 parameters, of which its unused
  // time embedding temb_dense has 328,704; 33,185,411 − 328,704.
  const net = unet();
  assert.deepEqual(net.config, UNET_DEFAULTS);
  assert.equal(paramCount(net), 32_856_707);
  assert.equal(paramCount(net, { includeBuffers: true }), 32_856_707);
  const { tensors, unused } = unetTorchLayout(net);
  const tembCount = unused
    .map((t) => t.torchShape.reduce((a, b) => a * b, 1))
    .reduce((a, b) => a + b, 0);
  assert.equal(tembCount, 328_704);
  // The authors' state_dict has 284 entries, 4 of them temb_dense.
  assert.equal(tensors.length + unused.length, 284);
});

test('UNet parameter names and shapes follow the PyTorch state_dict', () => {
  // Shapes printed by the authors' UNet(ngf=128).state_dict(), converted
  // to our layouts (conv [kh, kw, in, out], Nin [in, out]).
  const shapes = paramShapes(unet());
  const expected: Record<string, number[]> = {
    'downblocks.0.weight': [3, 3, 3, 128],
    'downblocks.1.normalize0.weight': [128],
    'downblocks.3.weight': [3, 3, 128, 128],
    'downblocks.4.conv0.weight': [3, 3, 128, 256],
    'downblocks.4.nin.weights': [128, 256],
    'downblocks.5.OUT.weights': [256, 256],
    'downblocks.7.normalize.bias': [256],
    'downblocks.13.conv1.bias': [256],
    'middleblocks.1.Q.weights': [256, 256],
    'middleblocks.2.conv1.weight': [3, 3, 256, 256],
    'upblocks.0.conv0.weight': [3, 3, 512, 256],
    'upblocks.3.conv.weight': [3, 3, 256, 256],
    'upblocks.11.K.bias': [256],
    'upblocks.12.nin.weights': [384, 256],
    'upblocks.15.conv0.weight': [3, 3, 384, 128],
    'upblocks.17.nin.weights': [256, 128],
    'normalize.weight': [128],
    'out.weight': [3, 3, 128, 3],
    'out.bias': [3],
  };
  for (const [name, shape] of Object.entries(expected)) {
    assert.deepEqual(shapes[name], shape, name);
  }
  const names = Object.keys(shapes);
  assert.equal(names.filter((n) => /^downblocks\.\d+\.Q\./.test(n)).length, 4);
  assert.equal(names.filter((n) => /^upblocks\.\d+\.Q\./.test(n)).length, 6);
  assert.ok(!names.some((n) => n.startsWith('upblocks.18.')));
  assert.ok(!names.some((n) => n.startsWith('temb')));
});

test('unetTorchLayout: PyTorch shapes and conversions, in order', () => {
  const net = unet(tiny);
  const { tensors, unused } = unetTorchLayout(net);
  assert.deepEqual(
    tensors.map((t) => t.name),
    net.specs().map((s) => s.name),
  );
  const find = (name: string) => tensors.find((t) => t.name === name);
  assert.deepEqual(find('downblocks.0.weight'), {
    name: 'downblocks.0.weight',
    torchShape: [8, 3, 3, 3],
    fromTorch: 'permute(2, 3, 1, 0)',
  });
  assert.deepEqual(find('downblocks.3.nin.weights')?.torchShape, [16, 8]);
  assert.equal(find('downblocks.3.nin.weights')?.fromTorch, 't()');
  assert.equal(find('out.bias')?.fromTorch, 'none');
  assert.deepEqual(
    unused.map((t) => [t.name, t.torchShape]),
    [
      ['temb_dense.0.weight', [32, 8]],
      ['temb_dense.0.bias', [32]],
      ['temb_dense.2.weight', [32, 32]],
      ['temb_dense.2.bias', [32]],
    ],
  );
});

test('UNet init as their code: scaled down path, PyTorch elsewhere', () => {
  const specs = new Map(
    unet()
      .specs()
      .map((s) => [s.name, s.init]),
  );
  const bound = (name: string) => (specs.get(name) as { bound: number }).bound;
  // Maxima of |w| in a PyTorch build of their UNet(ngf=128): 0.050417
  // (downblocks.0, bound √(3/1179) = 0.050443), 0.036084 (downblocks.3),
  // 0.029448 (out: PyTorch default 1/√1152 = 0.029463), 7.65e-7
  // (attention OUT, scale 1e-10: √(3e-10/512) = 7.65e-7).
  assert.ok(Math.abs(bound('downblocks.0.weight') - 0.0504433) < 1e-6);
  assert.ok(Math.abs(bound('downblocks.3.weight') - 0.0360844) < 1e-6);
  assert.deepEqual(specs.get('downblocks.3.bias'), {
    kind: 'constant',
    value: 0,
  });
  assert.ok(Math.abs(bound('out.weight') - 0.0294628) < 1e-6);
  assert.ok(Math.abs(bound('out.bias') - 0.0294628) < 1e-6);
  assert.ok(Math.abs(bound('upblocks.3.conv.weight') - 1 / 48) < 1e-9);
  assert.ok(Math.abs(bound('middleblocks.1.OUT.weights') - 7.6547e-7) < 1e-10);
});

test('UNet tiny config: output shape, finite, no tensor leak', () => {
  const net = unet(tiny);
  const params = net.init(1);
  const x = tf.randomUniform([2, 8, 8, 3], 0, 1, 'float32', 2);
  const start = tf.memory().numTensors;
  const y = net.apply(params, x as tf.Tensor4D);
  assert.equal(tf.memory().numTensors, start + 1, 'only the output is new');
  assert.deepEqual(y.shape, [2, 8, 8, 3]);
  assert.ok(y.dataSync().every(Number.isFinite));
  tf.dispose([x, y]);
  disposeParams(params);
});

test('UNet forward frees each block: peak < 40 activations', async () => {
  const net = unet({ ...tiny, numResBlocks: 2 });
  const params = net.init(1);
  const x = tf.randomUniform([4, 8, 8, 3], 0, 1, 'float32', 2);
  const start = tf.memory().numBytes;
  const info = await tf.profile(() => net.apply(params, x as tf.Tensor4D));
  // One activation: [4, 8, 8, ch] float32. The up path must hold the
  // skips (4.5 activations); the blocks' intermediates come on top
  // (26 measured).
  const activation = 4 * 8 * 8 * 8 * 4;
  const peak = (info.peakBytes - start) / activation;
  assert.ok(peak < 40, `peak ${peak.toFixed(1)} activations`);
  tf.dispose([x, info.result as tf.Tensor]);
  disposeParams(params);
});

test('UNet: gradients reach every trainable variable, finite, ≠ 0', () => {
  const net = unet(tiny);
  const params = net.init(3);
  const x = tf.randomUniform([2, 8, 8, 3], 0, 1, 'float32', 4);
  const start = tf.memory().numTensors;
  assert.deepEqual(badGradients(net, params, x), []);
  assert.equal(tf.memory().numTensors, start);
  x.dispose();
  disposeParams(params);
});

test('UNet init and output are deterministic in the seed', () => {
  const net = unet(tiny);
  const [a, b, c] = [net.init(5), net.init(5), net.init(6)];
  const name = 'upblocks.1.Q.weights';
  assert.deepEqual(a[name].dataSync(), b[name].dataSync());
  assert.notDeepEqual(a[name].dataSync(), c[name].dataSync());
  const x = tf.randomUniform([1, 8, 8, 3], 0, 1, 'float32', 7);
  const [ya, yb] = [a, b].map((p) => net.apply(p, x as tf.Tensor4D));
  assert.deepEqual(ya.dataSync(), yb.dataSync());
  tf.dispose([x, ya, yb]);
  [a, b, c].forEach(disposeParams);
});

test('UNet rejects bad configs and inputs with the values', () => {
  assert.throws(
    () => unet({ ...tiny, imageSize: 10, chMult: [1, 2, 2] }),
    /imageSize must be a multiple of 4 \(3 levels.*got 10/,
  );
  assert.throws(
    () => unet({ ...tiny, attnResolutions: [4, 16] }),
    /attnResolutions must be level resolutions \[8, 4\], got \[16\]/,
  );
  assert.throws(
    () => unet({ ...tiny, chMult: [] }),
    /chMult=\[\], numResBlocks=1/,
  );
  assert.throws(() => unet({ ...tiny, ch: 0 }), /ch=0/);
  assert.throws(
    () => unet({ ...tiny, groups: 3 }),
    /groupNorm\(downblocks\.1\.normalize0\).*channels=8, groups=3/,
  );
  const net = unet(tiny);
  const x = tf.zeros([1, 8, 8, 1]) as tf.Tensor4D;
  assert.throws(
    () => net.apply({}, x),
    /unet: input must be \[N, 8, 8, 3\], got \[1, 8, 8, 1\]/,
  );
  x.dispose();
});

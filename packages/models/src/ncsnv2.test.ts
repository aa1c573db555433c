import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { ncsnv2, ncsnv2Deeper } from './ncsnv2';
import { disposeParams, paramCount, paramShapes } from './params';
import { badGradients } from './testing/grads';
import { useCpuBackend } from './testing/setup';

before(useCpuBackend);

test('NCSNv2: 29,694,083 params at ngf 128, 32×32×3 (paper 29.69 M)', () => {
  const net = ncsnv2({ ngf: 128, channels: 3, imageSize: 32 });
  assert.equal(paramCount(net), 29_694_083);
  assert.equal(paramCount(net, { includeBuffers: true }), 29_694_083);
});

test('NCSNv2Deeper: 83,445,379 params at 64×64×3 (paper 83.45 M)', () => {
  const net = ncsnv2Deeper({ ngf: 128, channels: 3, imageSize: 64 });
  assert.equal(paramCount(net), 83_445_379);
});

test('NCSNv2 parameter names follow the PyTorch state_dict', () => {
  const shapes = paramShapes(ncsnv2({ ngf: 8, channels: 3, imageSize: 32 }));
  const expected: Record<string, number[]> = {
    'begin_conv.weight': [3, 3, 3, 8],
    'res1.0.normalize1.alpha': [8],
    'res2.0.conv2.conv.weight': [3, 3, 8, 16],
    'res2.0.shortcut.conv.weight': [1, 1, 8, 16],
    'res3.0.shortcut.weight': [3, 3, 16, 16],
    'res4.1.conv2.bias': [16],
    'refine1.adapt_convs.0.2_2_conv.weight': [3, 3, 16, 16],
    'refine2.msf.convs.1.bias': [16],
    'refine3.msf.convs.0.weight': [3, 3, 16, 8],
    'refine4.crp.convs.1.weight': [3, 3, 8, 8],
    'refine4.output_convs.3_2_conv.weight': [3, 3, 8, 8],
    'normalizer.beta': [8],
    'end_conv.weight': [3, 3, 8, 3],
  };
  for (const [name, shape] of Object.entries(expected)) {
    assert.deepEqual(shapes[name], shape, name);
  }
  assert.equal(shapes['refine1.msf.convs.0.weight'], undefined);
  assert.equal(shapes['res1.0.shortcut.weight'], undefined);
  assert.equal(shapes['refine1.adapt_convs.0.1_1_conv.bias'], undefined);
});

test('28×28 without dilation pads the last down block (res4.0 …conv.1)', () => {
  const shapes = paramShapes(
    ncsnv2({ ngf: 8, channels: 1, imageSize: 28, dilation: false }),
  );
  assert.deepEqual(shapes['res4.0.conv2.conv.1.weight'], [3, 3, 16, 16]);
  assert.deepEqual(shapes['res4.0.shortcut.conv.1.weight'], [1, 1, 16, 16]);
  assert.deepEqual(shapes['res3.0.conv2.conv.weight'], [3, 3, 16, 16]);
});

for (const [size, channels, dilation] of [
  [28, 1, true],
  [32, 3, true],
  [28, 1, false],
  [32, 3, false],
] as const) {
  const shape = `${size}×${size}×${channels}`;
  test(`NCSNv2 ${shape} dilation=${dilation}: output shape, no leaks`, () => {
    const net = ncsnv2({ ngf: 4, channels, imageSize: size, dilation });
    const params = net.init(1);
    const x = tf.randomUniform([1, size, size, channels], 0, 1, 'float32', 2);
    const start = tf.memory().numTensors;
    const y = net.apply(params, x as tf.Tensor4D);
    assert.equal(tf.memory().numTensors, start + 1);
    assert.deepEqual(y.shape, [1, size, size, channels]);
    assert.ok(y.dataSync().every(Number.isFinite));
    tf.dispose([x, y]);
    disposeParams(params);
  });
}

test('NCSNv2 forward frees each block: peak < 16 activations', async () => {
  const net = ncsnv2({ ngf: 4, channels: 1, imageSize: 28 });
  const params = net.init(1);
  const x = tf.randomUniform([4, 28, 28, 1], 0, 1, 'float32', 2);
  const start = tf.memory().numBytes;
  const info = await tf.profile(() => net.apply(params, x as tf.Tensor4D));
  // One activation: [4, 28, 28, ngf] float32. The whole forward under a
  // single tidy held ~190 of them.
  const activation = 4 * 28 * 28 * 4 * 4;
  const peak = (info.peakBytes - start) / activation;
  assert.ok(peak < 16, `peak ${peak.toFixed(1)} activations`);
  tf.dispose([x, info.result as tf.Tensor]);
  disposeParams(params);
});

test('NCSNv2: gradients reach every trainable variable, finite, ≠ 0', () => {
  for (const dilation of [true, false]) {
    const net = ncsnv2({ ngf: 2, channels: 3, imageSize: 16, dilation });
    const params = net.init(3);
    const x = tf.randomUniform([2, 16, 16, 3], 0, 1, 'float32', 4);
    const start = tf.memory().numTensors;
    assert.deepEqual(badGradients(net, params, x), []);
    assert.equal(tf.memory().numTensors, start);
    x.dispose();
    disposeParams(params);
  }
});

test('depth keeps the first stages, each with its RefineBlock', () => {
  const full = paramShapes(ncsnv2({ ngf: 8, channels: 1, imageSize: 28 }));
  const names = (depth: number) =>
    Object.keys(
      paramShapes(ncsnv2({ ngf: 8, channels: 1, imageSize: 28, depth })),
    );
  assert.deepEqual(names(4), Object.keys(full));
  const three = names(3);
  assert.ok(three.every((n) => !/^(res4|refine4)\./.test(n)));
  assert.ok(three.includes('refine3.output_convs.3_2_conv.weight'));
  // The first block keeps the deepest width; the last fuses res1 with it
  // at width ngf.
  const shapes = paramShapes(
    ncsnv2({ ngf: 8, channels: 1, imageSize: 28, depth: 2 }),
  );
  assert.deepEqual(
    shapes['refine1.adapt_convs.0.1_1_conv.weight'],
    [3, 3, 16, 16],
  );
  assert.deepEqual(shapes['refine1.crp.convs.0.weight'], [3, 3, 16, 16]);
  assert.deepEqual(shapes['refine2.msf.convs.1.weight'], [3, 3, 16, 8]);
  assert.equal(shapes['res3.0.conv1.weight'], undefined);
  for (const depth of [1, 2, 3]) {
    const net = ncsnv2({ ngf: 4, channels: 1, imageSize: 28, depth });
    const params = net.init(1);
    const y = net.apply(params, tf.zeros([2, 28, 28, 1]) as tf.Tensor4D);
    assert.deepEqual(y.shape, [2, 28, 28, 1], `depth ${depth}`);
    tf.dispose(y);
    disposeParams(params);
  }
});

test('NCSNv2 init is deterministic in the seed', () => {
  const net = ncsnv2({ ngf: 4, channels: 1, imageSize: 16 });
  const [a, b, c] = [net.init(5), net.init(5), net.init(6)];
  const name = 'res2.1.conv1.weight';
  assert.deepEqual(a[name].dataSync(), b[name].dataSync());
  assert.notDeepEqual(a[name].dataSync(), c[name].dataSync());
  [a, b, c].forEach(disposeParams);
});

test('NCSNv2 rejects bad configs and inputs with the values', () => {
  assert.throws(
    () => ncsnv2({ ngf: 8, channels: 1, imageSize: 30, dilation: false }),
    /res3\.0 halves an odd size 15 \(imageSize=30/,
  );
  assert.throws(() => ncsnv2({ ngf: 1, channels: 1, imageSize: 28 }), /ngf=1/);
  for (const depth of [0, 5, 2.5]) {
    assert.throws(
      () => ncsnv2({ ngf: 8, channels: 1, imageSize: 28, depth }),
      new RegExp(`depth must be an integer from 1 to 4 .*got ${depth}`),
    );
  }
  assert.throws(
    () => ncsnv2Deeper({ ngf: 8, channels: 3, imageSize: 64, depth: 6 }),
    /depth must be an integer from 1 to 5/,
  );
  const net = ncsnv2({ ngf: 4, channels: 1, imageSize: 16 });
  const x = tf.zeros([1, 16, 16, 3]) as tf.Tensor4D;
  assert.throws(
    () => net.apply({}, x),
    /input must be \[N, 16, 16, 1\], got \[1, 16, 16, 3\]/,
  );
  x.dispose();
});

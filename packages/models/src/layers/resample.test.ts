import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { paramScope } from '../params';
import {
  conv3x3Ref,
  grid,
  maxAbsDiff,
  pattern,
  upsampleNearestRef,
} from '../testing/reference';
import { useCpuBackend } from '../testing/setup';
import { downsampleConv, upsampleConv } from './resample';

before(useCpuBackend);

const k = pattern([3, 3, 2, 3], 1) as number[][][][];
const bias = [0.1, -0.2, 0.3];
const layer = {
  prefix: 'c',
  inChannels: 2,
  outChannels: 3,
  kernelSize: 3,
  dilation: 1,
  bias: true,
};

function withParams(run: (p: ReturnType<typeof paramScope>) => void) {
  const params = {
    'c.weight': tf.variable(tf.tensor4d(k)),
    'c.bias': tf.variable(tf.tensor1d(bias)),
  };
  run(paramScope(params, 'test'));
  tf.dispose(Object.values(params));
}

test('downsampleConv: stride 2, padding 1 (loop reference; odd sizes)', () => {
  withParams((scope) => {
    for (const size of [4, 5]) {
      const x = grid([2, size, size, 2], (n, h, w, c) =>
        Math.sin(n + h * w - c),
      );
      const input = tf.tensor4d(x.data, [...x.shape]);
      const start = tf.memory().numTensors;
      const y = downsampleConv(scope, layer, input);
      assert.equal(tf.memory().numTensors, start + 1);
      const half = Math.ceil(size / 2);
      assert.deepEqual(y.shape, [2, half, half, 3]);
      const diff = maxAbsDiff(y.dataSync(), conv3x3Ref(x, k, bias, 2).data);
      assert.ok(diff < 1e-5, `size ${size}: max diff ${diff}`);
      tf.dispose([input, y]);
    }
  });
});

test('upsampleConv: nearest ×2, then a same-size conv', () => {
  withParams((scope) => {
    const x = grid([1, 2, 3, 2], (n, h, w, c) => h - 2 * w + c + 0.5);
    const input = tf.tensor4d(x.data, [...x.shape]);
    const start = tf.memory().numTensors;
    const y = upsampleConv(scope, layer, input);
    assert.equal(tf.memory().numTensors, start + 1);
    assert.deepEqual(y.shape, [1, 4, 6, 3]);
    const want = conv3x3Ref(upsampleNearestRef(x), k, bias, 1).data;
    const diff = maxAbsDiff(y.dataSync(), want);
    assert.ok(diff < 1e-5, `max diff ${diff}`);
    tf.dispose([input, y]);
  });
});

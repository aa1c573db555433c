import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@acsm/core';
import {
  convFlops,
  countFlops,
  kernelFlops,
  matMulFlops,
  trainFlops,
} from './flops';
import { parents, recordDepths } from './kernels';

test('convFlops: 2·N·H·W·C_out·kh·kw·C_in', () => {
  // 2 images, 4×4 out, 3×3 kernel, 3 → 8 channels: 2·2·16·8·27.
  assert.equal(convFlops([2, 4, 4, 8], [3, 3, 3, 8]), 13_824);
  assert.equal(convFlops([1, 1, 1, 1], [1, 1, 1, 1]), 2);
});

test('convFlops refuses shapes that do not fit', () => {
  assert.throws(() => convFlops([2, 4, 4, 8], [3, 3, 3, 5]), /\[2,4,4,8\]/);
  assert.throws(() => convFlops([4, 4, 8], [3, 3, 3, 8]), /convFlops/);
});

test('matMulFlops: 2·B·M·N·K, a plain or transposed', () => {
  // [5, 3] × [3, 7] = [5, 7]: 2·5·7·3.
  assert.equal(matMulFlops([5, 3], [5, 7]), 210);
  // aᵀ with a [3, 5] (K = 3), batch 4: 2·4·5·7·3.
  assert.equal(matMulFlops([4, 3, 5], [4, 5, 7]), 840);
  assert.throws(() => matMulFlops([3, 4], [5, 7]), /no dimension M=5/);
});

test('kernelFlops reads the filter and a from the kernel inputs', () => {
  const conv = {
    name: 'FusedConv2D',
    inputShapes: [[2, 4, 4, 3], [3, 3, 3, 8], [8], null],
    outputShapes: [[2, 4, 4, 8]],
  };
  assert.equal(kernelFlops(conv), 13_824);
  const mm = {
    name: 'BatchMatMul',
    inputShapes: [
      [1, 5, 3],
      [1, 3, 7],
    ],
    outputShapes: [[1, 5, 7]],
  };
  assert.equal(kernelFlops(mm), 210);
  assert.equal(kernelFlops({ ...mm, name: 'Add' }), 0);
});

test('countFlops counts a product inside another counted kernel once', () => {
  const mm = {
    name: 'BatchMatMul',
    inputShapes: [
      [1, 5, 3],
      [1, 3, 7],
    ],
    outputShapes: [[1, 5, 7]],
  };
  const inner = { ...mm, name: 'Transpose', outputShapes: [[1, 3, 5]] };
  // Inner transpose and product (depth 1) inside a replaced product.
  const kernels = [inner, mm, mm];
  assert.equal(countFlops(kernels, parents([1, 1, 0])), 210);
  assert.equal(countFlops(kernels, parents([0, 0, 0])), 420);
  assert.equal(trainFlops(210), 630);
});

test('countFlops of a profiled conv and product on the backend', async () => {
  await initBackend();
  const before = tf.memory().numTensors;
  const x = tf.ones([2, 4, 4, 3]) as tf.Tensor4D;
  const w = tf.ones([3, 3, 3, 8]) as tf.Tensor4D;
  const a = tf.ones([5, 3]);
  const b = tf.ones([3, 7]);
  const depths: number[] = [];
  const info = await tf.profile(() => {
    recordDepths(depths);
    tf.dispose([tf.conv2d(x, w, 1, 'same'), tf.matMul(a, b)]);
  });
  assert.equal(countFlops(info.kernels, parents(depths)), 13_824 + 210);
  tf.dispose([x, w, a, b]);
  assert.equal(tf.memory().numTensors, before);
});

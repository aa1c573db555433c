import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { registerWasmTrainingKernels } from './wasm-kernels';
import { normal, relativeError, valuesOn } from './testing';

type Pad = 'same' | 'valid' | tf.backend_util.ExplicitPadding;

/** Runs one kernel on wasm and on cpu; asserts they agree, leak-free. */
async function agrees(run: () => tf.Tensor, tolerance = 1e-4): Promise<void> {
  const before = tf.memory().numTensors;
  const [wasm] = await valuesOn('wasm', run);
  const [cpu] = await valuesOn('cpu', run);
  assert.ok(
    relativeError(wasm, cpu) < tolerance,
    `relative error ${relativeError(wasm, cpu)}`,
  );
  assert.equal(tf.memory().numTensors, before, 'tensors leaked');
}

before(async () => {
  tf.enableProdMode();
  registerWasmTrainingKernels();
});

interface ConvCase {
  x: [number, number, number, number];
  k: number;
  cout: number;
  strides: number;
  pad: Pad;
}

const convCases: ConvCase[] = [
  { x: [2, 9, 9, 3], k: 3, cout: 4, strides: 1, pad: 'same' },
  { x: [2, 9, 7, 3], k: 3, cout: 4, strides: 1, pad: 'valid' },
  { x: [2, 9, 9, 3], k: 3, cout: 4, strides: 2, pad: 'same' },
  { x: [1, 10, 8, 2], k: 3, cout: 5, strides: 2, pad: 'valid' },
  { x: [2, 8, 8, 3], k: 1, cout: 4, strides: 1, pad: 'same' },
  { x: [2, 8, 8, 3], k: 5, cout: 2, strides: 1, pad: 'same' },
  { x: [1, 11, 11, 2], k: 4, cout: 3, strides: 3, pad: 'same' },
  {
    x: [2, 7, 9, 3],
    k: 3,
    cout: 4,
    strides: 1,
    pad: [
      [0, 0],
      [2, 1],
      [0, 3],
      [0, 0],
    ],
  },
];

function caseName(c: ConvCase): string {
  const pad = typeof c.pad === 'string' ? c.pad : JSON.stringify(c.pad);
  return `x ${c.x.join('×')}, ${c.k}×${c.k}, stride ${c.strides}, ${pad}`;
}

/** Inputs for one conv case: x, W and dy = ∂L/∂y, all seeded normal. */
async function convData(c: ConvCase) {
  const w = [c.k, c.k, c.x[3], c.cout] as const;
  await tf.setBackend('cpu');
  const y = tf.tidy(() =>
    tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros([...w]), c.strides, c.pad),
  );
  const dyShape = y.shape;
  y.dispose();
  return {
    x: await normal(c.x, 1),
    w: await normal([...w], 2),
    dy: await normal(dyShape, 3),
    dyShape,
    wShape: [...w] as [number, number, number, number],
  };
}

describe('Conv2DBackpropFilter on wasm matches cpu', () => {
  for (const c of convCases) {
    test(caseName(c), async () => {
      const d = await convData(c);
      await agrees(
        () =>
          tf
            .engine()
            .runKernel(
              'Conv2DBackpropFilter',
              { x: tf.tensor(d.x, c.x), dy: tf.tensor(d.dy, d.dyShape) },
              {
                strides: c.strides,
                pad: c.pad,
                dataFormat: 'NHWC',
                filterShape: d.wShape,
              } as unknown as tf.NamedAttrMap,
            ) as tf.Tensor,
      );
    });
  }
});

describe('Conv2DBackpropInput on wasm matches cpu', () => {
  for (const c of convCases) {
    test(caseName(c), async () => {
      const d = await convData(c);
      await agrees(
        () =>
          tf.engine().runKernel(
            'Conv2DBackpropInput',
            {
              dy: tf.tensor(d.dy, d.dyShape),
              filter: tf.tensor(d.w, d.wShape),
            },
            {
              strides: c.strides,
              pad: c.pad,
              dataFormat: 'NHWC',
              inputShape: c.x,
            } as unknown as tf.NamedAttrMap,
          ) as tf.Tensor,
      );
    });
  }
});

const poolCases: [number, number, 'same' | 'valid'][] = [
  [5, 1, 'same'],
  [2, 2, 'valid'],
  [2, 1, 'same'],
  [3, 1, 'same'],
  [3, 2, 'valid'],
  [3, 2, 'same'],
  [1, 1, 'valid'],
  [4, 3, 'same'],
  [5, 2, 'valid'],
];

describe('MaxPoolGrad on wasm matches cpu', () => {
  for (const [k, s, pad] of poolCases) {
    test(`${k}×${k}, stride ${s}, ${pad}`, async () => {
      const shape = [2, 9, 7, 3];
      const x = await normal(shape, 4);
      await tf.setBackend('cpu');
      const ys = tf.maxPool(tf.tensor4d(x, shape as never), k, s, pad);
      const dy = await normal(ys.shape, 5);
      ys.dispose();
      await agrees(() => {
        const input = tf.tensor4d(x, shape as never);
        const output = tf.maxPool(input, k, s, pad);
        return tf
          .engine()
          .runKernel(
            'MaxPoolGrad',
            { dy: tf.tensor(dy, output.shape), input, output },
            { filterSize: k, strides: s, pad } as unknown as tf.NamedAttrMap,
          ) as tf.Tensor;
      });
    });
  }

  test('ties credit the first maximum (ReLU zeros)', async () => {
    const shape = [1, 6, 6, 2];
    const x = (await normal(shape, 6)).map((v) => Math.max(0, v));
    await agrees(() => {
      const input = tf.tensor4d(x, shape as never);
      const output = tf.maxPool(input, 3, 1, 'same');
      return tf
        .engine()
        .runKernel('MaxPoolGrad', { dy: tf.onesLike(output), input, output }, {
          filterSize: 3,
          strides: 1,
          pad: 'same',
        } as never) as tf.Tensor;
    });
  });
});

describe('AvgPoolGrad on wasm matches cpu', () => {
  for (const [k, s, pad] of poolCases) {
    test(`${k}×${k}, stride ${s}, ${pad}`, async () => {
      const shape: [number, number, number, number] = [2, 9, 7, 3];
      await tf.setBackend('cpu');
      const ys = tf.avgPool(tf.zeros(shape) as tf.Tensor4D, k, s, pad);
      const dy = await normal(ys.shape, 8);
      ys.dispose();
      await agrees(() =>
        tf.engine().runKernel(
          'AvgPoolGrad',
          {
            dy: tf.tensor(dy, ys.shape),
            input: tf.zeros(shape),
          },
          { filterSize: k, strides: s, pad } as unknown as tf.NamedAttrMap,
        ),
      );
    });
  }
});

describe('Identity on wasm', () => {
  test('shares the data; each reference frees independently', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const buffers = tf.backend().numDataIds();
    const x = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const y = tf.clone(x);
    x.dispose();
    assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3, 4]);
    const z = tf.add(y, 1);
    y.dispose();
    assert.deepEqual(Array.from(z.dataSync()), [2, 3, 4, 5]);
    z.dispose();
    assert.equal(tf.memory().numTensors, before, 'tensors leaked');
    assert.equal(tf.backend().numDataIds(), buffers, 'wasm data leaked');
  });
});

describe('Cast on wasm', () => {
  test('to the same type shares the data, to others converts', async () => {
    await tf.setBackend('wasm');
    const buffers = tf.backend().numDataIds();
    const x = tf.tensor1d([1.5, -2, 0]);
    const same = tf.cast(x, 'float32');
    const ints = tf.cast(x, 'int32');
    assert.equal(tf.backend().numDataIds(), buffers + 2, 'one new buffer');
    x.dispose();
    assert.deepEqual(Array.from(same.dataSync()), [1.5, -2, 0]);
    assert.deepEqual(Array.from(ints.dataSync()), [1, -2, 0]);
    assert.equal(ints.dtype, 'int32');
    tf.dispose([same, ints]);
    assert.equal(tf.backend().numDataIds(), buffers, 'wasm data leaked');
  });
});

describe('UnsortedSegmentSum on wasm matches cpu', () => {
  test('rows summed by id, out-of-range ids dropped', async () => {
    const x = await normal([6, 4, 3], 7);
    const ids = [0, 3, 3, -1, 5, 1];
    await agrees(() =>
      tf.unsortedSegmentSum(
        tf.tensor3d(x, [6, 4, 3]),
        tf.tensor1d(ids, 'int32'),
        4,
      ),
    );
  });
});

describe('BatchMatMul and _FusedMatMul on wasm match cpu', () => {
  for (const [ta, tb] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ] as const) {
    test(`transposeA ${ta}, transposeB ${tb}: 2-D, batched, fused`, async () => {
      const [m, k, n] = [5, 7, 3];
      const a2 = await normal([m * k], 11);
      const b2 = await normal([k * n], 12);
      const a3 = await normal([2 * m * k], 13);
      const b3 = await normal([2 * k * n], 14);
      const bias = await normal([n], 15);
      const aShape = (batch: number[]): number[] => [
        ...batch,
        ...(ta ? [k, m] : [m, k]),
      ];
      const bShape = (batch: number[]): number[] => [
        ...batch,
        ...(tb ? [n, k] : [k, n]),
      ];
      await agrees(() =>
        tf.matMul(tf.tensor(a2, aShape([])), tf.tensor(b2, bShape([])), ta, tb),
      );
      await agrees(() =>
        tf.matMul(
          tf.tensor(a3, aShape([2])),
          tf.tensor(b3, bShape([2])),
          ta,
          tb,
        ),
      );
      await agrees(() =>
        tf.fused.matMul({
          a: tf.tensor2d(a2, ta ? [k, m] : [m, k]),
          b: tf.tensor2d(b2, tb ? [n, k] : [k, n]),
          transposeA: ta,
          transposeB: tb,
          bias: tf.tensor1d(bias),
          activation: 'relu',
        }),
      );
    });
  }
});

test('registerWasmTrainingKernels is idempotent', () => {
  const first = registerWasmTrainingKernels();
  const kernel = tf.getKernel('MaxPoolGrad', 'wasm');
  assert.deepEqual(registerWasmTrainingKernels(), first);
  assert.equal(tf.getKernel('MaxPoolGrad', 'wasm'), kernel);
});

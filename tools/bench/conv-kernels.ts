// Times one DSM-like training step (batch 32 of 28×28×1, a small conv
// score network, Adam) on the WebAssembly backend with this project's
// training kernels, on wasm with its shipped Conv2DBackpropInput, and on
// the pure-JS cpu backend, and prints the median milliseconds of each.
//
//   npx tsx tools/bench/conv-kernels.ts [--steps 5] [--cpu-steps 1]
//
// The cpu backend takes minutes per step: it runs no warm-up step.
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@acsm/core';
import { median } from './stats';

const BATCH = 32;
const SIZE = 28;
const WIDTH = 32;

interface Net {
  filters: tf.Variable[];
  biases: tf.Variable[];
}

/** conv 1→32, two 32→32, 32→1: all 3×3 'same', ELU between. */
function makeNet(): Net {
  const widths = [1, WIDTH, WIDTH, WIDTH, 1];
  const filters = widths.slice(1).map((out, i) => {
    const std = Math.sqrt(2 / (9 * widths[i]));
    return tf.variable(tf.randomNormal([3, 3, widths[i], out], 0, std));
  });
  const biases = widths.slice(1).map((out) => tf.variable(tf.zeros([out])));
  return { filters, biases };
}

function scoreNet(net: Net, x: tf.Tensor4D): tf.Tensor4D {
  let h = x;
  net.filters.forEach((w, i) => {
    const y = tf.add(tf.conv2d(h, w as tf.Tensor4D, 1, 'same'), net.biases[i]);
    h = (i < net.filters.length - 1 ? tf.elu(y) : y) as tf.Tensor4D;
  });
  return h;
}

/** DSM loss, NCSN style: ½ mean_n Σ (σ·s(x + σz)/σ + z)², s = net/σ. */
function dsmLoss(net: Net, x: tf.Tensor4D, sigma: tf.Tensor4D): tf.Scalar {
  const z = tf.randomNormal(x.shape);
  const noisy = tf.add(x, tf.mul(sigma, z)) as tf.Tensor4D;
  const score = tf.div(scoreNet(net, noisy), sigma);
  const r = tf.add(tf.mul(sigma, score), z);
  return tf.mul(0.5, tf.mean(tf.sum(tf.square(r), [1, 2, 3])));
}

/** Runs `steps` Adam steps, after one warm-up step if `warmUp`; returns
 * each timed step's milliseconds. */
async function timeSteps(steps: number, warmUp: boolean): Promise<number[]> {
  const net = makeNet();
  const opt = tf.train.adam(1e-3);
  const x = tf.randomUniform([BATCH, SIZE, SIZE, 1]) as tf.Tensor4D;
  const sigma = tf.randomUniform([BATCH, 1, 1, 1], 0.01, 1) as tf.Tensor4D;
  const step = () => adamStep(opt, net, () => dsmLoss(net, x, sigma));
  if (warmUp) await step();
  const times: number[] = [];
  for (let i = 0; i < steps; i++) times.push(await step());
  tf.dispose([...net.filters, ...net.biases, x, sigma]);
  opt.dispose();
  return times;
}

/** One optimiser step on `loss`; returns its milliseconds. */
async function adamStep(
  opt: tf.Optimizer,
  net: Net,
  loss: () => tf.Scalar,
): Promise<number> {
  const t0 = performance.now();
  const value = opt.minimize(loss, true, [...net.filters, ...net.biases]);
  await value?.data();
  value?.dispose();
  return performance.now() - t0;
}

/**
 * Registers `config` as the wasm kernel of its name in place of the one
 * there, running its set-up (the shipped kernels bind their WebAssembly
 * function there, which the backend did not do for a replaced kernel).
 */
function swapWasmKernel(config: tf.KernelConfig): void {
  tf.unregisterKernel(config.kernelName, 'wasm');
  tf.registerKernel(config);
  config.setupFunc?.(tf.backend());
}

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

async function main(): Promise<void> {
  const steps = flag('steps', 5);
  const cpuSteps = flag('cpu-steps', 1);
  const shipped = tf.getKernel('Conv2DBackpropInput', 'wasm');
  const info = await initBackend({ backend: 'wasm' });
  console.log(`backend ${JSON.stringify(info)}`);
  const report = (label: string, ms: number[]) =>
    console.log(
      `${label}: median ${median(ms).toFixed(0)} ms/step ` +
        `(${ms.length} steps: ${ms.map((t) => t.toFixed(0)).join(', ')})`,
    );

  report('wasm, project kernels', await timeSteps(steps, true));

  const ours = tf.getKernel('Conv2DBackpropInput', 'wasm');
  swapWasmKernel(shipped);
  report('wasm, shipped Conv2DBackpropInput', await timeSteps(steps, true));
  swapWasmKernel(ours);

  if (cpuSteps < 1) return;
  await tf.setBackend('cpu');
  report('cpu (pure JS)', await timeSteps(cpuSteps, false));
}

await main();

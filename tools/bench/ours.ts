// Our side of a bench case: the profile's score network on the backend
// initBackend picks, its optimiser, the input, one step, and the files
// the PyTorch side reads.
import { closeSync, openSync, writeSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { Adam, createRng, type DsmNoise, type Rng } from '@acsm/core';
import {
  disposeParams,
  type AnyNetwork,
  type NCSNv2Config,
  type Params,
} from '@acsm/models';
import { planMicroBatch } from '../../packages/experiments/src/train/micro-batch';
import { scoreNetworkOf } from '../../packages/experiments/src/train/networks';
import {
  dsmGradients as dsmStepGradients,
  dsmGradientsWithNoise,
} from '../../packages/experiments/src/train/steps';
import {
  benchSigmas,
  imageShape,
  profileConfig,
  type BenchCase,
} from './cases';
import {
  BLOB,
  MANIFEST,
  outputFile,
  type ExchangeManifest,
  type Layout,
  type StoredTensor,
} from './exchange';
import { countFlops } from './flops';
import { parents, recordDepths } from './kernels';

const ADAM_EPSILON = 1e-8;

/** A case built on our side. */
export interface OursBench {
  readonly case: BenchCase;
  readonly network: AnyNetwork;
  readonly params: Params;
  /** The trainable params by name, which Adam updates. */
  readonly trainable: Record<string, tf.Variable>;
  readonly optimizer: Adam;
  /** The step's input [N, H, W, C] in [0, 1]. */
  readonly x: tf.Tensor4D;
  /** Fixed noise for the parity check of the loss. */
  readonly noise: DsmNoise;
  readonly sigmas: number[];
  readonly rng: Rng;
  /** Examples per pass of a training step (planMicroBatch's choice). */
  microBatch?: number;
}

/** Builds a case: weights, input and noise all drawn from `seed`. */
export function buildOurs(c: BenchCase, seed: number): OursBench {
  const config = profileConfig(c);
  const shape = imageShape(c);
  const network = scoreNetworkOf(config, shape);
  const params = network.init(seed);
  const trainable = Object.fromEntries(
    Object.entries(params).filter(([, v]) => v.trainable),
  );
  const { learningRate, beta1, beta2 } = config.training;
  const optimizer = new Adam(trainable, {
    learningRate,
    beta1,
    beta2,
    epsilon: ADAM_EPSILON,
  });
  const rng = createRng(seed);
  const xShape = [c.batch, ...shape];
  const x = tf.randomUniform(xShape, 0, 1, 'float32', rng.nextSeed());
  const levels = Float32Array.from({ length: c.batch }, () => rng.uniform());
  const sigmas = benchSigmas(c);
  const sigma = tf.tensor4d(
    levels.map((u) => sigmas[Math.floor(u * sigmas.length)]),
    [c.batch, 1, 1, 1],
  );
  const z = tf.randomNormal(xShape, 0, 1, 'float32', rng.nextSeed());
  return {
    case: c,
    network,
    params,
    trainable,
    optimizer,
    x: x as tf.Tensor4D,
    noise: { sigma, z: z as tf.Tensor4D },
    sigmas,
    rng,
  };
}

/** Frees everything a case holds. */
export function disposeOurs(b: OursBench): void {
  disposeParams(b.params);
  b.optimizer.dispose();
  tf.dispose([b.x, b.noise.sigma, b.noise.z]);
}

/**
 * The micro-batch of a training case as the training loop plans it (on
 * WebAssembly from a measured pass and the heap; ACSM_MICRO_BATCH
 * overrides); the line that says it, null when there was no choice.
 */
export async function planOurs(b: OursBench): Promise<string | null> {
  if (b.case.kind !== 'train') return null;
  const plan = await planMicroBatch(b, b.case.batch, imageShape(b.case));
  b.microBatch = plan.microBatch;
  return plan.note;
}

/**
 * The first part of a training step, as dsmStep takes it: fresh levels
 * and noise, the DSM loss (arXiv:2009.05475, PAPER.md §2) and its
 * gradients by parameter name, in micro-batches when planned.
 */
export function dsmGradients(b: OursBench) {
  const { sigmas, rng, microBatch } = b;
  return dsmStepGradients(b, b.x, { sigmas, rng, microBatch });
}

/** The second part: one Adam update; frees the gradients. */
export function adamUpdate(
  b: OursBench,
  grads: Record<string, tf.Tensor>,
): void {
  b.optimizer.applyGradients(grads);
  tf.dispose(grads);
}

/**
 * One training step as dsmStep runs it, without the EMA: the loss and
 * its gradients, one Adam update, the loss read back.
 */
export function trainStep(b: OursBench): void {
  const { value, grads } = dsmGradients(b);
  adamUpdate(b, grads);
  value.dataSync();
  value.dispose();
}

/** One network evaluation, as a sampler's step makes, read back. */
export function forwardStep(b: OursBench): void {
  const y = b.network.apply(b.params, b.x);
  y.dataSync();
  y.dispose();
}

/** The case's step. */
export function step(b: OursBench): void {
  if (b.case.kind === 'train') trainStep(b);
  else forwardStep(b);
}

/**
 * Counted FLOPs of one forward pass of the whole batch: the convolutions
 * and products of a profiled forward pass of one image, times the batch.
 */
export async function forwardFlops(b: OursBench): Promise<number> {
  const one = tf.slice(b.x, 0, 1) as tf.Tensor4D;
  const depths: number[] = [];
  const info = await tf.profile(() => {
    recordDepths(depths);
    tf.dispose(b.network.apply(b.params, one));
  });
  one.dispose();
  return b.case.batch * countFlops(info.kernels, parents(depths));
}

// ---------------------------------------------------------------- files

/** Appends tensors to one open file, tracking the byte offset. */
class BlobWriter {
  private offset = 0;
  private readonly fd: number;

  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }

  write(t: tf.Tensor, layout: Layout): StoredTensor {
    const data = t.dataSync() as Float32Array;
    writeSync(
      this.fd,
      new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    );
    const stored = { shape: [...t.shape], offset: this.offset, layout };
    this.offset += data.byteLength;
    return stored;
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Writes manifest.json and bench.f32 for the PyTorch side. */
export async function writeExchange(b: OursBench, dir: string): Promise<void> {
  const blob = new BlobWriter(join(dir, BLOB));
  const params = Object.entries(b.params).map(([name, v]) => ({
    name,
    trainable: v.trainable,
    ...blob.write(v, v.rank === 4 ? 'hwio' : 'plain'),
  }));
  const inputs = {
    x: blob.write(b.x, 'nhwc'),
    sigma: blob.write(b.noise.sigma, 'nhwc'),
    z: blob.write(b.noise.z, 'nhwc'),
  };
  blob.close();
  const o = b.optimizer;
  const config = b.network.config as NCSNv2Config;
  const manifest: ExchangeManifest = {
    file: BLOB,
    kind: b.case.kind,
    config: {
      ngf: config.ngf,
      depth: config.depth,
      dilation: config.dilation,
      channels: config.channels,
      imageSize: config.imageSize,
    },
    params,
    inputs,
    sigmas: b.sigmas,
    adam: {
      lr: o.learningRate,
      beta1: o.beta1,
      beta2: o.beta2,
      eps: o.epsilon,
    },
  };
  await writeFile(join(dir, MANIFEST), JSON.stringify(manifest));
}

async function writeF32(path: string, parts: tf.Tensor[]): Promise<void> {
  const arrays = parts.map((t) => t.dataSync() as Float32Array);
  await writeFile(
    path,
    Buffer.concat(
      arrays.map((a) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength)),
    ),
  );
}

/**
 * Our parity outputs: the forward output on x; for a training case also
 * the DSM loss on the fixed noise and its gradients (manifest order).
 */
export async function writeParityOutputs(
  b: OursBench,
  dir: string,
): Promise<void> {
  const y = b.network.apply(b.params, b.x);
  await writeF32(join(dir, outputFile('ours', 'forward')), [y]);
  y.dispose();
  if (b.case.kind !== 'train') return;
  const m = b.microBatch ?? b.case.batch;
  const { value, grads } = dsmGradientsWithNoise(b, b.x, b.noise, m);
  await writeF32(join(dir, outputFile('ours', 'loss')), [value]);
  const ordered = Object.keys(b.trainable).map((name) => grads[name]);
  await writeF32(join(dir, outputFile('ours', 'grads')), ordered);
  tf.dispose([value, grads]);
}

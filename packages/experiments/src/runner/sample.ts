import * as tf from '@tensorflow/tfjs-core';
import {
  annealedLangevin,
  consistentAnnealed,
  createRng,
  type LevelScoreNetwork,
} from '@acsm/core';
import type { AnyNetwork, Params } from '@acsm/models';
import type { ImageShape } from '@acsm/data';
import type { SamplingConfig } from '../config';
import { InterruptedError } from '../train/loop';

/** Raw and denoised samples of one sampler run, [N, H, W, C]. */
export interface Samples {
  raw: Float32Array;
  denoised: Float32Array;
  shape: ImageShape;
}

/** Network evaluations per sample of a sampler (PAPER.md §3–§4). */
export function evaluationsPerSample(
  s: Pick<SamplingConfig, 'sampler' | 'stepsPerLevel'>,
  numLevels: number,
): number {
  switch (s.sampler) {
    case 'als':
      return numLevels * s.stepsPerLevel;
    case 'cas':
      return (numLevels - 1) * s.stepsPerLevel + 1;
  }
}

export interface SampleOptions {
  network: AnyNetwork;
  /** The EMA weights. */
  weights: Params;
  sigmas: readonly number[];
  sampling: SamplingConfig;
  /** [H, W, C] of one image. */
  imageSize: readonly [number, number, number];
  seed: number;
  /**
   * x0 ~ Uniform[low, high]^D; default [0, 1], the images' range
   * (PAPER.md §3).
   */
  init?: readonly [number, number];
  /** Called after every network evaluation of every batch. */
  onStep?: () => void;
  signal?: AbortSignal;
}

function runSampler(
  o: SampleOptions,
  x0: tf.Tensor4D,
  rng: ReturnType<typeof createRng>,
) {
  const net: LevelScoreNetwork = (x) =>
    o.network.apply(o.weights, x) as tf.Tensor4D;
  const { sampler, stepSize, stepsPerLevel, noiseFirst } = o.sampling;
  const common = { stepSize, stepsPerLevel, rng, onStep: o.onStep };
  switch (sampler) {
    case 'als':
      return annealedLangevin(net, x0, o.sigmas, { ...common, noiseFirst });
    case 'cas':
      return consistentAnnealed(net, x0, o.sigmas, common);
  }
}

/**
 * Samples `numSamples` images in batches from x0 ~ U[0, 1]^D (PAPER.md
 * §3; `init` sets the range), each batch on its own named random stream;
 * returns raw and denoised samples, not clamped.
 */
export async function sampleBoth(o: SampleOptions): Promise<Samples> {
  const { numSamples, batchSize } = o.sampling;
  const [h, w, c] = o.imageSize;
  const size = h * w * c;
  const [low, high] = o.init ?? [0, 1];
  const raw = new Float32Array(numSamples * size);
  const denoised = new Float32Array(numSamples * size);
  for (let start = 0; start < numSamples; start += batchSize) {
    const n = Math.min(batchSize, numSamples - start);
    const rng = createRng(o.seed).fork(`sample batch ${start}`);
    const x0 = tf.randomUniform(
      [n, h, w, c],
      low,
      high,
      'float32',
      rng.nextSeed(),
    );
    const out = runSampler(o, x0 as tf.Tensor4D, rng);
    raw.set(await out.raw.data(), start * size);
    denoised.set(await out.denoised.data(), start * size);
    tf.dispose([x0, out.raw, out.denoised]);
    if (o.signal?.aborted) {
      throw new InterruptedError('interrupted while sampling');
    }
  }
  return { raw, denoised, shape: [numSamples, h, w, c] };
}

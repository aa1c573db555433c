// One toy model: its data and schedule, training with the image runner's
// loop and steps, sampling with its sampler runner, and the metric.
import { geometricSigmas, sigmaMaxFromData } from '@acsm/core';
import type { ImageDataset, Toy2d } from '@acsm/data';
import {
  nearestNeighbourDistances,
  type NearestNeighbourResult,
} from '@acsm/eval';
import { toyDiscriminator, toyScoreNetwork } from '@acsm/models';
import type { LossTerms } from '../train/steps';
import { trainLoop } from '../train/loop';
import {
  disposeState,
  stateOf,
  type TrainNetworks,
  type TrainState,
} from '../train/state';
import { configHash } from '../hash';
import { sampleBoth, type Samples } from '../runner/sample';
import type {
  ToyDatasetName,
  ToyModelConfig,
  ToyProfile,
  ToySampler,
} from './definition';
import { onPointImages, pointDataset, toyPoints } from './points';

/** What every model of one dataset shares. */
export interface ToyData {
  dataset: ToyDatasetName;
  train: ImageDataset;
  /** The real points of the metric, [evalPoints, 2]. */
  real: Toy2d;
  /** The metric between `real` and an independent draw: its floor. */
  floor: NearestNeighbourResult;
  /** σ_1 (Technique 1 on the training set) → σ_L, geometric. */
  sigmas: number[];
}

/** Seeds of a profile's draws, apart from each other. */
const SEEDS = { train: 0, real: 1, floor: 2, sample: 3 } as const;

/**
 * The training set, the metric's real points, its floor and the
 * schedule: σ_1 = the largest pairwise distance over the training set
 * (Technique 1, PAPER.md §8), σ_L and L from the profile.
 */
export function prepareToyData(
  p: ToyProfile,
  dataset: ToyDatasetName,
): ToyData {
  const draw = (n: number, seed: number) =>
    toyPoints(dataset, n, { seed: p.seed + seed, data: p.data });
  const points = draw(p.data.trainPoints, SEEDS.train);
  const source = `${dataset}(n=${points.n}, seed=${p.seed})`;
  const train = pointDataset(points, source, 'train');
  const real = draw(p.data.evalPoints, SEEDS.real);
  const other = draw(p.data.evalPoints, SEEDS.floor);
  const floor = nearestNeighbourDistances(other.points, real.points);
  const sigmaMax = sigmaMaxFromData(points.points, {
    dim: 2,
    chunkSize: 4096,
  });
  const { sigmaMin, numLevels } = p.noise;
  const sigmas = geometricSigmas(sigmaMax, sigmaMin, numLevels);
  return { dataset, train, real, floor, sigmas };
}

/** The toy MLPs, on points as [N, 1, 1, 2] (PAPER.md §7). */
export function toyNetworks(config: ToyModelConfig): TrainNetworks {
  const o = config.model;
  const hybrid = config.training.kind === 'hybrid';
  return {
    score: onPointImages(toyScoreNetwork(o)),
    discriminator: hybrid ? onPointImages(toyDiscriminator(o)) : null,
  };
}

export interface TrainToyOptions {
  /** Where the loop writes its checkpoint (a scratch folder). */
  checkpointDir: string;
  onLog: (step: number, terms: LossTerms) => void;
  onProgress: (step: number) => void;
  signal?: AbortSignal;
}

/**
 * Trains one model with the image runner's loop: DSM or hybrid steps of
 * PAPER.md §2 and §6; the fakes are not clamped (the toys are unbounded).
 */
export async function trainToy(
  config: ToyModelConfig,
  data: ToyData,
  o: TrainToyOptions,
): Promise<TrainState> {
  const state = stateOf(toyNetworks(config), config);
  try {
    await trainLoop(state, {
      config,
      dataset: data.train,
      sigmas: data.sigmas,
      configHash: configHash(config),
      checkpointDir: o.checkpointDir,
      onLog: o.onLog,
      onCheckpoint: () => undefined,
      onProgress: o.onProgress,
      signal: o.signal,
      fakeRange: null,
    });
  } catch (error) {
    disposeState(state);
    throw error;
  }
  return state;
}

/**
 * `evalPoints` samples of one sampler from the EMA weights, x_0 ~
 * Uniform(init)²; raw and denoised, [evalPoints, 2] row-major.
 */
export function sampleToy(
  state: TrainState,
  data: ToyData,
  p: ToyProfile,
  o: { sampler: ToySampler; signal?: AbortSignal },
): Promise<Samples> {
  return sampleBoth({
    network: state.score.network,
    weights: state.ema.weights,
    sigmas: data.sigmas,
    sampling: {
      ...o.sampler,
      noiseFirst: false,
      numSamples: p.data.evalPoints,
      batchSize: p.sampleBatch,
    },
    imageSize: [1, 1, 2],
    seed: p.seed + SEEDS.sample,
    init: p.init,
    signal: o.signal,
  });
}

/** Non-finite values of a sample set (a diverged sampler). */
export function nonFiniteCount(points: Float32Array): number {
  let count = 0;
  for (const v of points) if (!Number.isFinite(v)) count += 1;
  return count;
}

/**
 * The metric of PAPER.md §9 on one sample set: mean nearest-neighbour
 * distance fake→real plus real→fake; null when a sample is not finite.
 */
export function toyMetric(
  fake: Float32Array,
  real: Toy2d,
): NearestNeighbourResult | null {
  if (nonFiniteCount(fake) > 0) return null;
  return nearestNeighbourDistances(fake, real.points);
}

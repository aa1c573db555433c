import { createRng, ganLoss } from '@acsm/core';
import { batchAt, type ImageDataset, imagesTensor } from '@acsm/data';
import type { ExperimentConfig } from '../config';
import { dsmStep, hybridStep, type LossTerms } from './steps';
import { type TrainState, writeCheckpoint } from './state';

/** A loss that became NaN or infinite: the run stops and is FAILED. */
export class NonFiniteLossError extends Error {
  override name = 'NonFiniteLossError';
  constructor(
    readonly step: number,
    readonly term: string,
    readonly value: number,
  ) {
    super(`training stopped at step ${step}: ${term} is ${value}`);
  }
}

/** Raised after an interrupt, once the checkpoint is written. */
export class InterruptedError extends Error {
  override name = 'InterruptedError';
}

/** What the loop reads of an experiment's configuration. */
export type TrainLoopConfig = Pick<
  ExperimentConfig,
  'seed' | 'training' | 'adversarial'
>;

export interface TrainLoopOptions {
  config: TrainLoopConfig;
  /** Random horizontal flips of the batches (images only). */
  flip?: boolean;
  /** [N, H, W, C]; a point set is [N, 1, 1, D]. */
  dataset: ImageDataset;
  sigmas: readonly number[];
  configHash: string;
  /** Local directory of the run's latest checkpoint. */
  checkpointDir: string;
  /** Mean loss terms over the last `logEvery` steps. */
  onLog: (step: number, terms: LossTerms) => Promise<void> | void;
  onCheckpoint: (step: number) => Promise<void> | void;
  onProgress: (step: number) => void;
  /** Stop at the next step boundary, after a checkpoint. */
  signal?: AbortSignal;
  /** Where hybrid fakes are clamped; see HybridOptions.fakeRange. */
  fakeRange?: readonly [number, number] | null;
  /**
   * Examples per forward and backward pass of a DSM step (default the
   * whole batch; see DsmStepOptions.microBatch). Hybrid steps ignore it.
   */
  microBatch?: number;
}

/** One iteration; its noise comes from a stream named by the step. */
function iteration(state: TrainState, o: TrainLoopOptions): LossTerms {
  const { config } = o;
  const rng = createRng(config.seed).fork(`train step ${state.step}`);
  const batch = batchAt(o.dataset, {
    batchSize: config.training.batchSize,
    seed: config.seed,
    step: state.step,
    flip: o.flip ?? false,
  });
  const x = imagesTensor(batch);
  try {
    const d = state.discriminator;
    if (!d)
      return dsmStep(state.score, state.ema, x, {
        sigmas: o.sigmas,
        rng,
        microBatch: o.microBatch,
      });
    const a = config.adversarial;
    return hybridStep(state.score, d, state.ema, x, {
      sigmas: o.sigmas,
      rng,
      gan: ganLoss(a.loss),
      discriminatorSteps: a.discriminatorSteps,
      lambdaDsm: a.lambdaDsm,
      lambdaGenerator: a.lambdaGenerator,
      fakeRange: o.fakeRange,
    });
  } finally {
    x.dispose();
  }
}

function checkFinite(step: number, terms: LossTerms): void {
  for (const [term, value] of Object.entries(terms)) {
    if (!Number.isFinite(value))
      throw new NonFiniteLossError(step, term, value);
  }
}

class RunningMean {
  private sums: Record<string, number> = {};
  private count = 0;
  add(terms: LossTerms): void {
    for (const [k, v] of Object.entries(terms))
      this.sums[k] = (this.sums[k] ?? 0) + v;
    this.count += 1;
  }
  take(): LossTerms {
    const out = Object.fromEntries(
      Object.entries(this.sums).map(([k, v]) => [k, v / this.count]),
    );
    [this.sums, this.count] = [{}, 0];
    return out;
  }
}

async function checkpoint(state: TrainState, o: TrainLoopOptions) {
  await writeCheckpoint(o.checkpointDir, state, o.configHash);
  await o.onCheckpoint(state.step);
}

/**
 * Trains from `state.step` to `training.iterations`: checkpoints every
 * `checkpointEvery` steps and at the end, logs mean loss terms every
 * `logEvery`, stops on a non-finite loss (naming step and term) and on
 * `signal` (after a checkpoint).
 */
export async function trainLoop(
  state: TrainState,
  o: TrainLoopOptions,
): Promise<void> {
  const { iterations, logEvery, checkpointEvery } = o.config.training;
  const mean = new RunningMean();
  while (state.step < iterations) {
    const terms = iteration(state, o);
    checkFinite(state.step, terms);
    mean.add(terms);
    state.step += 1;
    o.onProgress(state.step);
    if (state.step % logEvery === 0) await o.onLog(state.step, mean.take());
    if (state.step % checkpointEvery === 0) await checkpoint(state, o);
    await new Promise(setImmediate); // let signal handlers run
    if (o.signal?.aborted) {
      await checkpoint(state, o);
      throw new InterruptedError(`interrupted at step ${state.step}`);
    }
  }
  if (iterations % checkpointEvery !== 0 || iterations === 0) {
    await checkpoint(state, o);
  }
}

import * as tf from '@tensorflow/tfjs-core';
import { Adam, type AdamState, Ema } from '@acsm/core';
import {
  type AnyNetwork,
  type Checkpoint,
  type Params,
  type TensorGroup,
  disposeParams,
  loadCheckpoint,
  restoreParams,
  saveCheckpoint,
} from '@acsm/models';
import type { ExperimentConfig } from '../config';
import type { TrainLoopConfig } from './loop';
import type { Trainee } from './steps';
import { discriminatorOf, type ImageSize, scoreNetworkOf } from './networks';

/** Everything a training run carries from one iteration to the next. */
export interface TrainState {
  step: number;
  score: Trainee;
  ema: Ema;
  discriminator: Trainee | null;
}

function trainableOf(params: Params): Record<string, tf.Variable> {
  return Object.fromEntries(
    Object.entries(params).filter(([, v]) => v.trainable),
  );
}

function trainee(
  network: AnyNetwork,
  seed: number,
  opt: { learningRate: number; beta1: number; beta2: number; warmup?: number },
): Trainee {
  const params = network.init(seed);
  const trainable = trainableOf(params);
  return { network, params, trainable, optimizer: new Adam(trainable, opt) };
}

/** The networks a training run updates; no discriminator for DSM. */
export interface TrainNetworks {
  score: AnyNetwork;
  discriminator: AnyNetwork | null;
}

/**
 * Fresh weights (score seed `seed`, discriminator `seed + 1`), EMA and
 * optimisers for given networks (PAPER.md §2, §6).
 */
export function stateOf(
  networks: TrainNetworks,
  config: TrainLoopConfig,
): TrainState {
  const score = trainee(networks.score, config.seed, config.training);
  const d = networks.discriminator;
  const discriminator = d
    ? trainee(d, config.seed + 1, config.adversarial)
    : null;
  const ema = new Ema(score.params, config.training.emaRate);
  return { step: 0, score, ema, discriminator };
}

/** Fresh networks, EMA and optimisers (PAPER.md §2, §6). */
export function initialState(
  config: ExperimentConfig,
  size: ImageSize,
): TrainState {
  const hybrid = config.training.kind === 'hybrid';
  const networks = {
    score: scoreNetworkOf(config, size),
    discriminator: hybrid ? discriminatorOf(config, size) : null,
  };
  return stateOf(networks, config);
}

export function disposeState(state: TrainState): void {
  disposeParams(state.score.params);
  state.score.optimizer.dispose();
  state.ema.dispose();
  if (state.discriminator) {
    disposeParams(state.discriminator.params);
    state.discriminator.optimizer.dispose();
  }
}

function optimizerGroups(name: string, opt: Adam): Record<string, TensorGroup> {
  const { m, v } = opt.getState();
  return { [`optimizer.${name}.m`]: m, [`optimizer.${name}.v`]: v };
}

/** Writes the state as a checkpoint (models/README.md format). */
export async function writeCheckpoint(
  dir: string,
  state: TrainState,
  configHash: string,
): Promise<void> {
  const d = state.discriminator;
  await saveCheckpoint(dir, {
    step: state.step,
    configHash,
    networks: {
      score: describe(state.score.network),
      ...(d ? { discriminator: describe(d.network) } : {}),
    },
    rng: { derivedFromStep: true },
    groups: {
      score: state.score.params,
      ema: state.ema.weights,
      ...optimizerGroups('score', state.score.optimizer),
      ...(d ? { discriminator: d.params } : {}),
      ...(d ? optimizerGroups('discriminator', d.optimizer) : {}),
    },
    metadata: {
      optimizerSteps: {
        score: state.score.optimizer.step,
        discriminator: d?.optimizer.step ?? null,
      },
    },
  });
}

const describe = (n: AnyNetwork) => ({ kind: n.kind, config: n.config });

function optimizerState(
  ckpt: Checkpoint,
  name: string,
  step: number,
): AdamState {
  const read = (part: string) =>
    Object.fromEntries(
      Object.entries(ckpt.groups[`optimizer.${name}.${part}`]).map(([k, t]) => [
        k,
        t.data,
      ]),
    );
  return { step, m: read('m'), v: read('v') };
}

/** Restores a fresh state from the checkpoint at `dir`. */
export async function readCheckpointInto(
  dir: string,
  state: TrainState,
  configHash: string,
): Promise<void> {
  const d = state.discriminator;
  const ckpt = await loadCheckpoint(dir, {
    configHash,
    networks: {
      score: describe(state.score.network),
      ...(d ? { discriminator: describe(d.network) } : {}),
    },
  });
  const steps = (ckpt.metadata as { optimizerSteps: Record<string, number> })
    .optimizerSteps;
  restoreParams(state.score.params, ckpt.groups.score, 'score');
  restoreParams(state.ema.weights, ckpt.groups.ema, 'ema');
  state.score.optimizer.setState(optimizerState(ckpt, 'score', steps.score));
  if (d) {
    restoreParams(d.params, ckpt.groups.discriminator, 'discriminator');
    d.optimizer.setState(
      optimizerState(ckpt, 'discriminator', steps.discriminator),
    );
  }
  state.step = ckpt.step;
}

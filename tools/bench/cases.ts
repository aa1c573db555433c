// The cases of the CPU speed bench: table2's score networks (the `cpu`
// profile's small NCSNv2 and the paper's NCSNv2 on CIFAR-10), each timed
// as a training step and as a forward pass (one step of a sampler).
import { geometricSigmas } from '@acsm/core';
import type { ExperimentConfig } from '../../packages/experiments/src/config';
import type { ProfileName } from '../../packages/experiments/src/definitions';
import { table2 } from '../../packages/experiments/src/definitions/table2';
import { DATASETS } from '../../packages/experiments/src/runner/datasets';

/** What one step of a case does. */
export type StepKind = 'train' | 'forward';

/** Warm-up steps and timed steps, per side. */
export interface Reps {
  readonly warmup: number;
  readonly reps: number;
}

/** One row of the bench. */
export interface BenchCase {
  /** e.g. `cpu-train-32`. */
  readonly id: string;
  /** The table2 profile whose score network and optimiser it uses. */
  readonly profile: Extract<ProfileName, 'cpu' | 'paper'>;
  readonly kind: StepKind;
  readonly batch: number;
  readonly reps: Reps;
  /** Reps under --quick. */
  readonly quick: Reps;
}

const SMALL: Pick<BenchCase, 'reps' | 'quick'> = {
  reps: { warmup: 2, reps: 9 },
  quick: { warmup: 1, reps: 3 },
};
// The paper's network takes seconds to minutes per step on 2 cores; the
// parity check before the timing (a forward pass, and a backward pass for
// training, on each side) is its warm-up.
const LARGE: Pick<BenchCase, 'reps' | 'quick'> = {
  reps: { warmup: 0, reps: 3 },
  quick: { warmup: 0, reps: 1 },
};

/** Every case, in the order they run. */
export const CASES: readonly BenchCase[] = [
  { id: 'cpu-train-32', profile: 'cpu', kind: 'train', batch: 32, ...SMALL },
  {
    id: 'cpu-forward-128',
    profile: 'cpu',
    kind: 'forward',
    batch: 128,
    ...SMALL,
  },
  {
    id: 'paper-train-32',
    profile: 'paper',
    kind: 'train',
    batch: 32,
    ...LARGE,
  },
  {
    id: 'paper-forward-32',
    profile: 'paper',
    kind: 'forward',
    batch: 32,
    ...LARGE,
  },
  {
    id: 'paper-train-128',
    profile: 'paper',
    kind: 'train',
    batch: 128,
    ...LARGE,
  },
  {
    id: 'paper-forward-128',
    profile: 'paper',
    kind: 'forward',
    batch: 128,
    ...LARGE,
  },
];

/** The cases named in `ids` (all when empty); fails on an unknown id. */
export function selectCases(ids: readonly string[]): BenchCase[] {
  const unknown = ids.filter((id) => !CASES.some((c) => c.id === id));
  if (unknown.length > 0) {
    throw new Error(
      `bench: unknown case ${unknown.join(', ')}; known: ` +
        CASES.map((c) => c.id).join(', '),
    );
  }
  return CASES.filter((c) => ids.length === 0 || ids.includes(c.id));
}

/** The base config of a case's table2 profile. */
export function profileConfig(c: BenchCase): ExperimentConfig {
  const spec = table2.profiles[c.profile];
  if ('unavailable' in spec) {
    throw new Error(`bench: table2 ${c.profile}: ${spec.unavailable}`);
  }
  return spec.base;
}

/** [H, W, C] of the images of a case's dataset. */
export function imageShape(c: BenchCase): readonly [number, number, number] {
  return DATASETS[profileConfig(c).data.dataset].shape;
}

/**
 * The noise levels a training step draws from: the profile's schedule.
 * A profile whose σ_1 comes from the data (sigmaMax 0) gets σ_1 = 10·σ_L
 * here: the levels' values do not change the cost of a step.
 */
export function benchSigmas(c: BenchCase): number[] {
  const { sigmaMax, sigmaMin, numLevels } = profileConfig(c).noise;
  return geometricSigmas(sigmaMax || 10 * sigmaMin, sigmaMin, numLevels);
}

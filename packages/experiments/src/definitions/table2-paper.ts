import { readdirSync } from 'node:fs';
import type { ExperimentConfig, Overrides, TrainingKind } from '../config';
import { SWEEP_DIR, type SweepKey, sweepReference } from '../references';
import type { BlockSpec, ProfileSpec } from './types';

// The paper's runs of Table 2 (PAPER.md §6-§9, rows 1-6 of the grid), as
// the authors' configs set them where PAPER.md is silent (sampling batch,
// checkpoint interval). Each model trains to the checkpoint the paper
// evaluates (the authors trained on, to 300k/200k iterations; the later
// steps do not change that checkpoint).

const SWEEP_FILES = readdirSync(SWEEP_DIR).filter((f) => f.endsWith('.csv'));

const STEP_SIZE_SOURCE =
  "the paper's ε per sampler (PAPER.md §9, from the authors' sweeps)";

/** A block's references: the released sweep row at the cell's ε. */
function sweepSettings(
  model: SweepKey['model'],
  stepSizes: Record<string, number>,
): Pick<BlockSpec, 'stepSizes' | 'stepSizeSource' | 'reference'> {
  return {
    stepSizes,
    stepSizeSource: STEP_SIZE_SOURCE,
    reference: (cell, stepSize) =>
      sweepReference(
        {
          model,
          training: cell.training,
          sampler: cell.sampler.sampler,
          stepsPerLevel: cell.sampler.stepsPerLevel,
        },
        stepSize,
        cell.output,
        SWEEP_FILES,
      ),
  };
}

/** Iterations per training kind: the evaluated checkpoint (§9). */
const checkpoints = (
  dsm: number,
  hybrid: number,
): Partial<Record<TrainingKind, Overrides<ExperimentConfig>>> => ({
  dsm: { training: { iterations: dsm } },
  hybrid: { training: { iterations: hybrid } },
});

const cifar10Ncsnv2: BlockSpec = {
  id: 'cifar10-ncsnv2',
  title: 'CIFAR-10, NCSNv2',
  overrides: {},
  perTraining: checkpoints(250_000, 250_000),
  ...sweepSettings('cifar10_ncsnv2', {
    cas1: 5.6e-6,
    cas5: 1.1e-6,
    als1: 1.8e-5,
    als5: 3.6e-6,
  }),
};

const churchesNcsnv2Deeper: BlockSpec = {
  id: 'churches-ncsnv2deeper',
  title: 'LSUN church_outdoor 64×64, NCSNv2Deeper',
  overrides: {
    data: { dataset: 'lsun-church' },
    model: { network: 'ncsnv2-deeper', depth: 5 },
    noise: { sigmaMax: 140, sigmaMin: 0.01, numLevels: 788 },
    training: { emaRate: 0.999 },
    sampling: { noiseFirst: true },
  },
  perTraining: checkpoints(180_000, 185_000),
  ...sweepSettings('churches_ncsnv2', {
    cas1: 2.8e-6,
    cas5: 4.5e-7,
    als1: 4.85e-6,
    als5: 9.7e-7,
  }),
};

const cifar10Unet: BlockSpec = {
  id: 'cifar10-unet',
  title: 'CIFAR-10, UNet',
  overrides: {
    model: { network: 'unet' },
    sampling: { noiseFirst: true },
  },
  perTraining: {
    dsm: { training: { iterations: 290_000 } },
    hybrid: {
      training: { iterations: 260_000 },
      adversarial: { discriminatorSteps: 2 },
    },
  },
  ...sweepSettings('cifar10_unet', {
    cas1: 5.45e-6,
    cas5: 1.05e-6,
    als1: 1.6e-5,
    als5: 4e-6,
  }),
};

/** The CIFAR-10 NCSNv2 run of the paper: the base the others override. */
export const paperBase: ExperimentConfig = {
  seed: 2021,
  data: { dataset: 'cifar10', maxTrainImages: 0, flip: true },
  model: {
    network: 'ncsnv2',
    ngf: 128,
    depth: 4,
    dilation: true,
    discriminatorCh: 64,
  },
  noise: { sigmaMax: 50, sigmaMin: 0.01, numLevels: 232 },
  training: {
    kind: 'dsm',
    iterations: 250_000,
    batchSize: 128,
    learningRate: 1e-4,
    beta1: 0.9,
    beta2: 0.999,
    warmup: 0,
    emaRate: 0.9999,
    checkpointEvery: 5000,
    logEvery: 100,
  },
  adversarial: {
    loss: 'lsgan',
    discriminatorSteps: 1,
    learningRate: 1e-4,
    beta1: -0.5,
    beta2: 0.9,
    lambdaDsm: 1,
    lambdaGenerator: 1,
  },
  sampling: {
    sampler: 'cas',
    stepsPerLevel: 1,
    stepSize: 5.6e-6,
    noiseFirst: false,
    numSamples: 10_000,
    batchSize: 100,
  },
  eval: { metric: 'fid_inception', output: 'raw' },
};

/** The paper profile of Table 2: three blocks of the grid. */
export function paperProfile(
  perTraining: ProfileSpec['perTraining'],
): ProfileSpec {
  return {
    description:
      "The paper's runs: CIFAR-10 with NCSNv2 and with the UNet, LSUN " +
      'church_outdoor with NCSNv2Deeper, full-size networks, 10 000 ' +
      'samples per cell, Inception FID. Needs a GPU and the data.',
    base: paperBase,
    perTraining,
    blocks: [cifar10Ncsnv2, churchesNcsnv2Deeper, cifar10Unet],
    stepSizes: cifar10Ncsnv2.stepSizes,
    stepSizeSource: cifar10Ncsnv2.stepSizeSource,
    reference: cifar10Ncsnv2.reference,
  };
}

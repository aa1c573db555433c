import { type Run, startRun } from '@acsm/tracking';
import { flatten, type OutputKind } from '../config';
import { imageGridPng } from '../grid';
import { createProgress } from '../progress';
import { type RunContext, timed } from './context';
import {
  type Evaluator,
  type Measurement,
  type Prepared,
  resolvedSchedule,
} from './prepare';
import type { ResolvedCell } from './resolve';
import { evaluationsPerSample, sampleBoth, type Samples } from './sample';
import type { TrainedModel } from './train-phase';

/** The measured value of one cell and the run that holds it. */
export interface CellResult {
  cell: ResolvedCell;
  value: number;
  numSamples: number;
  runId: string;
  reused: boolean;
  /** Every metric of the cell's run (e.g. kl beside the modes). */
  metrics: Record<string, number>;
}

const GRID_IMAGES = 64;

/** A finished run of this cell's config hash, if one exists. */
export async function findFinishedCell(
  ctx: RunContext,
  cell: ResolvedCell,
): Promise<Run | undefined> {
  const { runs } = await ctx.store.searchRuns({
    experimentIds: ctx.lookupExperimentIds,
    filter: {
      tags: { 'acsm.kind': 'cell', 'acsm.config_hash': cell.hash },
      status: 'FINISHED',
    },
  });
  return runs.find((r) => Number.isFinite(r.data.metrics[metricOf(cell)]));
}

const metricOf = (cell: ResolvedCell) => cell.config.eval.metric;

export function reusedResult(cell: ResolvedCell, run: Run): CellResult {
  return {
    cell,
    value: run.data.metrics[metricOf(cell)],
    numSamples: run.data.metrics.n_samples,
    runId: run.info.runId,
    reused: true,
    metrics: run.data.metrics,
  };
}

function grid(samples: Samples, output: OutputKind): Uint8Array {
  const [, h, w, c] = samples.shape;
  const n = Math.min(GRID_IMAGES, samples.shape[0]);
  const pixels = samples[output].subarray(0, n * h * w * c);
  return imageGridPng(pixels, [n, h, w, c], { columns: 8 });
}

async function sample(
  ctx: RunContext,
  cell: ResolvedCell,
  model: TrainedModel,
  prepared: Prepared,
): Promise<Samples> {
  const { sampling } = cell.config;
  const perSample = evaluationsPerSample(sampling, prepared.sigmas.length);
  const batches = Math.ceil(sampling.numSamples / sampling.batchSize);
  const label = `sample ${cell.spec.training} ${sampling.sampler.toUpperCase()} nσ=${sampling.stepsPerLevel}`;
  const progress = createProgress(label, perSample * batches);
  let done = 0;
  const [, h, w, c] = prepared.train.shape;
  const samples = await sampleBoth({
    network: model.state.score.network,
    weights: model.weights,
    sigmas: prepared.sigmas,
    sampling,
    imageSize: [h, w, c],
    seed: cell.config.seed,
    onStep: () => progress.tick(++done),
    signal: ctx.signal,
  });
  progress.finish();
  return samples;
}

async function logCell(
  ctx: RunContext,
  cell: ResolvedCell,
  o: {
    samples: Samples;
    measured: Measurement;
    trainRunId: string;
    prepared: Prepared;
    evaluator: Evaluator;
    seconds: number;
  },
): Promise<string> {
  const run = await startRun(ctx.store, {
    experimentId: ctx.experimentId,
    runName: cell.spec.id,
    tags: {
      ...ctx.environmentTags,
      'acsm.kind': 'cell',
      'acsm.table': ctx.def.name,
      'acsm.profile': ctx.profile,
      'acsm.cell': cell.spec.id,
      'acsm.config_hash': cell.hash,
      'acsm.training_hash': cell.trainingHash,
      'acsm.training_run_id': o.trainRunId,
      'mlflow.parentRunId': o.trainRunId,
      'acsm.data.source': o.prepared.train.source,
      'acsm.metric.reason': cell.metricReason,
      ...o.evaluator.tags,
      ...o.measured.tags,
    },
  });
  const { training } = cell.config;
  const unused = training.kind === 'dsm' ? { adversarial: null } : {};
  run.logParams({
    ...flatten({ ...cell.config, ...unused }),
    ...resolvedSchedule(o.prepared),
  });
  run.logMetrics({
    [metricOf(cell)]: o.measured.value,
    ...o.measured.metrics,
    n_samples: o.measured.nGenerated,
    ...o.evaluator.metrics,
    sampling_seconds: o.seconds,
  });
  const json = JSON.stringify(cell.config, null, 2);
  await run.logArtifactBytes('config.json', new TextEncoder().encode(json));
  await run.logArtifactBytes('samples_raw.png', grid(o.samples, 'raw'));
  await run.logArtifactBytes(
    'samples_denoised.png',
    grid(o.samples, 'denoised'),
  );
  await run.end('FINISHED');
  return run.info.runId;
}

/** One sampler run's output, waiting to be evaluated. */
export interface SampledGroup {
  cells: ResolvedCell[];
  samples: Samples;
  seconds: number;
}

/** Samples once for a (training, sampler) pair: raw and denoised. */
export async function sampleGroup(
  ctx: RunContext,
  cells: ResolvedCell[],
  model: TrainedModel,
  prepared: Prepared,
): Promise<SampledGroup> {
  const start = performance.now();
  const samples = await timed(ctx, 'sample', () =>
    sample(ctx, cells[0], model, prepared),
  );
  return { cells, samples, seconds: (performance.now() - start) / 1000 };
}

/** Evaluates and logs each output (raw, denoised) as its own cell run. */
export async function evaluateGroup(
  ctx: RunContext,
  group: SampledGroup,
  model: TrainedModel,
  prepared: Prepared,
): Promise<CellResult[]> {
  const evaluator = await prepared.evaluator();
  const { samples, seconds } = group;
  const results: CellResult[] = [];
  for (const cell of group.cells) {
    const output = cell.config.eval.output;
    const measured = await timed(ctx, 'evaluate', () =>
      evaluator.measure({ images: samples[output], shape: samples.shape }),
    );
    const runId = await logCell(ctx, cell, {
      samples,
      measured,
      trainRunId: model.runId,
      prepared,
      evaluator,
      seconds,
    });
    results.push({
      cell,
      value: measured.value,
      numSamples: measured.nGenerated,
      runId,
      reused: false,
      metrics: measured.metrics,
    });
  }
  return results;
}

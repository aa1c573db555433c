import { initBackend, type BackendInfo } from '@acsm/core';
import { DEFAULT_MNIST_CLASSIFIER_CONFIG } from '@acsm/eval';
import { openStore } from '@acsm/tracking';
import { DEFINITIONS, type ProfileName } from '../definitions';
import { formatDuration } from '../progress';
import { tableText } from '../table';
import { configHash } from '../hash';
import type { RunContext } from '../runner/context';
import { environmentTags } from '../runner/environment';
import { profileOf, type ResolvedCell, resolveCells } from '../runner/resolve';
import { runTable } from '../runner/run-table';
import { runSweep } from '../runner/sweep';
import { ConfigError, type SamplerKind, type TrainingKind } from '../config';
import { evaluationsPerSample } from '../runner/sample';
import type { Logger } from './logger';

export interface RunTargetOptions {
  target: keyof typeof DEFINITIONS;
  profile?: ProfileName;
  overrides: Record<string, unknown>;
  dryRun: boolean;
  resultsDir: string;
  logger: Logger;
}

/** The profile when none is named: `paper` on a GPU, `cpu` otherwise. */
function defaultProfile(backend: BackendInfo): ProfileName {
  return backend.name === 'node-gpu' ? 'paper' : 'cpu';
}

function describeBackend(b: BackendInfo): string {
  const note = b.reason ? ` (${b.reason})` : '';
  return `${b.name}, ${b.threads} thread(s), SIMD ${b.simd ? 'on' : 'off'}${note}`;
}

function printPlan(logger: Logger, cells: ResolvedCell[]): void {
  for (const cell of cells) {
    const c = cell.config;
    const levels = c.noise.numLevels || 'Technique 2';
    const evals =
      typeof levels === 'number'
        ? evaluationsPerSample(c.sampling, levels) * c.sampling.numSamples
        : '?';
    logger.result(
      `${cell.spec.id}: ${c.model.network} ngf=${c.model.ngf}, ` +
        `${c.data.dataset}, ${c.training.kind} ${c.training.iterations} it ` +
        `batch ${c.training.batchSize}, L=${levels} σ_L=${c.noise.sigmaMin}, ` +
        `${c.sampling.sampler.toUpperCase()} nσ=${c.sampling.stepsPerLevel} ` +
        `ε=${c.sampling.stepSize}, ${c.sampling.numSamples} samples, ` +
        `${evals} network evaluations, hash ${cell.hash}`,
    );
  }
}

/**
 * The first SIGINT/SIGTERM asks the work to stop at its next step (the
 * training loop checkpoints and marks its run KILLED); the handlers are
 * then removed, so a second signal ends the process at once, even in the
 * middle of a sampler chain.
 */
function interruptOnSignals(logger: Logger): AbortController {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    logger.warn(
      `${signal}: stopping after the current step (a sampler chain ` +
        'finishes first); send it again to quit at once',
    );
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller;
}

/** Backend, tracking store, signals: what every command that runs needs. */
async function createContext(
  def: (typeof DEFINITIONS)[keyof typeof DEFINITIONS],
  profile: ProfileName,
  backend: BackendInfo,
  logger: Logger,
): Promise<RunContext> {
  logger.info(`backend: ${describeBackend(backend)}`);
  const store = await openStore(process.env.MLFLOW_TRACKING_URI, {
    notify: (message) => logger.warn(message),
  });
  const experiment = await store.getOrCreateExperiment(def.name);
  return {
    def,
    profile,
    logger,
    store,
    experimentId: experiment.experimentId,
    backend,
    environmentTags: environmentTags(backend),
    cacheDir: process.env.ACSM_CACHE_DIR ?? '.cache/acsm',
    signal: interruptOnSignals(logger).signal,
    timings: {},
  };
}

function printTimings(ctx: RunContext, start: number): void {
  for (const [phase, s] of Object.entries(ctx.timings)) {
    ctx.logger.info(`  ${phase}: ${formatDuration(s)}`);
  }
  const total = (performance.now() - start) / 1000;
  ctx.logger.info(`total ${formatDuration(total)}`);
}

/** A results folder suffix for a run with --set overrides: never the profile's own. */
function variantName(overrides: Record<string, unknown>): string | null {
  const keys = Object.keys(overrides);
  return keys.length === 0
    ? null
    : `custom-${configHash(overrides).slice(0, 8)}`;
}

/** `acsm run <target>`: resolve, then run the table and print it. */
export async function runTarget(o: RunTargetOptions): Promise<void> {
  const def = DEFINITIONS[o.target];
  const backend = await initBackend();
  const profile = o.profile ?? defaultProfile(backend);
  profileOf(def, profile);
  const cells = resolveCells(def, profile, o.overrides);
  if (o.dryRun) {
    o.logger.result(`${def.name}, profile ${profile}: ${cells.length} cells`);
    return printPlan(o.logger, cells);
  }
  const ctx = await createContext(def, profile, backend, o.logger);
  o.logger.info(`${def.name}, profile ${profile}: ${cells.length} cells`);
  const start = performance.now();
  const { rows, dir } = await runTable(ctx, cells, {
    resultsDir: o.resultsDir,
    variant: variantName(o.overrides),
  });
  o.logger.result(`\n${def.title} (profile ${profile})\n${tableText(rows)}`);
  o.logger.info(
    `wrote ${dir}/table.md and table.csv; runs in experiment ` +
      `'${def.name}' of ${process.env.MLFLOW_TRACKING_URI ?? './mlruns'}`,
  );
  printTimings(ctx, start);
}

export interface SweepTargetOptions extends RunTargetOptions {
  training: TrainingKind;
  sampler: SamplerKind;
  stepsPerLevel: number;
  stepSizes: number[];
  numSamples: number;
}

/** `acsm sweep <target>`: FID against ε for one sampler column. */
export async function sweepTarget(o: SweepTargetOptions): Promise<void> {
  const def = DEFINITIONS[o.target];
  const backend = await initBackend();
  const profile = o.profile ?? defaultProfile(backend);
  const cell = resolveCells(def, profile, o.overrides).find(
    (c) =>
      c.spec.training === o.training &&
      c.spec.sampler.sampler === o.sampler &&
      c.spec.sampler.stepsPerLevel === o.stepsPerLevel,
  );
  if (!cell) {
    throw new ConfigError(
      `${def.name} has no cell ${o.training}/${o.sampler}/n${o.stepsPerLevel}`,
    );
  }
  const featureDim = DEFAULT_MNIST_CLASSIFIER_CONFIG.featureDim;
  if (!(o.numSamples > featureDim)) {
    throw new ConfigError(
      `--samples must exceed the ${featureDim} feature dimensions of ` +
        `${cell.config.eval.metric}, got ${o.numSamples}`,
    );
  }
  const ctx = await createContext(def, profile, backend, o.logger);
  const start = performance.now();
  const points = await runSweep(ctx, {
    cell,
    stepSizes: o.stepSizes,
    numSamples: o.numSamples,
    resultsDir: o.resultsDir,
  });
  const best = [...points].sort((a, b) => a.fidDenoised - b.fidDenoised)[0];
  if (best) {
    o.logger.result(
      `best denoised FID ${best.fidDenoised.toFixed(2)} at ε=${best.stepSize}`,
    );
  }
  printTimings(ctx, start);
}

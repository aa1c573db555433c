import {
  FIGURE1,
  FIGURE1_PROFILES,
  figure1Csv,
  figure1Curves,
  figure1Markdown,
  figure1Svg,
  maxRelativeGap,
} from '../figures/figure1';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { runToyExperiment } from '../toy/run';
import { toyPlanText } from '../toy/plan';
import { TOY } from '../toy/definition';
import { dirname, join, resolve } from 'node:path';
import { runsReport, tableReport } from '../report/report';
import type { TableRow } from '../table';
import {
  type AuditOptions,
  auditMarkdown,
  auditRun,
  checkAuditable,
} from '../runner/audit';
import { findRun } from './runs';
import { availableParallelism } from 'node:os';
import { initBackend, type BackendInfo } from '@acsm/core';
import { DEFAULT_MNIST_CLASSIFIER_CONFIG } from '@acsm/eval';
import { openStore, type Run, startRun } from '@acsm/tracking';
import { DEFINITIONS, type ProfileName } from '../definitions';
import { formatDuration } from '../progress';
import { tableNotesOf, tableText } from '../table';
import { configHash } from '../hash';
import { defaultCacheDir, type RunContext, timed } from '../runner/context';
import { environmentTags } from '../runner/environment';
import { profileOf, type ResolvedCell, resolveCells } from '../runner/resolve';
import {
  cellsToCompute,
  prepareShared,
  rowOf,
  runShard,
  runTable,
} from '../runner/run-table';
import { type Shard, shardSlice, trainingCount } from '../runner/shards';
import { InterruptedError } from '../train/loop';
import { runShardJobs } from './parallel';
import { reusedResult } from '../runner/cells-phase';
import { runSweep } from '../runner/sweep';
import { ConfigError, type SamplerKind, type TrainingKind } from '../config';
import { checkRunnable, planText } from '../runner/plan';
import { fidInception } from '../runner/inception';
import {
  inceptionWeightsProblem,
  inceptionWeightsStatus,
} from '../runner/metric-choice';
import type { Logger } from './logger';

export interface RunTargetOptions {
  target: keyof typeof DEFINITIONS;
  profile?: ProfileName;
  overrides: Record<string, unknown>;
  dryRun: boolean;
  resultsDir: string;
  logger: Logger;
  /** Run only this slice of the cells (no table is written). */
  shard?: Shard;
  /** Shards to run as child processes here; 'auto' by default. */
  jobs?: number | 'auto';
}

/**
 * --jobs auto: on WebAssembly one shard per trained model, up to the
 * cores (each shard then computes on cores / jobs threads); elsewhere 1,
 * since native backends use every core themselves.
 */
export function resolveJobs(
  jobs: number | 'auto' | undefined,
  backend: BackendInfo,
  cells: ResolvedCell[],
): number {
  if (typeof jobs === 'number') return jobs;
  if (backend.name !== 'wasm') return 1;
  return Math.max(1, Math.min(availableParallelism(), trainingCount(cells)));
}

/** Parses --jobs: 'auto' or an integer from 1 to 64. */
export function parseJobs(text: string): number | 'auto' {
  if (text === 'auto') return 'auto';
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 64) {
    throw new ConfigError(
      `--jobs must be 'auto' or an integer from 1 to 64, got '${text}'`,
    );
  }
  return n;
}

/** The profile when none is named: `paper` on a GPU, `cpu` otherwise. */
export function defaultProfile(backend: BackendInfo): ProfileName {
  return backend.name === 'node-gpu' ? 'paper' : 'cpu';
}

function describeBackend(b: BackendInfo): string {
  const note = b.reason ? ` (${b.reason})` : '';
  return `${b.name}, ${b.threads} thread(s), SIMD ${b.simd ? 'on' : 'off'}${note}`;
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
      process.env.ACSM_SHARD_CHILD
        ? 'stopping after the current step, as the parent asked'
        : `${signal}: stopping after the current step (a sampler chain ` +
            'finishes first); send it again to quit at once',
    );
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  if (process.env.ACSM_SHARD_CHILD && process.channel) {
    // A shard of --jobs: stop (with a checkpoint) if the parent goes away.
    process.channel.unref();
    process.once('disconnect', () => {
      if (!controller.signal.aborted) onSignal('SIGHUP');
    });
  }
  return controller;
}

/** Backend, tracking store, signals: what every command that runs needs. */
export async function createContext(
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
  const shared = await Promise.all(
    (def.sharesRunsWith ?? []).map((name) => store.getExperimentByName(name)),
  );
  return {
    def,
    profile,
    logger,
    store,
    experimentId: experiment.experimentId,
    lookupExperimentIds: [
      experiment.experimentId,
      ...shared.flatMap((e) => (e ? [e.experimentId] : [])),
    ],
    backend,
    environmentTags: environmentTags(backend),
    cacheDir: defaultCacheDir(),
    signal: interruptOnSignals(logger).signal,
    timings: {},
  };
}

export function printTimings(ctx: RunContext, start: number): void {
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
    const planned = o.shard ? shardSlice(cells, o.shard).cells : cells;
    const which = o.shard ? ` (shard ${o.shard.index}/${o.shard.count})` : '';
    o.logger.result(
      `${def.name}, profile ${profile}: ${planned.length} cells${which}`,
    );
    const weights = inceptionWeightsStatus(planned, defaultCacheDir());
    return o.logger.result(planText(planned) + (weights ? `\n${weights}` : ''));
  }
  // The weights are found or downloaded now: without them the run stops
  // before training, with the other problems of the preflight.
  const cacheDir = defaultCacheDir();
  const weights = await inceptionWeightsProblem(cells, cacheDir, () =>
    fidInception({ cacheDir }),
  );
  checkRunnable(
    `${def.name} --profile=${profile}`,
    cells,
    weights ? [weights] : [],
  );
  const ctx = await createContext(def, profile, backend, o.logger);
  const start = performance.now();
  if (o.shard) {
    const { index, count } = o.shard;
    o.logger.info(`${def.name}, profile ${profile}: shard ${index}/${count}`);
    const results = await runShard(ctx, cells, o.shard);
    const reused = results.filter((r) => r.reused).length;
    o.logger.result(
      `shard ${index}/${count}: ${results.length} cells done ` +
        `(${reused} reused); the run without --shard writes the table`,
    );
    return printTimings(ctx, start);
  }
  o.logger.info(`${def.name}, profile ${profile}: ${cells.length} cells`);
  const pending = await cellsToCompute(ctx, cells);
  const jobs = Math.min(
    resolveJobs(o.jobs, backend, cells),
    o.jobs === 'auto' || o.jobs === undefined
      ? trainingCount(pending)
      : Infinity,
  );
  if (jobs > 1 && pending.length > 0) {
    await runInShards(ctx, o, { profile, jobs, cells });
  }
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

/** The shards of the table as `jobs` child processes; throws on failure. */
async function runInShards(
  ctx: RunContext,
  o: RunTargetOptions,
  p: { profile: ProfileName; jobs: number; cells: ResolvedCell[] },
): Promise<void> {
  await prepareShared(ctx, p.cells);
  const threadsPerJob = Math.max(1, Math.floor(ctx.backend.threads / p.jobs));
  ctx.logger.info(
    `running ${p.jobs} shards in parallel, ${threadsPerJob} thread(s) each ` +
      '(--jobs 1 for one process)',
  );
  const sets = Object.entries(o.overrides).flatMap(([k, v]) => [
    '--set',
    `${k}=${String(v)}`,
  ]);
  const jobs = Array.from({ length: p.jobs }, (_, i) => ({
    label: `shard ${i + 1}/${p.jobs}`,
    args: [
      'run',
      o.target,
      '--profile',
      p.profile,
      '--shard',
      `${i + 1}/${p.jobs}`,
      '--results-dir',
      o.resultsDir,
      ...sets,
    ],
  }));
  ctx.shards = { jobs: p.jobs, threadsPerJob };
  const exits = await timed(ctx, 'shards', () =>
    runShardJobs({
      jobs,
      threadsPerJob,
      logger: ctx.logger,
      signal: ctx.signal,
    }),
  );
  if (ctx.signal.aborted) {
    throw new InterruptedError('interrupted; every shard stopped');
  }
  const failed = exits.filter((e) => e.code !== 0);
  if (failed.length > 0) {
    throw new Error(
      failed.map((e) => `${e.label} exited with code ${e.code}`).join('; ') +
        ' (its output above says why); finished work is kept, run the ' +
        'same command again to resume',
    );
  }
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

/** Raised by `table collect` when cells have no finished run yet. */
export class IncompleteTableError extends Error {
  override name = 'IncompleteTableError';
}

/**
 * `acsm table collect <target>`: writes the table from the tracking
 * store once every cell has a finished run (after the shards of a
 * cluster array); computes nothing. Lists the missing cells otherwise.
 */
export async function collectTable(
  o: Omit<RunTargetOptions, 'dryRun' | 'shard' | 'jobs'>,
): Promise<void> {
  const def = DEFINITIONS[o.target];
  const backend = await initBackend();
  const profile = o.profile ?? defaultProfile(backend);
  profileOf(def, profile);
  const cells = resolveCells(def, profile, o.overrides);
  const ctx = await createContext(def, profile, backend, o.logger);
  const missing = await cellsToCompute(ctx, cells);
  if (missing.length > 0) {
    const running = await ctx.store.searchRuns({
      experimentIds: [ctx.experimentId],
      filter: { status: 'RUNNING' },
    });
    const lines = missing.map((c) => `  ${c.spec.id} (config ${c.hash})`);
    throw new IncompleteTableError(
      `${missing.length} of ${cells.length} cells of ${def.name} ` +
        `(profile ${profile}) have no finished run yet; ` +
        `${running.runs.length} run(s) of the experiment are RUNNING:\n` +
        lines.join('\n'),
    );
  }
  const { rows, dir } = await runTable(ctx, cells, {
    resultsDir: o.resultsDir,
    variant: variantName(o.overrides),
  });
  o.logger.result(`\n${def.title} (profile ${profile})\n${tableText(rows)}`);
  o.logger.info(`wrote ${dir}/table.md and table.csv from the logged runs`);
}

/** `acsm audit <run-id>`: see runner/audit.ts. Throws on a mismatch. */
export async function auditTarget(o: {
  runId: string;
  experiment: string;
  logger: Logger;
  options: AuditOptions;
}): Promise<void> {
  const store = await openStore(process.env.MLFLOW_TRACKING_URI);
  const run = await findRun(store, o.runId, o.experiment);
  checkAuditable(run);
  const name = run.data.tags['acsm.table'];
  if (!(name in DEFINITIONS)) {
    throw new ConfigError(
      `run ${run.info.runId} belongs to no known table ('${name}')`,
    );
  }
  const def = DEFINITIONS[name as keyof typeof DEFINITIONS];
  const profile = run.data.tags['acsm.profile'] as ProfileName;
  const backend = await initBackend();
  const ctx = await createContext(def, profile, backend, o.logger);
  o.logger.info(
    `auditing ${run.data.tags['acsm.cell']} (run ${run.info.runId}, ${def.name} ` +
      `profile ${profile}) by ${o.options.mode === 'retrain' ? 're-training its model' : 'sampling from its logged checkpoint'}`,
  );
  const result = await auditRun(ctx, run, o.options);
  o.logger.result(auditMarkdown(result, o.options));
  o.logger.info(`audit logged as run ${result.auditRunId}`);
  if (!result.passed) {
    const bad = result.rows
      .filter((r) => !r.ok)
      .map((r) => `${r.run} ${r.metric}`);
    throw new AuditMismatchError(
      `audit of ${result.cellId} FAILED: outside the tolerance ` +
        `(${o.options.rtol} relative): ${bad.join(', ')}`,
    );
  }
}

/** An audit that found a metric outside its tolerance. */
export class AuditMismatchError extends Error {
  override name = 'AuditMismatchError';
}

async function rowsFromCellRuns(
  store: Awaited<ReturnType<typeof openStore>>,
  experimentId: string,
  def: (typeof DEFINITIONS)[keyof typeof DEFINITIONS],
  profile: ProfileName,
): Promise<TableRow[]> {
  const { runs } = await store.searchRuns({
    experimentIds: [experimentId],
    filter: { tags: { 'acsm.kind': 'cell' }, status: 'FINISHED' },
  });
  return resolveCells(def, profile, {}).flatMap((cell) => {
    const run = runs.find((r) => r.data.tags['acsm.config_hash'] === cell.hash);
    return run ? [rowOf(reusedResult(cell, run), def.extraMetrics)] : [];
  });
}

/**
 * `acsm report <target | run ids…> --out report.html`: one self-contained
 * HTML page from the tracking store.
 */
export async function reportTarget(o: {
  subjects: string[];
  profile?: ProfileName;
  experiment: string;
  out: string;
  logger: Logger;
}): Promise<void> {
  checkOutFolder(o.out);
  const store = await openStore(process.env.MLFLOW_TRACKING_URI);
  let html: string;
  const [first] = o.subjects;
  if (o.subjects.length === 1 && first in DEFINITIONS) {
    const def = DEFINITIONS[first as keyof typeof DEFINITIONS];
    const profile = o.profile ?? 'cpu';
    const spec = profileOf(def, profile);
    const exp = await store.getExperimentByName(def.name);
    const { runs: tables } = exp
      ? await store.searchRuns({
          experimentIds: [exp.experimentId],
          filter: {
            tags: { 'acsm.kind': 'table', 'acsm.profile': profile },
            status: 'FINISHED',
          },
        })
      : { runs: [] };
    let rows: TableRow[] | undefined;
    let tableRun: string | undefined;
    let tableNotes: string[] = [];
    for (const t of tables) {
      // The profile's own table, not one run with --set overrides.
      if ((t.data.tags['acsm.variant'] ?? 'none') !== 'none') continue;
      const bytes = await store
        .readArtifact(t.info.runId, 'table.json')
        .catch(() => null);
      if (!bytes) continue;
      rows = JSON.parse(new TextDecoder().decode(bytes)) as TableRow[];
      tableRun = t.info.runId;
      tableNotes = await loggedTableNotes(store, t.info.runId);
      break;
    }
    if (!rows && exp) {
      // A table written before tables logged table.json: the profile's
      // current cells, matched to finished cell runs by config hash.
      rows = await rowsFromCellRuns(store, exp.experimentId, def, profile);
      tableRun = 'none (cells matched by config hash)';
    }
    if (!rows || rows.length === 0) {
      throw new ConfigError(
        `${def.name} profile ${profile} has no table in the store; run it ` +
          `first (npx acsm run ${def.name} --profile=${profile})`,
      );
    }
    const runs = await Promise.all(
      rows.map((r) => store.getRun(r.runId).catch(() => undefined)),
    );
    html = await tableReport(store, {
      title: `${def.title} (profile ${profile})`,
      notes: [
        spec.description,
        `The table written by run ${tableRun} in ${process.env.MLFLOW_TRACKING_URI ?? './mlruns'}; metric ${rows[0]?.metric}.`,
      ],
      rows,
      runs,
      tableNotes,
    });
  } else if (o.subjects.length === 1 && FIGURE_TARGETS.includes(first)) {
    html = await runsReport(
      store,
      await latestRuns(store, first, o.profile ?? 'cpu'),
    );
  } else {
    const runs = [];
    for (const id of o.subjects)
      runs.push(await findRun(store, id, o.experiment));
    html = await runsReport(store, runs);
  }
  mkdirSync(dirname(resolve(o.out)), { recursive: true });
  writeFileSync(o.out, html);
  o.logger.info(
    `wrote ${o.out} (${(html.length / 1024).toFixed(0)} kB, self-contained)`,
  );
}

/** --out may name a new folder for the file, not a new folder's folder. */
function checkOutFolder(out: string): void {
  const above = dirname(dirname(resolve(out)));
  if (!existsSync(above)) {
    throw new ConfigError(
      `--out ${out}: folder ${above} does not exist (acsm creates only ` +
        "the file's own folder)",
    );
  }
}

/** The notes under the table.md a table run logged (none if absent). */
async function loggedTableNotes(
  store: Awaited<ReturnType<typeof openStore>>,
  runId: string,
): Promise<string[]> {
  const md = await store.readArtifact(runId, 'table.md').catch(() => null);
  return md ? tableNotesOf(new TextDecoder().decode(md)) : [];
}

/** Targets whose runs are figures and point sets, not table cells. */
const FIGURE_TARGETS = ['figure1', 'figure3', 'toy'];

/**
 * The latest finished run of each name in a figure target's experiment
 * for a profile (the figure, or the toy table and its trained models).
 */
async function latestRuns(
  store: Awaited<ReturnType<typeof openStore>>,
  target: string,
  profile: ProfileName,
): Promise<Run[]> {
  const exp = await store.getExperimentByName(target);
  const { runs } = exp
    ? await store.searchRuns({
        experimentIds: [exp.experimentId],
        filter: { tags: { 'acsm.profile': profile }, status: 'FINISHED' },
      })
    : { runs: [] };
  const latest = new Map<string, Run>();
  for (const run of runs.sort((a, b) => b.info.startTime - a.info.startTime)) {
    const kind = run.data.tags['acsm.kind'];
    if (kind === 'sweep') continue;
    if (!latest.has(run.info.runName)) latest.set(run.info.runName, run);
  }
  if (latest.size === 0) {
    throw new ConfigError(
      `${target} profile ${profile} has no finished run in the store; ` +
        `run it first (npx acsm run ${target} --profile=${profile})`,
    );
  }
  return [...latest.values()];
}

/** `acsm run figure1`: the curves, files and a tracked run. */
export async function runFigure1(o: {
  profile?: ProfileName;
  resultsDir: string;
  logger: Logger;
}): Promise<void> {
  const backend = await initBackend();
  const profile = o.profile ?? defaultProfile(backend);
  o.logger.info(`backend: ${describeBackend(backend)}`);
  o.logger.info(
    `${FIGURE1.name}, profile ${profile}: ALS nσ = ${FIGURE1.alsSteps.join(', ')} and CAS on the CIFAR-10 schedule`,
  );
  const start = performance.now();
  const curves = figure1Curves(profile);
  const dir = join(o.resultsDir, FIGURE1.name, profile);
  mkdirSync(dir, { recursive: true });
  const files = {
    'figure1.svg': figure1Svg(curves),
    'figure1.csv': figure1Csv(curves),
    'figure1.md': figure1Markdown(curves, profile),
  };
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(dir, name), text);
  }
  const store = await openStore(process.env.MLFLOW_TRACKING_URI, {
    notify: (message) => o.logger.warn(message),
  });
  const exp = await store.getOrCreateExperiment(FIGURE1.name);
  const run = await startRun(store, {
    experimentId: exp.experimentId,
    runName: `${FIGURE1.name} (${profile})`,
    tags: {
      ...environmentTags(backend),
      'acsm.kind': 'figure',
      'acsm.figure': FIGURE1.name,
      'acsm.profile': profile,
    },
  });
  run.logParams({
    sigma_max: FIGURE1.sigmaMax,
    sigma_min: FIGURE1.sigmaMin,
    num_levels: FIGURE1.numLevels,
    als_step_size: FIGURE1.alsStepSize,
    cas_step_size: FIGURE1.casStepSize,
    monte_carlo_shape: FIGURE1_PROFILES[profile].shape.join('x'),
  });
  const metrics: Record<string, number> = {};
  for (const c of curves) {
    const key = `${c.sampler}_n${c.stepsPerLevel}`;
    const last = c.closed.length - 1;
    metrics[`${key}_final_std_ratio`] = c.closed[last] / FIGURE1.sigmaMin;
    metrics[`${key}_final_std_ratio_mc`] =
      c.monteCarlo[last] / FIGURE1.sigmaMin;
    metrics[`${key}_max_mc_gap`] = maxRelativeGap(c);
  }
  run.logMetrics(metrics);
  for (const name of Object.keys(files)) await run.logArtifact(join(dir, name));
  await run.end('FINISHED');
  o.logger.result(`\n${files['figure1.md']}`);
  o.logger.info(
    `wrote ${dir}/figure1.svg, figure1.csv, figure1.md in ` +
      `${formatDuration((performance.now() - start) / 1000)}; run ${run.info.runId} in experiment '${FIGURE1.name}'`,
  );
}

/** `acsm run toy`: the toy experiment (PAPER.md §9), or its plan. */
export async function runToy(o: {
  profile?: ProfileName;
  resultsDir: string;
  dryRun: boolean;
  logger: Logger;
}): Promise<void> {
  const backend = await initBackend();
  const profile = o.profile ?? defaultProfile(backend);
  if (o.dryRun) return o.logger.result(toyPlanText(profile));
  o.logger.info(`backend: ${describeBackend(backend)}`);
  o.logger.info(`${TOY.name}, profile ${profile}`);
  const start = performance.now();
  const store = await openStore(process.env.MLFLOW_TRACKING_URI, {
    notify: (message) => o.logger.warn(message),
  });
  const exp = await store.getOrCreateExperiment(TOY.name);
  const ctx = {
    profile,
    logger: o.logger,
    store,
    experimentId: exp.experimentId,
    backend,
    environmentTags: environmentTags(backend),
    signal: interruptOnSignals(o.logger).signal,
    timings: {} as Record<string, number>,
  };
  const { dir, markdown } = await runToyExperiment(ctx, {
    resultsDir: o.resultsDir,
  });
  o.logger.result(`\n${markdown}`);
  o.logger.info(
    `wrote ${dir}/table.md, table.csv, table.json and the scatter SVGs; ` +
      `runs in experiment '${TOY.name}' of ` +
      `${process.env.MLFLOW_TRACKING_URI ?? './mlruns'}`,
  );
  for (const [phase, s] of Object.entries(ctx.timings)) {
    o.logger.info(`  ${phase}: ${formatDuration(s)}`);
  }
  o.logger.info(`total ${formatDuration((performance.now() - start) / 1000)}`);
}

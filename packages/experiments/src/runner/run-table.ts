import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkCasStepSize } from '@acsm/core';
import { startRun } from '@acsm/tracking';
import { ConfigError, type ExperimentConfig, type MetricName } from '../config';
import { samplerKey } from '../definitions';
import { formatDuration } from '../progress';
import { tableCsv, tableMarkdown, type TableRow } from '../table';
import {
  type CellResult,
  evaluateGroup,
  findFinishedCell,
  reusedResult,
  type SampledGroup,
  sampleGroup,
} from './cells-phase';
import { type RunContext, timed } from './context';
import { FID_FEATURE_DIM, prepare, type Prepared } from './prepare';
import type { ResolvedCell } from './resolve';
import { disposeState } from '../train/state';
import { trainedModel } from './train-phase';
import { type Shard, shardSlice } from './shards';

/** Cells grouped by what they share: one sampler run per group. */
function samplerGroups(cells: ResolvedCell[]): ResolvedCell[][] {
  const groups = new Map<string, ResolvedCell[]>();
  for (const cell of cells) {
    const key = `${cell.trainingHash}/${samplerKey(cell.spec.sampler)}`;
    groups.set(key, [...(groups.get(key) ?? []), cell]);
  }
  return [...groups.values()];
}

async function reusable(ctx: RunContext, group: ResolvedCell[]) {
  const found = await Promise.all(group.map((c) => findFinishedCell(ctx, c)));
  if (found.some((r) => r === undefined)) return null;
  return group.map((c, i) => reusedResult(c, found[i]!));
}

/**
 * Fails before any training unless every cell can run on this schedule:
 * CAS's step size in its interval, more samples than feature dimensions.
 */
function preflight(cells: ResolvedCell[], prepared: Prepared): void {
  const featureDim = FID_FEATURE_DIM;
  for (const { spec, config } of cells) {
    const s = config.sampling;
    if (s.sampler === 'cas') {
      try {
        checkCasStepSize(prepared.sigmas, s.stepSize, s.stepsPerLevel);
      } catch (error) {
        throw new ConfigError(`cell ${spec.id}: ${(error as Error).message}`);
      }
    }
    if (s.numSamples <= featureDim) {
      throw new ConfigError(
        `cell ${spec.id}: sampling.numSamples must exceed the ` +
          `${featureDim} feature dimensions of ${config.eval.metric}, ` +
          `got ${s.numSamples}`,
      );
    }
  }
}

/** Trains (or reuses) one training kind's model and runs its cells. */
async function runTraining(
  ctx: RunContext,
  cells: ResolvedCell[],
  prepared: () => Promise<Prepared>,
  waitForOwner = false,
): Promise<CellResult[]> {
  const groups = samplerGroups(cells);
  const reused = await Promise.all(groups.map((g) => reusable(ctx, g)));
  const results = reused.flatMap((r) => r ?? []);
  if (reused.every((r) => r !== null)) {
    ctx.logger.info(`${cells[0].spec.training}: every cell reused`);
    return results;
  }
  const data = await prepared();
  const first = cells[0];
  const model = await trainedModel(
    ctx,
    first.config,
    data,
    first.trainingHash,
    { waitForOwner },
  );
  try {
    // Evaluated as soon as sampled when the FID classifier is at hand;
    // otherwise after this model's sampling, so that a shard trains the
    // classifier only once its own model no longer needs the core.
    const waiting: SampledGroup[] = [];
    for (const [i, group] of groups.entries()) {
      if (reused[i] !== null) continue;
      waiting.push(await sampleGroup(ctx, group, model, data));
      if (data.evaluatorReady()) {
        for (const g of waiting.splice(0)) {
          results.push(...(await evaluateGroup(ctx, g, model, data)));
        }
      }
    }
    for (const g of waiting) {
      results.push(...(await evaluateGroup(ctx, g, model, data)));
    }
  } finally {
    disposeState(model.state);
  }
  return results;
}

/** Columns a metric's cells show beside the value, when they logged them. */
const METRIC_EXTRAS: Partial<Record<MetricName, readonly string[]>> = {
  fid_inception: ['inception_score', 'fid_mnist_classifier'],
};

/** The table row of a cell's result. */
export function rowOf(
  r: CellResult,
  extraMetrics: readonly string[] = [],
): TableRow {
  const { spec, config, reference } = r.cell;
  const own = METRIC_EXTRAS[config.eval.metric] ?? [];
  const names = [...extraMetrics, ...own.filter((k) => k in r.metrics)];
  const extra = names.map((k) => [k, r.metrics[k] ?? null]);
  return {
    cell: spec.id,
    training: spec.training,
    sampler: spec.sampler.sampler,
    stepsPerLevel: spec.sampler.stepsPerLevel,
    stepSize: config.sampling.stepSize,
    output: spec.output,
    metric: config.eval.metric,
    value: r.value,
    extra: Object.fromEntries(extra),
    numSamples: r.numSamples,
    reference: reference.value,
    referenceSource: reference.source,
    runId: r.runId,
  };
}

/** Writes table.md and table.csv; logs them to a table run. */
async function writeTable(
  ctx: RunContext,
  rows: TableRow[],
  o: { resultsDir: string; variant: string | null; notes: string[] },
): Promise<string> {
  const folder = o.variant ? `${ctx.profile}-${o.variant}` : ctx.profile;
  const dir = join(o.resultsDir, ctx.def.name, folder);
  mkdirSync(dir, { recursive: true });
  const md = tableMarkdown(
    `${ctx.def.title} (profile ${ctx.profile})`,
    rows,
    o.notes,
  );
  writeFileSync(join(dir, 'table.md'), md);
  writeFileSync(join(dir, 'table.csv'), tableCsv(rows));
  const run = await startRun(ctx.store, {
    experimentId: ctx.experimentId,
    runName: `${ctx.def.name} table (${folder})`,
    tags: {
      ...ctx.environmentTags,
      'acsm.kind': 'table',
      'acsm.table': ctx.def.name,
      'acsm.profile': ctx.profile,
      'acsm.variant': o.variant ?? 'none',
    },
  });
  await run.logArtifact(join(dir, 'table.md'));
  await run.logArtifact(join(dir, 'table.csv'));
  // The rows as data, for reports.
  await run.logArtifactBytes(
    'table.json',
    new TextEncoder().encode(JSON.stringify(rows, null, 2)),
  );
  await run.end('FINISHED');
  return dir;
}

/** The cells without a finished run to reuse: the work left to do. */
export async function cellsToCompute(
  ctx: RunContext,
  cells: ResolvedCell[],
): Promise<ResolvedCell[]> {
  const found = await Promise.all(cells.map((c) => findFinishedCell(ctx, c)));
  return cells.filter((_, i) => found[i] === undefined);
}

/**
 * Prepares what every cell shares before shards start (σ_1 is cached on
 * disk, so they find it ready) and checks the cells against it. The FID
 * classifier is left to the first shard that needs it: it trains while
 * the other shards still train their models.
 */
export async function prepareShared(
  ctx: RunContext,
  cells: ResolvedCell[],
): Promise<void> {
  const p = await prepare(ctx, cells[0].config);
  preflight(cells, p);
}

/** Runs one shard's cells; the table is written by a run without --shard. */
export async function runShard(
  ctx: RunContext,
  cells: ResolvedCell[],
  shard: Shard,
): Promise<CellResult[]> {
  const slice = shardSlice(cells, shard);
  const run = await runCells(ctx, slice.cells, (h) => !slice.owned.has(h));
  return run.results;
}

/** Runs the cells, training every model they need (for audits). */
export async function computeCells(
  ctx: RunContext,
  cells: ResolvedCell[],
): Promise<CellResult[]> {
  return (await runCells(ctx, cells, () => false)).results;
}

/**
 * Runs the cells, one trained model at a time; `waitsFor(hash)` says
 * whether another shard trains that model. Returns the results and the
 * shared data if this run prepared it.
 */
async function runCells(
  ctx: RunContext,
  cells: ResolvedCell[],
  waitsFor: (trainingHash: string) => boolean,
): Promise<{ results: CellResult[]; prepared?: Promise<Prepared> }> {
  let prepared: Promise<Prepared> | undefined;
  const lazyPrepare = () =>
    (prepared ??= prepare(ctx, cells[0].config).then((p) => {
      preflight(cells, p);
      return p;
    }));
  const results: CellResult[] = [];
  try {
    const hashes = [...new Set(cells.map((c) => c.trainingHash))];
    for (const hash of hashes) {
      const mine = cells.filter((c) => c.trainingHash === hash);
      results.push(
        ...(await runTraining(ctx, mine, lazyPrepare, waitsFor(hash))),
      );
    }
  } finally {
    await (await prepared?.catch(() => undefined))?.dispose();
  }
  return { results, prepared };
}

/**
 * Runs a table: for each training kind, reuse or train its model, then
 * reuse or sample and evaluate its cells; then write and log the table.
 */
export async function runTable(
  ctx: RunContext,
  cells: ResolvedCell[],
  out: { resultsDir: string; variant: string | null },
): Promise<{ rows: TableRow[]; dir: string; reusedAll: boolean }> {
  const { results, prepared } = await runCells(ctx, cells, () => false);
  const order = new Map(cells.map((c, i) => [c.spec.id, i]));
  results.sort(
    (a, b) => order.get(a.cell.spec.id)! - order.get(b.cell.spec.id)!,
  );
  const rows = results.map((r) => rowOf(r, ctx.def.extraMetrics));
  const facts = await provenance(ctx, results, prepared);
  const notes = await tableNotes(ctx, cells, results, facts);
  const dir = await timed(ctx, 'write table', () =>
    writeTable(ctx, rows, { ...out, notes }),
  );
  return { rows, dir, reusedAll: results.every((r) => r.reused) };
}

/** Data source and schedule, from this invocation or a logged cell run. */
async function provenance(
  ctx: RunContext,
  results: CellResult[],
  prepared: Promise<Prepared> | undefined,
): Promise<{ source: string; schedule: string }> {
  const p = await prepared;
  if (p) return { source: p.train.source, schedule: p.scheduleNote };
  const run = await ctx.store.getRun(results[0].runId);
  const param = (k: string) => run.data.params[`schedule.${k}`] ?? '?';
  return {
    source: run.data.tags['acsm.data.source'] ?? '?',
    schedule:
      `σ_1 = ${param('sigmaMax')}, σ_L = ${param('sigmaMin')}, ` +
      `L = ${param('numLevels')} (as logged by run ${run.info.runId})`,
  };
}

/** What a metric's value is, in a table note. */
function metricNote(metric: MetricName, dataset: string): string {
  switch (metric) {
    case 'fid_mnist_classifier':
      return `Metric: FID on features of an MNIST classifier trained by this project (${metric}); not Inception FID, not comparable with published FIDs.`;
    case 'fid_inception':
      return (
        `Metric: FID on the 2048 pool3 features of the FID Inception-v3, with its Inception Score (${metric}); a cell run's fid_comparable says whether its value may stand beside published FIDs, and acsm.fid.notes why not.` +
        (dataset === 'mnist'
          ? ' Grayscale digits repeated to three channels are never comparable with published FIDs; fid_mnist_classifier is the MNIST-classifier FID of the same samples.'
          : '')
      );
    case 'stacked_mnist_modes':
      return `Metric: modes of Stacked MNIST covered, of 1000 (${metric}), each channel labelled by this project's MNIST classifier; kl is KL(q ‖ uniform).`;
    case 'fid_auto':
      return 'Metric: fid_auto (unresolved).';
  }
}

/** One note per metric of the table, then why each was chosen. */
export function metricNotes(
  cells: ResolvedCell[],
  results: CellResult[],
): string[] {
  const notes = new Set<string>();
  for (const c of cells) {
    notes.add(metricNote(c.config.eval.metric, c.config.data.dataset));
  }
  const comparable = results.filter((r) => r.metrics.fid_comparable === 1);
  if (results.some((r) => 'fid_comparable' in r.metrics)) {
    notes.add(
      `Inception FIDs comparable with published values: ${comparable.length} of ${results.length} cells.`,
    );
  }
  for (const c of cells) {
    if (c.metricReason.startsWith('eval.metric = fid_auto')) {
      notes.add(`Metric chosen by ${c.metricReason}.`);
    }
  }
  return [...notes];
}

const NETWORK_NAMES: Record<ExperimentConfig['model']['network'], string> = {
  ncsnv2: 'NCSNv2',
  'ncsnv2-deeper': 'NCSNv2Deeper',
  unet: 'UNet',
};

/** The score network and its training, for the Data note. */
export function networkNote(c: ExperimentConfig): string {
  const m = c.model;
  const size =
    m.network === 'unet'
      ? `ch=${m.ngf}`
      : `ngf=${m.ngf} depth=${m.depth}${m.dilation ? '' : ' without dilation'}`;
  return (
    `${NETWORK_NAMES[m.network]} ${size} (${c.data.dataset}, ${c.training.kind}), ` +
    `${c.training.iterations} iterations, batch ${c.training.batchSize}`
  );
}

async function tableNotes(
  ctx: RunContext,
  cells: ResolvedCell[],
  results: CellResult[],
  facts: { source: string; schedule: string },
): Promise<string[]> {
  const timings = Object.entries(ctx.timings)
    .map(([k, v]) => `${k} ${formatDuration(v)}`)
    .join(', ');
  return [
    ...metricNotes(cells, results),
    `Data: ${facts.source}; score network ${[...new Set(cells.map((x) => networkNote(x.config)))].join('; ')}; EMA weights for sampling.`,
    `Schedule: ${facts.schedule}.`,
    ctx.shards
      ? `Backend: ${ctx.backend.name}, SIMD ${ctx.backend.simd}; the cells ran in ${ctx.shards.jobs} parallel shards of ${ctx.shards.threadsPerJob} thread(s) each.`
      : `Backend: ${ctx.backend.name}, ${ctx.backend.threads} thread(s), SIMD ${ctx.backend.simd}.`,
    timings
      ? `Wall time of the invocation that wrote this table: ${timings}.`
      : 'Every cell was reused from earlier runs.',
  ];
}

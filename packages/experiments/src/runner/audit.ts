// Reproducibility audits: re-run a logged cell from what its runs logged
// (config, seed, code commit, checkpoint) in a scratch store, compare
// every metric with a stated tolerance and log the audit as its own run.
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Run, startRun } from '@acsm/tracking';
import { ConfigError, type ExperimentConfig, validateConfig } from '../config';
import { cellsOf, type ProfileName, samplerSettingsOf } from '../definitions';
import { configHash } from '../hash';
import type { RunContext } from './context';
import { codeCommit } from './environment';
import { profileOf, type ResolvedCell, trainingPart } from './resolve';
import { computeCells } from './run-table';

export type AuditMode = 'retrain' | 'from-checkpoint';

export interface AuditOptions {
  mode: AuditMode;
  allowCodeChange: boolean;
  /** Largest relative difference accepted for every metric. */
  rtol: number;
}

/** One compared metric. */
export interface AuditRow {
  run: 'cell' | 'train';
  metric: string;
  logged: number;
  recomputed: number;
  relDiff: number;
  ok: boolean;
}

export interface AuditResult {
  cellId: string;
  rows: AuditRow[];
  passed: boolean;
  /** Why the extractor or the code differ, if they do. */
  notes: string[];
  auditRunId: string;
}

const relDiff = (a: number, b: number) =>
  a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));

/** A finished cell run of this table, or a ConfigError saying why not. */
export function checkAuditable(run: Run): void {
  const kind = run.data.tags['acsm.kind'];
  if (kind !== 'cell') {
    throw new ConfigError(
      `run ${run.info.runId} is a '${kind ?? 'foreign'}' run; audit takes ` +
        'a cell run (acsm runs list shows their kind)',
    );
  }
  if (run.info.status !== 'FINISHED') {
    throw new ConfigError(
      `run ${run.info.runId} is ${run.info.status}; only FINISHED runs are audited`,
    );
  }
}

/** The code-change note, or a ConfigError when it is not allowed. */
function codeCheck(run: Run, allow: boolean): string | null {
  const logged = run.data.tags['acsm.git_commit'] ?? 'unknown';
  const current = codeCommit();
  if (logged === current && !logged.endsWith('-dirty')) return null;
  const what = logged.endsWith('-dirty')
    ? `was made from uncommitted changes on ${logged}`
    : `was made by commit ${logged}`;
  const note = `run ${run.info.runId} ${what}; this checkout is ${current}`;
  if (!allow) {
    throw new ConfigError(
      `${note}: check out its commit, or pass --allow-code-change to ` +
        'audit it with this code (the audit says so)',
    );
  }
  return `code changed: ${note}`;
}

async function loggedConfig(
  ctx: RunContext,
  run: Run,
): Promise<ExperimentConfig> {
  const bytes = await ctx.store.readArtifact(run.info.runId, 'config.json');
  const config = JSON.parse(new TextDecoder().decode(bytes));
  validateConfig(config, `config.json of run ${run.info.runId}`);
  const hash = configHash(config);
  const tagged = run.data.tags['acsm.config_hash'];
  if (hash !== tagged) {
    throw new ConfigError(
      `config.json of run ${run.info.runId} hashes to ${hash}, the run's ` +
        `acsm.config_hash tag says ${tagged}`,
    );
  }
  return config as ExperimentConfig;
}

function resolvedCell(
  ctx: RunContext,
  run: Run,
  config: ExperimentConfig,
): ResolvedCell {
  const id = run.data.tags['acsm.cell'];
  const profile = profileOf(ctx.def, ctx.profile as ProfileName);
  const spec = cellsOf(ctx.def, profile).find((c) => c.id === id);
  if (!spec) {
    throw new ConfigError(
      `run ${run.info.runId}: ${ctx.def.name} has no cell '${id}'`,
    );
  }
  const { stepSize } = config.sampling;
  return {
    spec,
    config,
    hash: configHash(config),
    trainingHash: configHash(trainingPart(config)),
    reference: samplerSettingsOf(profile, spec).reference(spec, stepSize),
    metricReason:
      `eval.metric = ${config.eval.metric}, as logged by run ` + run.info.runId,
  };
}

/**
 * Puts the logged checkpoint of the cell's training run into the scratch
 * store as a finished training run, so that the cell samples from it.
 */
async function seedCheckpoint(
  ctx: RunContext,
  scratch: RunContext,
  trainRunId: string,
  trainingHash: string,
): Promise<void> {
  const root = scratch.checkpointRoot!;
  await ctx.store.downloadArtifact(trainRunId, 'checkpoint', root);
  renameSync(join(root, 'checkpoint'), join(root, trainingHash));
  const run = await startRun(scratch.store, {
    experimentId: scratch.experimentId,
    runName: `checkpoint of ${trainRunId}`,
    tags: { 'acsm.kind': 'train', 'acsm.training_hash': trainingHash },
  });
  await run.end('FINISHED');
}

async function latestTrainingRun(ctx: RunContext): Promise<Run | undefined> {
  const { runs } = await ctx.store.searchRuns({
    experimentIds: [ctx.experimentId],
    filter: { tags: { 'acsm.kind': 'train' } },
  });
  return runs[0];
}

function compare(
  run: AuditRow['run'],
  logged: Record<string, number>,
  recomputed: Record<string, number>,
  keys: string[],
  rtol: number,
): AuditRow[] {
  return keys.map((metric) => {
    const a = logged[metric];
    const b = recomputed[metric];
    const d = Number.isFinite(a) && Number.isFinite(b) ? relDiff(a, b) : NaN;
    return {
      run,
      metric,
      logged: a,
      recomputed: b,
      relDiff: d,
      ok: d <= rtol,
    };
  });
}

/** The audit's table as Markdown. */
export function auditMarkdown(result: AuditResult, o: AuditOptions): string {
  const fmt = (x: number) =>
    Number.isFinite(x) ? x.toPrecision(10) : 'missing';
  const lines = [
    `# Audit of ${result.cellId}: ${result.passed ? 'PASSED' : 'FAILED'}`,
    '',
    `Mode: ${o.mode}; tolerance: relative difference ≤ ${o.rtol}.`,
    ...result.notes.map((n) => `\n${n}`),
    '',
    '| run | metric | logged | recomputed | relative difference | within tolerance |',
    '| --- | --- | --- | --- | --- | --- |',
    ...result.rows.map(
      (r) =>
        `| ${r.run} | ${r.metric} | ${fmt(r.logged)} | ${fmt(r.recomputed)} | ` +
        `${Number.isFinite(r.relDiff) ? r.relDiff.toExponential(2) : '—'} | ${r.ok ? 'yes' : 'NO'} |`,
    ),
  ];
  return lines.join('\n') + '\n';
}

/**
 * Audits a cell run: re-trains its model from the logged config and seed
 * (or, from-checkpoint, loads its logged checkpoint), samples and
 * evaluates in a scratch store, compares every metric of the cell (and,
 * when re-trained, the final loss terms of its training run), then logs
 * an `audit` run beside the original.
 */
export async function auditRun(
  ctx: RunContext,
  original: Run,
  o: AuditOptions,
): Promise<AuditResult> {
  checkAuditable(original);
  const notes: string[] = [];
  const code = codeCheck(original, o.allowCodeChange);
  if (code) notes.push(code);
  const config = await loggedConfig(ctx, original);
  const cell = resolvedCell(ctx, original, config);
  const trainRunId = original.data.tags['acsm.training_run_id'];
  const trainRun = await ctx.store.getRun(trainRunId);

  const dir = mkdtempSync(join(tmpdir(), 'acsm-audit-'));
  try {
    const store = await openStore(join(dir, 'mlruns'));
    const experiment = await store.getOrCreateExperiment(ctx.def.name);
    const scratch: RunContext = {
      ...ctx,
      store,
      experimentId: experiment.experimentId,
      lookupExperimentIds: [experiment.experimentId],
      checkpointRoot: join(dir, 'checkpoints'),
      timings: {},
    };
    if (o.mode === 'from-checkpoint') {
      await seedCheckpoint(ctx, scratch, trainRunId, cell.trainingHash);
    }
    const [result] = await computeCells(scratch, [cell]);
    const redone = await store.getRun(result.runId);
    const metric = config.eval.metric;
    const rows = compare(
      'cell',
      original.data.metrics,
      redone.data.metrics,
      [metric, 'n_samples', 'n_reference', 'classifier_test_accuracy'],
      o.rtol,
    );
    if (o.mode === 'retrain') {
      const retrained = await latestTrainingRun(scratch);
      const keys = Object.keys(trainRun.data.metrics).sort();
      rows.push(
        ...compare(
          'train',
          trainRun.data.metrics,
          retrained!.data.metrics,
          keys,
          o.rtol,
        ),
      );
    }
    const extractor = (r: Run) => r.data.tags['acsm.fid.extractor'];
    if (extractor(original) !== extractor(redone)) {
      notes.push(
        `the FID classifier differs: logged ${extractor(original)}, ` +
          `used now ${extractor(redone)}`,
      );
      rows.push({
        run: 'cell',
        metric: 'fid extractor hash',
        logged: NaN,
        recomputed: NaN,
        relDiff: NaN,
        ok: false,
      });
    }
    const passed = rows.every((r) => r.ok);
    const audit = await logAudit(ctx, original, {
      cell,
      rows,
      passed,
      notes,
      o,
      dir,
    });
    return { cellId: cell.spec.id, rows, passed, notes, auditRunId: audit };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function logAudit(
  ctx: RunContext,
  original: Run,
  a: {
    cell: ResolvedCell;
    rows: AuditRow[];
    passed: boolean;
    notes: string[];
    o: AuditOptions;
    dir: string;
  },
): Promise<string> {
  const run = await startRun(ctx.store, {
    experimentId: ctx.experimentId,
    runName: `audit ${a.cell.spec.id}`,
    tags: {
      ...ctx.environmentTags,
      'acsm.kind': 'audit',
      'acsm.table': ctx.def.name,
      'acsm.profile': ctx.profile,
      'acsm.cell': a.cell.spec.id,
      'acsm.audit.of': original.info.runId,
      'acsm.audit.mode': a.o.mode,
      'acsm.audit.passed': String(a.passed),
      'acsm.audit.code_change': String(
        a.notes.some((n) => n.startsWith('code changed')),
      ),
      'mlflow.note.content': a.notes.join('\n'),
    },
  });
  run.logParams({ rtol: a.o.rtol, mode: a.o.mode, of: original.info.runId });
  const metrics: Record<string, number> = {};
  for (const r of a.rows) {
    if (Number.isFinite(r.recomputed)) {
      metrics[`${r.run}.${r.metric}`] = r.recomputed;
    }
  }
  const diffs = a.rows.map((r) => r.relDiff).filter(Number.isFinite);
  metrics.max_rel_diff = Math.max(0, ...diffs);
  metrics.mismatches = a.rows.filter((r) => !r.ok).length;
  run.logMetrics(metrics);
  const result: AuditResult = {
    cellId: a.cell.spec.id,
    rows: a.rows,
    passed: a.passed,
    notes: a.notes,
    auditRunId: run.info.runId,
  };
  const file = join(a.dir, 'audit.md');
  writeFileSync(file, auditMarkdown(result, a.o));
  await run.logArtifact(file);
  await run.end('FINISHED');
  return run.info.runId;
}

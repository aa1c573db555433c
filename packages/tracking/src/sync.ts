// `acsm sync`: copies the runs of a local file store (written offline, or
// continued offline by the fallback store) to a tracking server.
//
// Idempotent: each server run carries the tag acsm.origin_run_id naming
// its local run, which is how a later sync finds it again; a local run
// that continues a server run (same id, tag acsm.continued_offline) is
// merged into that run. Only what the server lacks is sent: params it
// does not have, tags that differ, metric points not already there (by
// key, timestamp, step and value, as MLflow's SQL stores de-duplicate),
// artifact files missing or of another size, and the final status.

import { dirname, join } from 'node:path';
import { splitBatches } from './batch';
import { TrackingError, invalid, isServerUnavailable } from './errors';
import { localArtifactRoot } from './file-artifacts';
import { TAG_RUN_NAME } from './file-layout';
import type { FileStore } from './file-store';
import { TAG_CONTINUED_OFFLINE } from './fallback-store';
import type { KeyValue, Metric, Run, TrackingStore } from './types';

export const TAG_ORIGIN_RUN_ID = 'acsm.origin_run_id';

/** What one sync did for one local run. */
export interface SyncedRun {
  experimentName: string;
  localRunId: string;
  remoteRunId: string;
  /** True when the server run was created by this sync. */
  created: boolean;
  /** Items sent: metric points, params, tags, artifact files. */
  metrics: number;
  params: number;
  tags: number;
  artifacts: number;
  statusUpdated: boolean;
}

export interface SyncProblem {
  experimentName: string;
  localRunId: string;
  /** Why the run was skipped, or the error that stopped it. */
  reason: string;
}

export interface SyncReport {
  runs: SyncedRun[];
  /** Runs deleted on the server: left alone. */
  skipped: SyncProblem[];
  /** Runs that could not be synced (e.g. a param that differs). */
  failures: SyncProblem[];
}

export interface SyncOptions {
  /** Called after each run, e.g. to print progress. */
  onRun?: (run: SyncedRun) => void;
}

const PAGE = 1000;
const MAX_PAGES = 10_000;
const MAX_DEPTH = 64;

/**
 * Copies every active run of `local` to `remote`, experiment by name.
 * A run that fails is reported and the others go on; a server that
 * becomes unreachable stops the sync (ServerUnavailableError).
 */
export async function syncToServer(
  local: FileStore,
  remote: TrackingStore,
  options: SyncOptions = {},
): Promise<SyncReport> {
  const report: SyncReport = { runs: [], skipped: [], failures: [] };
  const experiments = (await local.listExperiments())
    .filter((e) => e.lifecycleStage === 'active')
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const exp of experiments) {
    const runs = await activeRuns(local, exp.experimentId);
    if (runs.length === 0) continue;
    const problem = (run: Run, e: unknown): SyncProblem => ({
      experimentName: exp.name,
      localRunId: run.info.runId,
      reason: e instanceof Error ? e.message : String(e),
    });
    let remoteExperimentId: string;
    try {
      const remoteExp = await remote.getOrCreateExperiment(exp.name, exp.tags);
      remoteExperimentId = remoteExp.experimentId;
    } catch (e) {
      if (isServerUnavailable(e)) throw e;
      report.failures.push(...runs.map((r) => problem(r, e)));
      continue;
    }
    for (const run of runs) {
      try {
        const ctx = { local, remote, run, remoteExperimentId };
        const synced = await syncRun(ctx, exp.name);
        if (synced === null) {
          report.skipped.push(problem(run, 'deleted on the server'));
          continue;
        }
        report.runs.push(synced);
        options.onRun?.(synced);
      } catch (e) {
        if (isServerUnavailable(e)) throw e;
        report.failures.push(problem(run, e));
      }
    }
  }
  return report;
}

/** The active runs of a local experiment, oldest first. */
async function activeRuns(local: FileStore, experimentId: string) {
  const runs: Run[] = [];
  let pageToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const result = await local.searchRuns({
      experimentIds: [experimentId],
      maxResults: PAGE,
      pageToken,
    });
    runs.push(...result.runs);
    pageToken = result.nextPageToken;
    if (pageToken === undefined) break;
  }
  return runs.sort((a, b) => a.info.startTime - b.info.startTime);
}

interface RunContext {
  local: FileStore;
  remote: TrackingStore;
  run: Run;
  remoteExperimentId: string;
}

/** Null when the server's copy of the run was deleted there. */
async function syncRun(
  ctx: RunContext,
  experimentName: string,
): Promise<SyncedRun | null> {
  const { run, remote } = ctx;
  const found = await findServerRun(ctx);
  if (found?.info.lifecycleStage === 'deleted') return null;
  const target = found ?? (await createServerRun(ctx));
  const created = found === null;
  const params = missingParams(run, target);
  const tags = differingTags(run, target);
  const metrics = await missingMetrics(ctx, target.info.runId, created);
  for (const batch of splitBatches(metrics, params, tags)) {
    await remote.logBatch(target.info.runId, batch);
  }
  const artifacts = await syncArtifacts(ctx, target.info.runId, created);
  const statusUpdated = await syncStatus(ctx, target);
  return {
    experimentName,
    localRunId: run.info.runId,
    remoteRunId: target.info.runId,
    created,
    metrics: metrics.length,
    params: params.length,
    tags: tags.length,
    artifacts,
    statusUpdated,
  };
}

/** The run a previous sync or the fallback store made for this one. */
async function findServerRun(ctx: RunContext): Promise<Run | null> {
  const { run, remote, remoteExperimentId } = ctx;
  const runId = run.info.runId;
  if (run.data.tags[TAG_CONTINUED_OFFLINE] === 'true') {
    const same = await remote.getRun(runId).catch((e: unknown) => {
      if (e instanceof TrackingError && e.code === 'RESOURCE_DOES_NOT_EXIST') {
        return null;
      }
      throw e;
    });
    if (same !== null) return same;
  }
  const { runs } = await remote.searchRuns({
    experimentIds: [remoteExperimentId],
    filter: { tags: { [TAG_ORIGIN_RUN_ID]: runId } },
    runViewType: 'ALL',
    maxResults: 10,
  });
  if (runs.length === 0) return null;
  return runs.sort((a, b) => a.info.startTime - b.info.startTime)[0];
}

async function createServerRun(ctx: RunContext): Promise<Run> {
  const { run, remote, remoteExperimentId } = ctx;
  const runName = run.info.runName || run.data.tags[TAG_RUN_NAME];
  const tags = {
    ...run.data.tags,
    ...(runName ? { [TAG_RUN_NAME]: runName } : {}),
    [TAG_ORIGIN_RUN_ID]: run.info.runId,
  };
  const info = await remote.createRun({
    experimentId: remoteExperimentId,
    runName,
    startTime: run.info.startTime,
    userId: run.info.userId || undefined,
    tags,
  });
  return { info, data: { metrics: {}, params: {}, tags } };
}

/** Params the server lacks; one it holds with another value is an error. */
function missingParams(run: Run, target: Run): KeyValue[] {
  const out: KeyValue[] = [];
  for (const [key, value] of Object.entries(run.data.params)) {
    const theirs = target.data.params[key];
    if (theirs === undefined) out.push({ key, value });
    else if (theirs !== value) {
      throw invalid(
        `param '${key}' is '${value}' in local run '${run.info.runId}' but ` +
          `'${theirs}' in server run '${target.info.runId}'; nothing of ` +
          `this run was sent`,
      );
    }
  }
  return out;
}

function differingTags(run: Run, target: Run): KeyValue[] {
  const mine = { ...run.data.tags, [TAG_ORIGIN_RUN_ID]: run.info.runId };
  return Object.entries(mine)
    .filter(([key, value]) => target.data.tags[key] !== value)
    .map(([key, value]) => ({ key, value }));
}

/** MLflow's SQL identity of a metric point (key aside). */
function pointKey(m: Metric): string {
  return `${m.timestamp} ${m.step} ${m.value}`;
}

/** Local points the server does not hold, each once. */
async function missingMetrics(
  ctx: RunContext,
  remoteRunId: string,
  created: boolean,
): Promise<Metric[]> {
  const { run, local, remote } = ctx;
  const out: Metric[] = [];
  for (const key of Object.keys(run.data.metrics).sort()) {
    const theirs = created
      ? []
      : await remote.getMetricHistory(remoteRunId, key);
    const seen = new Set(theirs.map(pointKey));
    for (const m of await local.getMetricHistory(run.info.runId, key)) {
      const id = pointKey(m);
      if (seen.has(id)) continue;
      seen.add(id);
      out.push(m);
    }
  }
  return out;
}

/** Every file of a run's artifacts, path → size. */
async function artifactFiles(
  store: TrackingStore,
  runId: string,
): Promise<Map<string, number>> {
  const files = new Map<string, number>();
  const walk = async (path: string | undefined, depth: number) => {
    if (depth > MAX_DEPTH) {
      throw invalid(
        `artifacts of run '${runId}' nest deeper than ${MAX_DEPTH}`,
      );
    }
    for (const e of await store.listArtifacts(runId, path)) {
      if (e.isDir) await walk(e.path, depth + 1);
      else files.set(e.path, e.fileSize ?? -1);
    }
  };
  await walk(undefined, 0);
  return files;
}

/** Uploads files missing on the server or of another size. */
async function syncArtifacts(
  ctx: RunContext,
  remoteRunId: string,
  created: boolean,
): Promise<number> {
  const { local, remote, run } = ctx;
  const mine = await artifactFiles(local, run.info.runId);
  if (mine.size === 0) return 0;
  const theirs = created
    ? new Map<string, number>()
    : await artifactFiles(remote, remoteRunId);
  const root = localArtifactRoot(run.info);
  let sent = 0;
  for (const [path, size] of mine) {
    if (theirs.get(path) === size) continue;
    const dir = dirname(path);
    await remote.logArtifact(
      remoteRunId,
      join(root, ...path.split('/')),
      dir === '.' ? undefined : dir,
    );
    sent += 1;
  }
  return sent;
}

/** Ends the server run as the local one ended; a running one stays. */
async function syncStatus(ctx: RunContext, target: Run): Promise<boolean> {
  const { status, endTime } = ctx.run.info;
  if (status === 'RUNNING') return false;
  const same = target.info.status === status && target.info.endTime === endTime;
  if (same) return false;
  await ctx.remote.updateRun(target.info.runId, {
    status,
    endTime: endTime ?? undefined,
  });
  return true;
}

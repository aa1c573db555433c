import type { BackendInfo } from '@acsm/core';
import type { TrackingStore } from '@acsm/tracking';
import type { Logger } from '../cli/logger';
import type { ExperimentDefinition, ProfileName } from '../definitions';

/** What every phase of a table run shares. */
export interface RunContext {
  def: ExperimentDefinition;
  profile: ProfileName;
  logger: Logger;
  store: TrackingStore;
  experimentId: string;
  /**
   * Where finished trained models and cells are looked up: this
   * experiment first, then the experiments it shares runs with.
   */
  lookupExperimentIds: string[];
  backend: BackendInfo;
  /** Tags every run carries: code, environment, backend. */
  environmentTags: Record<string, string>;
  /** Local cache of checkpoints, classifier, statistics. */
  cacheDir: string;
  /** Where training checkpoints go; default `<cacheDir>/checkpoints`. */
  checkpointRoot?: string;
  /** Set on SIGINT / SIGTERM. */
  signal: AbortSignal;
  /** Wall seconds per phase, for the summary. */
  timings: Record<string, number>;
  /** Set when this invocation ran the cells as parallel shards. */
  shards?: { jobs: number; threadsPerJob: number };
}

/** The local cache: $ACSM_CACHE_DIR, default `.cache/acsm`. */
export function defaultCacheDir(): string {
  return process.env.ACSM_CACHE_DIR || '.cache/acsm';
}

/** Runs a phase, adding its wall time to ctx.timings[name]. */
export async function timed<T>(
  ctx: Pick<RunContext, 'timings'>,
  name: string,
  fn: () => Promise<T> | T,
): Promise<T> {
  const start = performance.now();
  try {
    return await fn();
  } finally {
    const seconds = (performance.now() - start) / 1000;
    ctx.timings[name] = (ctx.timings[name] ?? 0) + seconds;
  }
}

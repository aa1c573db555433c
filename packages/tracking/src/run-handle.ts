// The client layer: an explicit handle on one run that buffers metrics,
// params and tags and writes them in batches through any TrackingStore.
// Validation happens when a value is logged, so a bad key or a changed
// param throws at the call, before anything is written.

import { splitBatches } from './batch';
import { TrackingError, invalid, isServerUnavailable } from './errors';
import { flattenParams } from './flatten';
import { registerOpenRun, unregisterOpenRun } from './open-runs';
import type {
  KeyValue,
  LogBatchRequest,
  Metric,
  RunInfo,
  RunStatus,
  TrackingStore,
} from './types';
import { validateMetric, validateParam, validateTag } from './validation';

export interface RunHandleOptions {
  /** Flush buffered metrics this often, in ms; default 5000, 0 = never. */
  flushIntervalMs?: number;
  /** Flush as soon as this many metrics wait; default 1000. */
  maxBufferedMetrics?: number;
}

export interface StartRunOptions extends RunHandleOptions {
  /** Experiment by name, created if missing. Default: experiment '0'. */
  experimentName?: string;
  /** Experiment by id; give this or `experimentName`, not both. */
  experimentId?: string;
  runName?: string;
  tags?: Record<string, string>;
  /** Milliseconds since the epoch; default now. */
  startTime?: number;
}

/**
 * A store error that retrying cannot fix: the batch is dropped. The REST
 * store has already retried what can be retried; only a server that
 * stayed unreachable (ServerUnavailableError) is worth another flush.
 */
function isPermanent(e: unknown): boolean {
  return e instanceof TrackingError && !isServerUnavailable(e);
}

export class RunHandle {
  private metrics: Metric[] = [];
  private params: KeyValue[] = [];
  private tags = new Map<string, string>();
  /** Every param logged through this handle or found on the run. */
  private readonly knownParams: Map<string, string>;
  /** Permanent batch failures, thrown by the next flush() or end(). */
  private failures: unknown[] = [];
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private ending: Promise<void> | undefined;
  private readonly maxBuffered: number;

  constructor(
    readonly store: TrackingStore,
    readonly info: RunInfo,
    knownParams: Record<string, string> = {},
    options: RunHandleOptions = {},
  ) {
    this.knownParams = new Map(Object.entries(knownParams));
    this.maxBuffered = options.maxBufferedMetrics ?? 1000;
    const every = options.flushIntervalMs ?? 5000;
    if (every > 0) {
      this.timer = setInterval(() => this.flushInBackground(), every);
      this.timer.unref();
    }
    registerOpenRun(this);
  }

  get runId(): string {
    return this.info.runId;
  }

  get experimentId(): string {
    return this.info.experimentId;
  }

  private checkOpen(what: string): void {
    if (this.ending) {
      throw new Error(`${what}: run '${this.runId}' has ended`);
    }
  }

  /**
   * Logs a (nested) config as params with dotted keys. Re-logging the same
   * value is a no-op; a different value is an error, raised before any of
   * the object is logged.
   */
  logParams(config: Record<string, unknown>): void {
    this.checkOpen('logParams');
    const entries = Object.entries(flattenParams(config));
    const fresh = entries.filter(([k, v]) => this.isNewParam(k, v));
    for (const [key, value] of fresh) {
      this.knownParams.set(key, value);
      this.params.push({ key, value });
    }
    if (fresh.length > 0) this.flushInBackground();
  }

  /** Validates one param; false when it was logged with this value. */
  private isNewParam(key: string, value: string): boolean {
    validateParam(key, value);
    const old = this.knownParams.get(key);
    if (old !== undefined && old !== value) {
      throw invalid(
        `param '${key}' of run '${this.runId}' was logged as '${old}'; ` +
          `changing it to '${value}' is not allowed`,
      );
    }
    return old === undefined;
  }

  logMetric(key: string, value: number, step = 0): void {
    this.logMetrics({ [key]: value }, step);
  }

  /** Logs several metrics at one step with one timestamp. */
  logMetrics(values: Record<string, number>, step = 0): void {
    this.checkOpen('logMetrics');
    const timestamp = Date.now();
    const batch = Object.entries(values).map(([key, value]) => {
      const m = { key, value, timestamp, step };
      validateMetric(m);
      return m;
    });
    this.metrics.push(...batch);
    if (this.metrics.length >= this.maxBuffered) this.flushInBackground();
  }

  setTag(key: string, value: string): void {
    this.setTags({ [key]: value });
  }

  /** Tags overwrite earlier values of the same key. */
  setTags(tags: Record<string, string>): void {
    this.checkOpen('setTags');
    const entries = Object.entries(tags);
    entries.forEach(([k, v]) => validateTag(k, v));
    for (const [k, v] of entries) this.tags.set(k, v);
    if (entries.length > 0) this.flushInBackground();
  }

  /** Copies a file or folder to `<artifactPath>/<basename>`. */
  async logArtifact(localPath: string, artifactPath?: string): Promise<void> {
    this.checkOpen('logArtifact');
    await this.store.logArtifact(this.runId, localPath, artifactPath);
  }

  async logArtifactBytes(relPath: string, bytes: Uint8Array): Promise<void> {
    this.checkOpen('logArtifactBytes');
    await this.store.logArtifactBytes(this.runId, relPath, bytes);
  }

  /**
   * Writes everything buffered. Data that failed to reach the store for a
   * transient reason stays buffered for the next flush; this throws that
   * error, or the batches refused since the last flush.
   */
  flush(): Promise<void> {
    return this.enqueue(async () => {
      await this.flushNow();
      this.throwFailures();
    });
  }

  /** A flush whose errors wait for the next flush() or end(). */
  private flushInBackground(): void {
    this.enqueue(() => this.flushNow()).catch(() => undefined);
  }

  /** Flushes run one after another, so metric order is kept. */
  private enqueue(step: () => Promise<void>): Promise<void> {
    const done = this.chain.then(step);
    this.chain = done.catch(() => undefined);
    return done;
  }

  private async flushNow(): Promise<void> {
    const batches = splitBatches(
      this.metrics,
      this.params,
      [...this.tags].map(([key, value]) => ({ key, value })),
    );
    [this.metrics, this.params, this.tags] = [[], [], new Map()];
    for (let i = 0; i < batches.length; i += 1) {
      try {
        await this.store.logBatch(this.runId, batches[i]);
      } catch (e) {
        if (isPermanent(e)) this.failures.push(e);
        else {
          this.requeue(batches.slice(i));
          throw e;
        }
      }
    }
  }

  /** Puts unsent batches back in front of what was logged since. */
  private requeue(batches: LogBatchRequest[]): void {
    const unsent = batches.flatMap((b) => b.tags ?? []);
    const tags = new Map(unsent.map((t) => [t.key, t.value]));
    for (const [k, v] of this.tags) tags.set(k, v);
    this.metrics = [
      ...batches.flatMap((b) => b.metrics ?? []),
      ...this.metrics,
    ];
    this.params = [...batches.flatMap((b) => b.params ?? []), ...this.params];
    this.tags = tags;
  }

  private throwFailures(): void {
    const failures = this.failures;
    this.failures = [];
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) {
      throw new AggregateError(
        failures,
        `${failures.length} batches of run '${this.runId}' were refused`,
      );
    }
  }

  /**
   * Flushes and sets the final status and end time. Later calls return the
   * first call's promise, so ending twice (withRun after a signal) is safe.
   */
  end(status: RunStatus = 'FINISHED'): Promise<void> {
    this.ending ??= this.finish(status);
    return this.ending;
  }

  private async finish(status: RunStatus): Promise<void> {
    clearInterval(this.timer);
    let flushError: unknown;
    try {
      await this.flush();
    } catch (e) {
      flushError = e;
    }
    try {
      await this.store.updateRun(this.runId, { status, endTime: Date.now() });
    } finally {
      unregisterOpenRun(this);
    }
    if (flushError !== undefined) throw flushError;
  }
}

async function experimentIdOf(
  store: TrackingStore,
  options: StartRunOptions,
): Promise<string> {
  const { experimentId, experimentName } = options;
  if (experimentId !== undefined && experimentName !== undefined) {
    throw invalid('startRun: give experimentId or experimentName, not both');
  }
  if (experimentName === undefined) return experimentId ?? '0';
  return (await store.getOrCreateExperiment(experimentName)).experimentId;
}

/** Creates a run and returns its handle; end it with `end()`. */
export async function startRun(
  store: TrackingStore,
  options: StartRunOptions = {},
): Promise<RunHandle> {
  const info = await store.createRun({
    experimentId: await experimentIdOf(store, options),
    runName: options.runName,
    tags: options.tags,
    startTime: options.startTime,
  });
  return new RunHandle(store, info, {}, options);
}

/** Reopens an existing run (status RUNNING again) to log more to it. */
export async function resumeRun(
  store: TrackingStore,
  runId: string,
  options: RunHandleOptions = {},
): Promise<RunHandle> {
  const run = await store.getRun(runId);
  const info = await store.updateRun(runId, { status: 'RUNNING' });
  return new RunHandle(store, info, run.data.params, options);
}

/**
 * Runs `fn` with a new run, then ends it FINISHED, or FAILED when `fn`
 * throws (the error is rethrown). A run `fn` ended itself keeps its status.
 */
export async function withRun<T>(
  store: TrackingStore,
  options: StartRunOptions,
  fn: (run: RunHandle) => Promise<T>,
): Promise<T> {
  const run = await startRun(store, options);
  let result: T;
  try {
    result = await fn(run);
  } catch (e) {
    await run.end('FAILED').catch(() => undefined);
    throw e;
  }
  await run.end('FINISHED');
  return result;
}

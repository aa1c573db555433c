// A TrackingStore on MLflow's REST API (shared/MLFLOW.md §1), for
// MLFLOW_TRACKING_URI=http(s)://host:port. Everything a request could be
// refused for is checked here first, so a bad key, a changed param or an
// over-long value fails before anything is sent; large batches are split
// within the server's limits; artifacts go through the server's proxy.

import { userInfo } from 'node:os';
import { splitBatches } from './batch';
import { TrackingError, invalid } from './errors';
import { ArtifactDir, localArtifactRoot } from './file-artifacts';
import { TAG_RUN_NAME, TAG_USER } from './file-layout';
import { retryPolicy } from './http-retry';
import {
  ProxyArtifacts,
  proxyPathOf,
  unreachableArtifacts,
} from './rest-artifacts';
import type { ArtifactRepo } from './rest-artifacts';
import { RestClient } from './rest-client';
import type { RestClientOptions } from './rest-client';
import {
  decodeExperiment,
  decodeMetric,
  decodeRun,
  decodeRunInfo,
  encodeMetric,
  filterString,
  toKeyValues,
} from './rest-codec';
import type {
  JsonExperiment,
  JsonMetric,
  JsonRun,
  JsonRunInfo,
} from './rest-codec';
import {
  SEARCH_MAX_RESULTS_DEFAULT,
  checkMaxResults,
  validateRunFilter,
} from './search';
import type {
  ArtifactEntry,
  CreateRunRequest,
  Experiment,
  KeyValue,
  LogBatchRequest,
  Metric,
  Run,
  RunInfo,
  SearchRunsRequest,
  SearchRunsResult,
  TrackingStore,
  UpdateRunRequest,
} from './types';
import {
  validateBatchItems,
  validateExperimentId,
  validateExperimentName,
  validateExperimentTag,
  validateKey,
  validateRunId,
  validateRunUpdate,
  validateTag,
} from './validation';

export interface RestStoreOptions extends RestClientOptions {
  /**
   * `max_results` of each metric-history request; default 25 000, as
   * MLflow's client sends (a request without it returns nothing).
   */
  historyPageSize?: number;
}

/** Pages of one metric history or search before the loop gives up. */
const MAX_PAGES = 100_000;

/** The reachability probe: one quick retry, a few seconds in all. */
const PROBE_POLICY = retryPolicy({
  maxRetries: 1,
  backoffFactorMs: 250,
  backoffJitterMs: 250,
  timeoutMs: 5000,
  deadlineMs: 10_000,
});

export class RestStore implements TrackingStore {
  readonly client: RestClient;
  private readonly historyPageSize: number;
  /** Params known to be on the server, per run. */
  private readonly params = new Map<string, Map<string, string>>();
  /** Where each run's artifacts live. */
  private readonly runInfos = new Map<string, RunInfo>();

  /** @param uri `http(s)://host:port[/prefix]` of the tracking server. */
  constructor(
    readonly uri: string,
    options: RestStoreOptions = {},
  ) {
    if (!/^https?:\/\/[^/]/i.test(uri)) {
      throw invalid(`RestStore: '${uri}' is not an http(s):// URI`);
    }
    this.client = new RestClient(uri.replace(/\/+$/, ''), options);
    this.historyPageSize = options.historyPageSize ?? 25_000;
    if (
      !Number.isSafeInteger(this.historyPageSize) ||
      this.historyPageSize < 1
    ) {
      throw invalid(
        `RestStore: historyPageSize must be a positive integer, ` +
          `got ${options.historyPageSize}`,
      );
    }
  }

  /**
   * Whether the server answers at all (GET /health), within seconds. An
   * error answer counts as an answer; only the network failing does not.
   */
  async ping(): Promise<void> {
    await this.client
      .send({
        method: 'GET',
        path: '/health',
        bytes: true,
        policy: PROBE_POLICY,
      })
      .catch((e: unknown) => {
        const status = (e as TrackingError).httpStatus;
        if (status !== undefined && status < 500) return;
        throw e;
      });
  }

  // ---- experiments ---------------------------------------------------

  async getExperiment(experimentId: string): Promise<Experiment> {
    validateExperimentId(experimentId);
    const body = await this.client.getJson<{ experiment: JsonExperiment }>(
      'experiments/get',
      { experiment_id: experimentId },
    );
    return decodeExperiment(body.experiment);
  }

  async getExperimentByName(name: string): Promise<Experiment | null> {
    validateExperimentName(name);
    try {
      const body = await this.client.getJson<{ experiment: JsonExperiment }>(
        'experiments/get-by-name',
        { experiment_name: name },
      );
      return decodeExperiment(body.experiment);
    } catch (e) {
      if (isMissing(e)) return null;
      throw e;
    }
  }

  async getOrCreateExperiment(
    name: string,
    tags: Record<string, string> = {},
  ): Promise<Experiment> {
    validateExperimentName(name);
    for (const [k, v] of Object.entries(tags)) validateExperimentTag(k, v);
    const found = await this.getExperimentByName(name);
    if (found) return activeOrThrow(found);
    try {
      const { experiment_id } = await this.client.postJson<{
        experiment_id: string;
      }>('experiments/create', { name, tags: toKeyValues(tags) });
      return await this.getExperiment(String(experiment_id));
    } catch (e) {
      // Another client created it meanwhile (MLflow's set_experiment).
      if (!(e instanceof TrackingError)) throw e;
      if (e.code !== 'RESOURCE_ALREADY_EXISTS') throw e;
      const again = await this.getExperimentByName(name);
      if (again === null) throw e;
      return activeOrThrow(again);
    }
  }

  async setExperimentTag(
    experimentId: string,
    key: string,
    value: string,
  ): Promise<void> {
    validateExperimentId(experimentId);
    validateExperimentTag(key, value);
    await this.client.postJson('experiments/set-experiment-tag', {
      experiment_id: experimentId,
      key,
      value,
    });
  }

  async deleteExperiment(experimentId: string): Promise<void> {
    validateExperimentId(experimentId);
    await this.client.postJson('experiments/delete', {
      experiment_id: experimentId,
    });
  }

  // ---- runs ----------------------------------------------------------

  async createRun(request: CreateRunRequest): Promise<RunInfo> {
    validateExperimentId(request.experimentId);
    const tags = { ...(request.tags ?? {}) };
    const runName = request.runName ?? tags[TAG_RUN_NAME];
    if (runName !== undefined) tags[TAG_RUN_NAME] = runName;
    if (request.runName !== undefined && request.tags?.[TAG_RUN_NAME]) {
      if (request.tags[TAG_RUN_NAME] !== request.runName) {
        throw invalid(
          `createRun: runName '${request.runName}' differs from the ` +
            `${TAG_RUN_NAME} tag '${request.tags[TAG_RUN_NAME]}'`,
        );
      }
    }
    const userId = request.userId ?? tags[TAG_USER] ?? defaultUser();
    tags[TAG_USER] ??= userId;
    for (const [k, v] of Object.entries(tags)) validateTag(k, v);
    const startTime = request.startTime ?? Date.now();
    if (!Number.isSafeInteger(startTime)) {
      throw invalid(
        `createRun: startTime must be an integer, got ${startTime}`,
      );
    }
    const { run } = await this.client.postJson<{ run: JsonRun }>(
      'runs/create',
      {
        experiment_id: request.experimentId,
        run_name: runName,
        start_time: startTime,
        user_id: userId,
        tags: toKeyValues(tags),
      },
    );
    const info = decodeRunInfo(run.info);
    this.runInfos.set(info.runId, info);
    this.params.set(info.runId, new Map());
    return info;
  }

  async getRun(runId: string): Promise<Run> {
    validateRunId(runId);
    const { run } = await this.client.getJson<{ run: JsonRun }>('runs/get', {
      run_id: runId,
    });
    const decoded = decodeRun(run);
    this.runInfos.set(runId, decoded.info);
    this.params.set(runId, new Map(Object.entries(decoded.data.params)));
    return decoded;
  }

  async searchRuns(request: SearchRunsRequest): Promise<SearchRunsResult> {
    const maxResults = request.maxResults ?? SEARCH_MAX_RESULTS_DEFAULT;
    checkMaxResults(maxResults);
    validateRunFilter(request.filter ?? {});
    request.experimentIds.forEach(validateExperimentId);
    const body = await this.client.postJson<{
      runs?: JsonRun[];
      next_page_token?: string;
    }>('runs/search', {
      experiment_ids: request.experimentIds,
      filter: filterString(request.filter),
      run_view_type: request.runViewType ?? 'ACTIVE_ONLY',
      max_results: maxResults,
      page_token: request.pageToken,
    });
    const runs = (body.runs ?? []).map(decodeRun);
    const next = body.next_page_token;
    return next ? { runs, nextPageToken: next } : { runs };
  }

  async updateRun(runId: string, update: UpdateRunRequest): Promise<RunInfo> {
    validateRunId(runId);
    validateRunUpdate(runId, update);
    const body = await this.client.postJson<{ run_info?: JsonRunInfo }>(
      'runs/update',
      {
        run_id: runId,
        status: update.status,
        end_time: update.endTime,
        run_name: update.runName,
      },
    );
    if (body.run_info === undefined) return (await this.getRun(runId)).info;
    const info = decodeRunInfo(body.run_info);
    this.runInfos.set(runId, info);
    return info;
  }

  async deleteRun(runId: string): Promise<void> {
    validateRunId(runId);
    await this.client.postJson('runs/delete', { run_id: runId });
  }

  /**
   * Any number of items, sent as requests within MLflow's limits (1000
   * metrics, 100 params, 100 tags, 1000 items), params and tags first.
   * Params already on the run with the same value are dropped; a changed
   * one is an error before anything is sent. Requests are sequential; a
   * failed one leaves the earlier ones written (as MLflow's client does).
   */
  async logBatch(runId: string, batch: LogBatchRequest): Promise<void> {
    validateRunId(runId);
    validateBatchItems(batch);
    const params = this.newParams(runId, batch.params ?? []);
    const tags = [...new Map((batch.tags ?? []).map((t) => [t.key, t.value]))];
    const requests = splitBatches(
      batch.metrics ?? [],
      params,
      tags.map(([key, value]) => ({ key, value })),
    );
    for (const r of requests) {
      await this.client.postJson('runs/log-batch', {
        run_id: runId,
        metrics: (r.metrics ?? []).map(encodeMetric),
        params: r.params,
        tags: r.tags,
      });
      this.rememberParams(runId, r.params ?? []);
    }
  }

  private newParams(runId: string, params: KeyValue[]): KeyValue[] {
    const known = this.params.get(runId);
    for (const p of params) {
      const old = known?.get(p.key);
      if (old !== undefined && old !== p.value) {
        throw invalid(
          `param '${p.key}' of run '${runId}' was logged as '${old}'; ` +
            `changing it to '${p.value}' is not allowed`,
        );
      }
    }
    return params.filter((p) => known?.get(p.key) === undefined);
  }

  private rememberParams(runId: string, params: KeyValue[]): void {
    const known = this.params.get(runId) ?? new Map<string, string>();
    for (const p of params) known.set(p.key, p.value);
    this.params.set(runId, known);
  }

  async setTag(runId: string, key: string, value: string): Promise<void> {
    validateRunId(runId);
    validateTag(key, value);
    await this.client.postJson('runs/set-tag', { run_id: runId, key, value });
  }

  /**
   * Every value of one metric, in the server's order (timestamp, step,
   * value on SQL stores), fetched in pages of `historyPageSize`.
   */
  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    validateRunId(runId);
    validateKey('metric', key);
    const out: Metric[] = [];
    let token: string | undefined;
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const query: Record<string, string> = {
        run_id: runId,
        metric_key: key,
        max_results: String(this.historyPageSize),
      };
      if (token !== undefined) query.page_token = token;
      const body = await this.client.getJson<{
        metrics?: JsonMetric[];
        next_page_token?: string;
      }>('metrics/get-history', query);
      const metrics = body.metrics ?? [];
      out.push(...metrics.map(decodeMetric));
      const next = body.next_page_token || undefined;
      if (next === undefined) return out;
      if (metrics.length === 0 || next === token) {
        throw new TrackingError(
          'INTERNAL_ERROR',
          `metric history of '${key}' (run ${runId}): the server sent an ` +
            `empty or repeated page with a next page token`,
        );
      }
      token = next;
    }
    throw new TrackingError(
      'INTERNAL_ERROR',
      `metric history of '${key}' (run ${runId}): more than ${MAX_PAGES} pages`,
    );
  }

  // ---- artifacts -----------------------------------------------------

  /** The run's artifacts: through the proxy, or a local folder. */
  private async artifacts(runId: string): Promise<ArtifactRepo> {
    validateRunId(runId);
    const info = this.runInfos.get(runId) ?? (await this.getRun(runId)).info;
    const proxied = proxyPathOf(info.artifactUri);
    if (proxied !== null) return new ProxyArtifacts(this.client, proxied);
    try {
      return new ArtifactDir(localArtifactRoot(info));
    } catch {
      throw unreachableArtifacts(runId, info.artifactUri);
    }
  }

  async logArtifact(
    runId: string,
    localPath: string,
    artifactPath?: string,
  ): Promise<void> {
    await (await this.artifacts(runId)).copyIn(localPath, artifactPath);
  }

  async logArtifactBytes(
    runId: string,
    relPath: string,
    bytes: Uint8Array,
  ): Promise<void> {
    await (await this.artifacts(runId)).writeBytes(relPath, bytes);
  }

  async listArtifacts(runId: string, path?: string): Promise<ArtifactEntry[]> {
    return (await this.artifacts(runId)).list(path);
  }

  async readArtifact(runId: string, relPath: string): Promise<Uint8Array> {
    return (await this.artifacts(runId)).read(relPath);
  }

  async downloadArtifact(
    runId: string,
    relPath: string,
    destDir: string,
  ): Promise<string> {
    return (await this.artifacts(runId)).copyOut(relPath, destDir);
  }
}

function isMissing(e: unknown): boolean {
  return e instanceof TrackingError && e.code === 'RESOURCE_DOES_NOT_EXIST';
}

function activeOrThrow(exp: Experiment): Experiment {
  if (exp.lifecycleStage === 'active') return exp;
  throw new TrackingError(
    'RESOURCE_ALREADY_EXISTS',
    `experiment '${exp.name}' (id ${exp.experimentId}) is deleted on the ` +
      `tracking server: restore it (mlflow experiments restore ` +
      `--experiment-id ${exp.experimentId}), purge it (mlflow gc), or use ` +
      `another name`,
  );
}

function defaultUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

// The store `openStore('http(s)://…')` returns: the REST store while the
// server answers, the local file store once it does not. A run the
// server lost mid-way goes on in the local store under the same run id
// (with the params and tags it had), so nothing it logs is lost, and
// `acsm sync` (syncToServer) later merges it into the server's run.
//
// Once the server is given up, this process stays offline: the local
// store is the one truth from then on, and the caller is told, once when
// it happens and once at exit, to run `acsm sync`.

import { isServerUnavailable, ServerUnavailableError } from './errors';
import type { FileStore } from './file-store';
import { splitBatches } from './batch';
import type { RestStore } from './rest-store';
import type {
  ArtifactEntry,
  CreateRunRequest,
  Experiment,
  LogBatchRequest,
  Metric,
  Run,
  RunInfo,
  SearchRunsRequest,
  SearchRunsResult,
  TrackingStore,
  UpdateRunRequest,
} from './types';

/** Tag of a local run that continues a run of the server. */
export const TAG_CONTINUED_OFFLINE = 'acsm.continued_offline';

export interface FallbackStoreOptions {
  /** Opens the local store, the first time it is needed. */
  openLocal: () => Promise<FileStore>;
  /** The local store's folder, for the messages. */
  localDir: string;
  /** Gets the messages for the user; default process.emitWarning. */
  notify?: (message: string) => void;
  /** Repeat the `acsm sync` message when the process exits; default true. */
  remindAtExit?: boolean;
}

/** What this process knows of a server run, to continue it locally. */
interface KnownRun {
  info: RunInfo;
  params: Record<string, string>;
  tags: Record<string, string>;
}

function defaultNotify(message: string): void {
  process.emitWarning(message, { code: 'ACSM_TRACKING_OFFLINE' });
}

export class FallbackStore implements TrackingStore {
  private offlineReason: string | null = null;
  private localStore: Promise<FileStore> | null = null;
  /** Server experiment id → name. */
  private readonly experimentNames = new Map<string, string>();
  private readonly knownRuns = new Map<string, KnownRun>();
  private readonly continuing = new Map<string, Promise<void>>();
  /** Runs written to the local store since going offline. */
  private readonly offlineRuns = new Set<string>();
  private readonly notify: (message: string) => void;

  constructor(
    readonly remote: RestStore,
    private readonly options: FallbackStoreOptions,
  ) {
    this.notify = options.notify ?? defaultNotify;
  }

  /** A store that starts offline when the server does not answer now. */
  static async open(
    remote: RestStore,
    options: FallbackStoreOptions,
  ): Promise<FallbackStore> {
    const store = new FallbackStore(remote, options);
    await remote.ping().catch((e: unknown) => {
      if (!isServerUnavailable(e)) throw e;
      store.goOffline(e);
    });
    return store;
  }

  get isOffline(): boolean {
    return this.offlineReason !== null;
  }

  /** Ids of the runs this process wrote locally since going offline. */
  get localRunIds(): string[] {
    return [...this.offlineRuns];
  }

  private local(): Promise<FileStore> {
    this.localStore ??= this.options.openLocal();
    return this.localStore;
  }

  private syncCommand(): string {
    const { localDir } = this.options;
    return `acsm sync --from ${localDir} --to ${this.remote.uri}`;
  }

  private goOffline(e: ServerUnavailableError): void {
    if (this.offlineReason !== null) return;
    this.offlineReason = e.message;
    this.notify(
      `${e.message}. This process goes on with the local store ` +
        `${this.options.localDir}; when the server is back, copy the runs ` +
        `to it with: ${this.syncCommand()}`,
    );
    if (this.options.remindAtExit === false) return;
    process.once('beforeExit', () => {
      if (this.offlineRuns.size === 0) return;
      this.notify(
        `${this.offlineRuns.size} run(s) are in ${this.options.localDir} ` +
          `but not (all) on ${this.remote.uri}: ` +
          `${[...this.offlineRuns].join(', ')}. Run: ${this.syncCommand()}`,
      );
    });
  }

  /** The server while it answers; the local store after. */
  private async either<T>(
    online: () => Promise<T>,
    offline: (local: FileStore) => Promise<T>,
  ): Promise<T> {
    if (!this.isOffline) {
      try {
        return await online();
      } catch (e) {
        if (!isServerUnavailable(e)) throw e;
        this.goOffline(e);
      }
    }
    return offline(await this.local());
  }

  // ---- experiments ---------------------------------------------------

  private remember(exp: Experiment): Experiment {
    this.experimentNames.set(exp.experimentId, exp.name);
    return exp;
  }

  /**
   * The local experiment for an id the caller holds: a server id maps by
   * name (created locally when `create`), a local id is itself.
   */
  private async localExperimentId(
    experimentId: string,
    create: boolean,
  ): Promise<string | null> {
    const name = this.experimentNames.get(experimentId);
    if (name === undefined) return experimentId;
    const local = await this.local();
    const exp = create
      ? await local.getOrCreateExperiment(name)
      : await local.getExperimentByName(name);
    return exp?.experimentId ?? null;
  }

  getOrCreateExperiment(
    name: string,
    tags?: Record<string, string>,
  ): Promise<Experiment> {
    return this.either(
      async () =>
        this.remember(await this.remote.getOrCreateExperiment(name, tags)),
      (local) => local.getOrCreateExperiment(name, tags),
    );
  }

  getExperiment(experimentId: string): Promise<Experiment> {
    return this.either(
      async () => this.remember(await this.remote.getExperiment(experimentId)),
      async (local) => {
        const id = await this.localExperimentId(experimentId, false);
        if (id === null) throw this.notLocal(`experiment '${experimentId}'`);
        return local.getExperiment(id);
      },
    );
  }

  getExperimentByName(name: string): Promise<Experiment | null> {
    return this.either(
      async () => {
        const exp = await this.remote.getExperimentByName(name);
        return exp && this.remember(exp);
      },
      (local) => local.getExperimentByName(name),
    );
  }

  setExperimentTag(experimentId: string, key: string, value: string) {
    return this.either(
      () => this.remote.setExperimentTag(experimentId, key, value),
      async (local) => {
        const id = await this.localExperimentId(experimentId, true);
        await local.setExperimentTag(id ?? experimentId, key, value);
      },
    );
  }

  deleteExperiment(experimentId: string): Promise<void> {
    return this.either(
      () => this.remote.deleteExperiment(experimentId),
      async () => {
        throw this.notLocal(`experiment '${experimentId}'`);
      },
    );
  }

  private notLocal(what: string): ServerUnavailableError {
    return new ServerUnavailableError(
      `${what} is on the tracking server ${this.remote.uri}, which this ` +
        `process gave up on (${this.offlineReason})`,
    );
  }

  // ---- runs ----------------------------------------------------------

  /** Keeps what a later local continuation of the run needs. */
  /** The server experiment's name, asked once, to map it when offline. */
  private async learnExperiment(experimentId: string): Promise<void> {
    if (this.experimentNames.has(experimentId)) return;
    this.remember(await this.remote.getExperiment(experimentId));
  }

  private async track(info: RunInfo, data?: Run['data']): Promise<void> {
    await this.learnExperiment(info.experimentId);
    const known = this.knownRuns.get(info.runId);
    this.knownRuns.set(info.runId, {
      info,
      params: data?.params ?? known?.params ?? {},
      tags: data?.tags ?? known?.tags ?? {},
    });
  }

  createRun(request: CreateRunRequest): Promise<RunInfo> {
    return this.either(
      async () => {
        await this.learnExperiment(request.experimentId);
        const info = await this.remote.createRun(request);
        const tags = { ...request.tags, 'mlflow.runName': info.runName };
        await this.track(info, { metrics: {}, params: {}, tags });
        return info;
      },
      async (local) => {
        const id = await this.localExperimentId(request.experimentId, true);
        const info = await local.createRun({
          ...request,
          experimentId: id ?? request.experimentId,
        });
        this.offlineRuns.add(info.runId);
        return info;
      },
    );
  }

  /**
   * The local run of `runId` for a write: the run itself, or a new local
   * continuation of a server run, with the same id.
   */
  private async localRunFor(runId: string): Promise<FileStore> {
    const local = await this.local();
    let pending = this.continuing.get(runId);
    if (pending === undefined) {
      pending = this.continueLocally(local, runId);
      this.continuing.set(runId, pending);
    }
    await pending;
    this.offlineRuns.add(runId);
    return local;
  }

  private async continueLocally(local: FileStore, runId: string) {
    if (await local.hasRun(runId)) return;
    const known = this.knownRuns.get(runId);
    if (known === undefined) {
      throw this.notLocal(`run '${runId}' (not opened by this process)`);
    }
    const { info, params, tags } = known;
    const experimentId = await this.localExperimentId(info.experimentId, true);
    await local.createRunWithId(runId, {
      experimentId: experimentId ?? info.experimentId,
      runName: info.runName,
      startTime: info.startTime,
      userId: info.userId,
      tags: {
        ...tags,
        'mlflow.runName': info.runName,
        [TAG_CONTINUED_OFFLINE]: 'true',
      },
    });
    const kv = Object.entries(params).map(([key, value]) => ({ key, value }));
    for (const batch of splitBatches([], kv, [])) {
      await local.logBatch(runId, batch);
    }
    if (info.status !== 'RUNNING') {
      await local.updateRun(runId, {
        status: info.status,
        endTime: info.endTime ?? undefined,
      });
    }
  }

  /** A read: the local run if there is one, else the server is needed. */
  private async localRead<T>(
    runId: string,
    read: (local: FileStore) => Promise<T>,
  ): Promise<T> {
    const local = await this.local();
    if (!(await local.hasRun(runId))) throw this.notLocal(`run '${runId}'`);
    return read(local);
  }

  getRun(runId: string): Promise<Run> {
    return this.either(
      async () => {
        const run = await this.remote.getRun(runId);
        await this.track(run.info, run.data);
        return run;
      },
      (local) => this.localRead(runId, () => local.getRun(runId)),
    );
  }

  searchRuns(request: SearchRunsRequest): Promise<SearchRunsResult> {
    return this.either(
      () => this.remote.searchRuns(request),
      async (local) => {
        const ids: string[] = [];
        for (const id of request.experimentIds) {
          const mapped = await this.localExperimentId(id, false);
          if (mapped !== null) ids.push(mapped);
        }
        if (ids.length === 0) return { runs: [] };
        return local.searchRuns({ ...request, experimentIds: ids });
      },
    );
  }

  updateRun(runId: string, update: UpdateRunRequest): Promise<RunInfo> {
    return this.either(
      async () => {
        const info = await this.remote.updateRun(runId, update);
        if (this.knownRuns.has(runId)) await this.track(info);
        return info;
      },
      async () => (await this.localRunFor(runId)).updateRun(runId, update),
    );
  }

  deleteRun(runId: string): Promise<void> {
    return this.either(
      () => this.remote.deleteRun(runId),
      async () => (await this.localRunFor(runId)).deleteRun(runId),
    );
  }

  logBatch(runId: string, batch: LogBatchRequest): Promise<void> {
    return this.either(
      async () => {
        await this.remote.logBatch(runId, batch);
        this.noteLogged(runId, batch);
      },
      async () => {
        const local = await this.localRunFor(runId);
        for (const part of splitBatches(
          batch.metrics ?? [],
          batch.params ?? [],
          batch.tags ?? [],
        )) {
          await local.logBatch(runId, part);
        }
      },
    );
  }

  private noteLogged(runId: string, batch: LogBatchRequest): void {
    const known = this.knownRuns.get(runId);
    if (known === undefined) return;
    for (const p of batch.params ?? []) known.params[p.key] = p.value;
    for (const t of batch.tags ?? []) known.tags[t.key] = t.value;
  }

  setTag(runId: string, key: string, value: string): Promise<void> {
    return this.logBatch(runId, { tags: [{ key, value }] });
  }

  getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    return this.either(
      () => this.remote.getMetricHistory(runId, key),
      (local) =>
        this.localRead(runId, () => local.getMetricHistory(runId, key)),
    );
  }

  // ---- artifacts -----------------------------------------------------

  logArtifact(
    runId: string,
    localPath: string,
    artifactPath?: string,
  ): Promise<void> {
    return this.either(
      () => this.remote.logArtifact(runId, localPath, artifactPath),
      async () =>
        (await this.localRunFor(runId)).logArtifact(
          runId,
          localPath,
          artifactPath,
        ),
    );
  }

  logArtifactBytes(
    runId: string,
    relPath: string,
    bytes: Uint8Array,
  ): Promise<void> {
    return this.either(
      () => this.remote.logArtifactBytes(runId, relPath, bytes),
      async () =>
        (await this.localRunFor(runId)).logArtifactBytes(runId, relPath, bytes),
    );
  }

  listArtifacts(runId: string, path?: string): Promise<ArtifactEntry[]> {
    return this.either(
      () => this.remote.listArtifacts(runId, path),
      (local) => this.localRead(runId, () => local.listArtifacts(runId, path)),
    );
  }

  readArtifact(runId: string, relPath: string): Promise<Uint8Array> {
    return this.either(
      () => this.remote.readArtifact(runId, relPath),
      (local) =>
        this.localRead(runId, () => local.readArtifact(runId, relPath)),
    );
  }

  downloadArtifact(
    runId: string,
    relPath: string,
    destDir: string,
  ): Promise<string> {
    return this.either(
      () => this.remote.downloadArtifact(runId, relPath, destDir),
      (local) =>
        this.localRead(runId, () =>
          local.downloadArtifact(runId, relPath, destDir),
        ),
    );
  }
}

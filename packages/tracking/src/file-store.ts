// A TrackingStore on MLflow's local file store layout (shared/MLFLOW.md
// §2), readable by `mlflow ui --backend-store-uri <root>` and able to read
// what MLflow wrote. Every whole-file write is temp + rename; metric
// values are appended a line at a time.

import { randomUUID } from 'node:crypto';
import { mkdir, rename } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TrackingError, invalid, notFound } from './errors';
import { ArtifactDir, localArtifactRoot } from './file-artifacts';
import {
  keyValues,
  readKeyFiles,
  readMeta,
  writeKeyFiles,
  writeMeta,
} from './file-keys';
import {
  ARTIFACTS,
  DEFAULT_EXPERIMENT_ID,
  DEFAULT_EXPERIMENT_NAME,
  META,
  NON_EXPERIMENT_FOLDERS,
  NON_RUN_FOLDERS,
  TAGS,
  TAG_RUN_NAME,
  TAG_USER,
  TRASH,
  experimentMeta,
  newExperimentId,
  parseExperimentMeta,
} from './file-layout';
import { RunFolder } from './file-run';
import type { RunMeta } from './file-run';
import { listSubdirs, pathKind, withLockFile } from './fs-util';
import {
  SEARCH_MAX_RESULTS_DEFAULT,
  checkMaxResults,
  compareRunInfos,
  paginate,
  validateRunFilter,
} from './search';
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
import {
  validateBatch,
  validateExperimentId,
  validateExperimentName,
  validateExperimentTag,
  validateKey,
  validateRunId,
  validateRunUpdate,
  validateTag,
} from './validation';

const EXPERIMENT_LOCK = '.acsm-experiments.lock';
const RUN_FOLDER = /^[a-zA-Z0-9][\w-]{0,255}$/;
const EXPERIMENT_FOLDER = /^[a-zA-Z0-9][\w-]{0,63}$/;

type LocatedRun = RunMeta & { run: RunFolder };

export class FileStore implements TrackingStore {
  private readonly trash: string;
  /** Run id → run folder, checked before each use. */
  private readonly runDirs = new Map<string, string>();
  /** Key paths known free of file/folder clashes (see RunFolder). */
  private readonly checkedKeys = new Set<string>();

  private constructor(readonly root: string) {
    this.trash = join(root, TRASH);
  }

  /**
   * Opens the store at `root` (default `./mlruns`), creating the folder,
   * `.trash/` and the Default experiment `0` when they are missing.
   */
  static async open(root = './mlruns'): Promise<FileStore> {
    const store = new FileStore(resolve(root));
    await mkdir(store.trash, { recursive: true });
    await store.withExperimentLock(async () => {
      if (await store.experimentDir(DEFAULT_EXPERIMENT_ID)) return;
      const name = DEFAULT_EXPERIMENT_NAME;
      await store.writeNewExperiment(DEFAULT_EXPERIMENT_ID, name, {});
    });
    return store;
  }

  // ---- experiments ---------------------------------------------------

  private withExperimentLock<T>(fn: () => Promise<T>): Promise<T> {
    return withLockFile(join(this.root, EXPERIMENT_LOCK), fn);
  }

  /** The folder of an experiment, active or in `.trash`; null if none. */
  private async experimentDir(experimentId: string): Promise<string | null> {
    validateExperimentId(experimentId);
    for (const parent of [this.root, this.trash]) {
      const dir = join(parent, experimentId);
      if ((await pathKind(join(dir, META))) === 'file') return dir;
    }
    return null;
  }

  private async allExperimentDirs(): Promise<string[]> {
    const under = async (parent: string) =>
      (await listSubdirs(parent))
        .filter((n) => !NON_EXPERIMENT_FOLDERS.has(n))
        .filter((n) => EXPERIMENT_FOLDER.test(n))
        .map((n) => join(parent, n));
    return [...(await under(this.root)), ...(await under(this.trash))];
  }

  private async readExperiment(dir: string): Promise<Experiment | null> {
    const meta = await readMeta(dir);
    if (meta === null) return null;
    const tags = await readKeyFiles(join(dir, TAGS));
    return { ...parseExperimentMeta(meta), tags };
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    const dir = await this.experimentDir(experimentId);
    const exp = dir === null ? null : await this.readExperiment(dir);
    if (exp === null) {
      throw notFound(`experiment '${experimentId}' does not exist`);
    }
    return exp;
  }

  /** Every experiment of the store, active and deleted. */
  async listExperiments(): Promise<Experiment[]> {
    const out: Experiment[] = [];
    for (const dir of await this.allExperimentDirs()) {
      const exp = await this.readExperiment(dir);
      if (exp) out.push(exp);
    }
    return out;
  }

  async getExperimentByName(name: string): Promise<Experiment | null> {
    let deleted: Experiment | null = null;
    for (const dir of await this.allExperimentDirs()) {
      const exp = await this.readExperiment(dir);
      if (exp?.name !== name) continue;
      if (exp.lifecycleStage === 'active') return exp;
      deleted = exp;
    }
    return deleted;
  }

  async getOrCreateExperiment(
    name: string,
    tags: Record<string, string> = {},
  ): Promise<Experiment> {
    validateExperimentName(name);
    for (const [k, v] of Object.entries(tags)) validateExperimentTag(k, v);
    const found = await this.getExperimentByName(name);
    if (found) return activeOrThrow(found);
    return this.withExperimentLock(async () => {
      const again = await this.getExperimentByName(name);
      if (again) return activeOrThrow(again);
      return this.writeNewExperiment(await this.freshId(), name, tags);
    });
  }

  private async freshId(): Promise<string> {
    for (;;) {
      const id = newExperimentId();
      const taken = await Promise.all(
        [this.root, this.trash].map((p) => pathKind(join(p, id))),
      );
      if (taken.every((k) => k === null)) return id;
    }
  }

  /** Tags first, meta.yaml last: readers skip a folder without meta. */
  private async writeNewExperiment(
    experimentId: string,
    name: string,
    tags: Record<string, string>,
  ): Promise<Experiment> {
    const dir = join(this.root, experimentId);
    await mkdir(dir, { recursive: true });
    await writeKeyFiles(join(dir, TAGS), keyValues(tags), dir);
    const now = Date.now();
    const exp: Experiment = {
      experimentId,
      name,
      artifactLocation: pathToFileURL(dir).href,
      lifecycleStage: 'active',
      creationTime: now,
      lastUpdateTime: now,
      tags: { ...tags },
    };
    await writeMeta(dir, experimentMeta(exp));
    return exp;
  }

  async setExperimentTag(
    experimentId: string,
    key: string,
    value: string,
  ): Promise<void> {
    validateExperimentTag(key, value);
    requireActive(await this.getExperiment(experimentId), 'set a tag on');
    const dir = join(this.root, experimentId);
    await writeKeyFiles(join(dir, TAGS), [{ key, value }], dir);
  }

  /** Marks the experiment and its runs deleted and moves it to `.trash`. */
  async deleteExperiment(experimentId: string): Promise<void> {
    if (experimentId === DEFAULT_EXPERIMENT_ID) {
      throw invalid(`the Default experiment '0' cannot be deleted`);
    }
    const exp = await this.getExperiment(experimentId);
    requireActive(exp, 'delete');
    const dir = join(this.root, experimentId);
    const now = Date.now();
    for (const run of await this.runFoldersOf(dir)) {
      const meta = await run.readMeta();
      if (meta?.info.lifecycleStage !== 'active') continue;
      await run.writeMeta({ ...meta.info, lifecycleStage: 'deleted' }, now);
    }
    const deleted = { ...exp, lifecycleStage: 'deleted' as const };
    await writeMeta(dir, experimentMeta({ ...deleted, lastUpdateTime: now }));
    await rename(dir, join(this.trash, experimentId));
    this.runDirs.clear();
    this.checkedKeys.clear();
  }

  // ---- runs ----------------------------------------------------------

  private runFolder(dir: string): RunFolder {
    return new RunFolder(dir, this.checkedKeys);
  }

  private async runFoldersOf(experimentDir: string): Promise<RunFolder[]> {
    return (await listSubdirs(experimentDir))
      .filter((n) => !NON_RUN_FOLDERS.has(n) && RUN_FOLDER.test(n))
      .map((n) => this.runFolder(join(experimentDir, n)));
  }

  createRun(request: CreateRunRequest): Promise<RunInfo> {
    return this.writeNewRun(randomUUID().replace(/-/g, ''), request);
  }

  /**
   * Creates a run with a given id, e.g. the local continuation of a run
   * of a tracking server that went away. An id in use is an error.
   */
  async createRunWithId(
    runId: string,
    request: CreateRunRequest,
  ): Promise<RunInfo> {
    if (await this.hasRun(runId)) {
      throw new TrackingError(
        'RESOURCE_ALREADY_EXISTS',
        `run '${runId}' already exists in ${this.root}`,
      );
    }
    return this.writeNewRun(runId, request);
  }

  private async writeNewRun(
    runId: string,
    request: CreateRunRequest,
  ): Promise<RunInfo> {
    const exp = await this.getExperiment(request.experimentId);
    requireActive(exp, 'create a run in');
    const tags = { ...(request.tags ?? {}) };
    for (const [k, v] of Object.entries(tags)) validateTag(k, v);
    const info: RunInfo = {
      runId,
      experimentId: exp.experimentId,
      runName: resolveRunName(request.runName, tags[TAG_RUN_NAME]),
      userId: request.userId ?? tags[TAG_USER] ?? defaultUser(),
      status: 'RUNNING',
      startTime: checkStartTime(request.startTime ?? Date.now()),
      endTime: null,
      artifactUri: `${exp.artifactLocation}/${runId}/${ARTIFACTS}`,
      lifecycleStage: 'active',
    };
    tags[TAG_RUN_NAME] = info.runName;
    tags[TAG_USER] ??= info.userId;
    const dir = join(this.root, exp.experimentId, runId);
    if (info.artifactUri.startsWith('file:')) {
      await mkdir(localArtifactRoot(info), { recursive: true });
    }
    await this.runFolder(dir).create(info, tags);
    this.runDirs.set(runId, dir);
    return info;
  }

  /** The folder of a run, in any experiment, active or deleted. */
  private async runDir(runId: string): Promise<string> {
    validateRunId(runId);
    const cached = this.runDirs.get(runId);
    if (cached && (await pathKind(join(cached, META))) === 'file') {
      return cached;
    }
    for (const expDir of await this.allExperimentDirs()) {
      const dir = join(expDir, runId);
      if ((await pathKind(join(dir, META))) === 'file') {
        this.runDirs.set(runId, dir);
        return dir;
      }
    }
    throw notFound(`run '${runId}' does not exist`);
  }

  /** Whether a run of that id is in the store, active or deleted. */
  async hasRun(runId: string): Promise<boolean> {
    try {
      await this.runDir(runId);
      return true;
    } catch (e) {
      if (e instanceof TrackingError && e.code === 'RESOURCE_DOES_NOT_EXIST') {
        return false;
      }
      throw e;
    }
  }

  private async locate(runId: string): Promise<LocatedRun> {
    const run = this.runFolder(await this.runDir(runId));
    const meta = await run.readMeta();
    if (meta === null) throw notFound(`run '${runId}' does not exist`);
    return { ...meta, run };
  }

  /** MLflow refuses writes to a deleted run. */
  private async locateActive(runId: string): Promise<LocatedRun> {
    const located = await this.locate(runId);
    if (located.info.lifecycleStage !== 'active') {
      throw invalid(
        `run '${runId}' must be in the 'active' state, it is deleted`,
      );
    }
    return located;
  }

  async getRun(runId: string): Promise<Run> {
    const { run, info } = await this.locate(runId);
    return run.read(info);
  }

  async updateRun(runId: string, update: UpdateRunRequest): Promise<RunInfo> {
    validateRunUpdate(runId, update);
    const { run, info } = await this.locateActive(runId);
    const next: RunInfo = {
      ...info,
      status: update.status ?? info.status,
      endTime: update.endTime ?? info.endTime,
      runName: update.runName ?? info.runName,
    };
    if (update.runName !== undefined) {
      await run.setTag(TAG_RUN_NAME, next.runName);
    }
    await run.writeMeta(next, null);
    return next;
  }

  async deleteRun(runId: string): Promise<void> {
    const { run, info } = await this.locateActive(runId);
    await run.writeMeta({ ...info, lifecycleStage: 'deleted' }, Date.now());
  }

  async logBatch(runId: string, batch: LogBatchRequest): Promise<void> {
    validateBatch(batch);
    const { run, info } = await this.locateActive(runId);
    await run.logBatch(info, batch);
  }

  setTag(runId: string, key: string, value: string): Promise<void> {
    return this.logBatch(runId, { tags: [{ key, value }] });
  }

  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    validateKey('metric', key);
    return this.runFolder(await this.runDir(runId)).history(key);
  }

  async searchRuns(request: SearchRunsRequest): Promise<SearchRunsResult> {
    const maxResults = request.maxResults ?? SEARCH_MAX_RESULTS_DEFAULT;
    checkMaxResults(maxResults);
    const filter = request.filter ?? {};
    validateRunFilter(filter);
    const view = request.runViewType ?? 'ACTIVE_ONLY';
    const found: LocatedRun[] = [];
    for (const experimentId of request.experimentIds) {
      const expDir = await this.experimentDir(experimentId);
      for (const run of expDir ? await this.runFoldersOf(expDir) : []) {
        const meta = await run.readMeta();
        if (meta?.info.experimentId !== experimentId) continue;
        if (await run.matches(meta.info, view, filter)) {
          found.push({ ...meta, run });
        }
      }
    }
    found.sort((a, b) => compareRunInfos(a.info, b.info));
    const { page, nextPageToken } = paginate(
      found,
      request.pageToken,
      maxResults,
    );
    const runs: Run[] = [];
    for (const r of page) runs.push(await r.run.read(r.info));
    return nextPageToken === undefined ? { runs } : { runs, nextPageToken };
  }

  // ---- artifacts -----------------------------------------------------

  private async artifacts(runId: string, write: boolean): Promise<ArtifactDir> {
    const { info } = write
      ? await this.locateActive(runId)
      : await this.locate(runId);
    return new ArtifactDir(localArtifactRoot(info));
  }

  async logArtifact(
    runId: string,
    localPath: string,
    artifactPath?: string,
  ): Promise<void> {
    await (await this.artifacts(runId, true)).copyIn(localPath, artifactPath);
  }

  async logArtifactBytes(
    runId: string,
    relPath: string,
    bytes: Uint8Array,
  ): Promise<void> {
    await (await this.artifacts(runId, true)).writeBytes(relPath, bytes);
  }

  async listArtifacts(runId: string, path?: string): Promise<ArtifactEntry[]> {
    return (await this.artifacts(runId, false)).list(path);
  }

  async readArtifact(runId: string, relPath: string): Promise<Uint8Array> {
    return (await this.artifacts(runId, false)).read(relPath);
  }

  async downloadArtifact(
    runId: string,
    relPath: string,
    destDir: string,
  ): Promise<string> {
    return (await this.artifacts(runId, false)).copyOut(relPath, destDir);
  }
}

// ---- helpers -----------------------------------------------------------

function defaultUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

function activeOrThrow(exp: Experiment): Experiment {
  if (exp.lifecycleStage === 'active') return exp;
  throw new TrackingError(
    'RESOURCE_ALREADY_EXISTS',
    `experiment '${exp.name}' (id ${exp.experimentId}) is deleted: ` +
      `restore it, or purge it from the store's .trash folder ` +
      `(mlflow gc), or use another name`,
  );
}

function requireActive(exp: Experiment, action: string): void {
  if (exp.lifecycleStage === 'active') return;
  throw new TrackingError(
    'INVALID_STATE',
    `cannot ${action} experiment '${exp.name}' (id ${exp.experimentId}): ` +
      `it is deleted`,
  );
}

function resolveRunName(runName?: string, tag?: string): string {
  if (runName !== undefined && tag !== undefined && runName !== tag) {
    throw invalid(
      `createRun: runName '${runName}' differs from the ` +
        `${TAG_RUN_NAME} tag '${tag}'`,
    );
  }
  const name = runName ?? tag ?? `run-${randomUUID().slice(0, 8)}`;
  validateTag(TAG_RUN_NAME, name);
  return name;
}

function checkStartTime(startTime: number): number {
  if (Number.isSafeInteger(startTime)) return startTime;
  throw invalid(`createRun: startTime must be an integer, got ${startTime}`);
}

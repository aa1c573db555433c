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
  ARTIFACTS,
  DEFAULT_EXPERIMENT_ID,
  DEFAULT_EXPERIMENT_NAME,
  META,
  METRICS,
  NON_EXPERIMENT_FOLDERS,
  NON_RUN_FOLDERS,
  PARAMS,
  TAGS,
  TAG_RUN_NAME,
  TAG_USER,
  TRASH,
  experimentMeta,
  newExperimentId,
  parseExperimentMeta,
  parseRunMeta,
  runMeta,
} from './file-layout';
import {
  appendLines,
  listSubdirs,
  pathKind,
  readTextOrNull,
  walkFiles,
  withLockFile,
  writeFileAtomic,
} from './fs-util';
import {
  formatMetricLine,
  latestMetric,
  parseMetricFile,
  parseMetricLine,
} from './metric-line';
import {
  SEARCH_MAX_RESULTS_DEFAULT,
  checkMaxResults,
  compareRunInfos,
  paginate,
} from './search';
import { RUN_STATUSES } from './types';
import type {
  ArtifactEntry,
  CreateRunRequest,
  Experiment,
  KeyValue,
  LogBatchRequest,
  Metric,
  Run,
  RunFilter,
  RunInfo,
  RunViewType,
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
  validateTag,
} from './validation';
import type { KeyKind } from './validation';
import { emitYaml, parseYaml } from './yaml';

const EXPERIMENT_LOCK = '.acsm-experiments.lock';
const RUN_FOLDER = /^[a-zA-Z0-9][\w-]{0,255}$/;
const EXPERIMENT_FOLDER = /^[a-zA-Z0-9][\w-]{0,63}$/;

interface RunMeta {
  info: RunInfo;
  deletedTime: number | null;
}

function keyPath(folder: string, key: string): string {
  return join(folder, ...key.split('/'));
}

function isCompleteMetricLine(line: string): boolean {
  return parseMetricLine('', line) !== null;
}

function defaultUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

async function readMeta(dir: string) {
  const path = join(dir, META);
  const text = await readTextOrNull(path);
  if (text === null) return null;
  try {
    return parseYaml(text);
  } catch (e) {
    throw new TrackingError(
      'INTERNAL_ERROR',
      `${path}: ${(e as Error).message}`,
    );
  }
}

function keyValues(record: Record<string, string>): KeyValue[] {
  return Object.entries(record).map(([key, value]) => ({ key, value }));
}

/** Writes one file per key, in parallel (fsyncs overlap); last wins. */
async function writeKeyFiles(
  folder: string,
  entries: KeyValue[],
  tempDir: string,
): Promise<void> {
  const byKey = new Map(entries.map((e) => [e.key, e.value]));
  await Promise.all(
    [...byKey].map(([key, value]) =>
      writeFileAtomic(keyPath(folder, key), value, tempDir),
    ),
  );
}

/** Every key file under `folder` (params, tags) with its raw value. */
async function readKeyFiles(folder: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const key of await walkFiles(folder)) {
    out[key] = (await readTextOrNull(keyPath(folder, key))) ?? '';
  }
  return out;
}

export class FileStore implements TrackingStore {
  private readonly trash: string;
  /** Run id → run folder, checked before each use. */
  private readonly runDirs = new Map<string, string>();
  /** Metric/param/tag paths known to be free of file/folder clashes. */
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
    if ((await store.experimentDir(DEFAULT_EXPERIMENT_ID)) === null) {
      await store.withExperimentLock(async () => {
        if (await store.experimentDir(DEFAULT_EXPERIMENT_ID)) return;
        await store.writeNewExperiment(
          DEFAULT_EXPERIMENT_ID,
          DEFAULT_EXPERIMENT_NAME,
          {},
        );
      });
    }
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

  private async readExperiment(dir: string): Promise<Experiment | null> {
    const meta = await readMeta(dir);
    if (meta === null) return null;
    const tags = await readKeyFiles(join(dir, TAGS));
    return { ...parseExperimentMeta(meta), tags };
  }

  private async allExperimentDirs(): Promise<string[]> {
    const active = (await listSubdirs(this.root))
      .filter((n) => !NON_EXPERIMENT_FOLDERS.has(n))
      .filter((n) => EXPERIMENT_FOLDER.test(n))
      .map((n) => join(this.root, n));
    const deleted = (await listSubdirs(this.trash))
      .filter((n) => EXPERIMENT_FOLDER.test(n))
      .map((n) => join(this.trash, n));
    return [...active, ...deleted];
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    const dir = await this.experimentDir(experimentId);
    const exp = dir === null ? null : await this.readExperiment(dir);
    if (exp === null) {
      throw notFound(`experiment '${experimentId}' does not exist`);
    }
    return exp;
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
    await this.writeExperimentMeta(dir, exp);
    return exp;
  }

  private writeExperimentMeta(dir: string, exp: Experiment): Promise<void> {
    const text = emitYaml(experimentMeta(exp));
    return writeFileAtomic(join(dir, META), text, dir);
  }

  async setExperimentTag(
    experimentId: string,
    key: string,
    value: string,
  ): Promise<void> {
    validateExperimentTag(key, value);
    const exp = await this.getExperiment(experimentId);
    requireActive(exp, 'set a tag on');
    const dir = join(this.root, exp.experimentId);
    await writeFileAtomic(keyPath(join(dir, TAGS), key), value, dir);
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
    for (const runDir of await this.runDirsOf(dir)) {
      const meta = await this.readRunMeta(runDir);
      if (meta?.info.lifecycleStage !== 'active') continue;
      const info: RunInfo = { ...meta.info, lifecycleStage: 'deleted' };
      await this.writeRunMeta(runDir, info, now);
    }
    const deleted: Experiment = {
      ...exp,
      lifecycleStage: 'deleted',
      lastUpdateTime: now,
    };
    await this.writeExperimentMeta(dir, deleted);
    await rename(dir, join(this.trash, experimentId));
    this.runDirs.clear();
    this.checkedKeys.clear();
  }

  // ---- runs ----------------------------------------------------------

  private async runDirsOf(experimentDir: string): Promise<string[]> {
    return (await listSubdirs(experimentDir))
      .filter((n) => !NON_RUN_FOLDERS.has(n) && RUN_FOLDER.test(n))
      .map((n) => join(experimentDir, n));
  }

  async createRun(request: CreateRunRequest): Promise<RunInfo> {
    const exp = await this.getExperiment(request.experimentId);
    requireActive(exp, 'create a run in');
    const tags = { ...(request.tags ?? {}) };
    for (const [k, v] of Object.entries(tags)) validateTag(k, v);
    const runName = resolveRunName(request.runName, tags[TAG_RUN_NAME]);
    const userId = request.userId ?? tags[TAG_USER] ?? defaultUser();
    const startTime = request.startTime ?? Date.now();
    if (!Number.isSafeInteger(startTime)) {
      throw invalid(
        `createRun: startTime must be an integer, got ${startTime}`,
      );
    }
    const runId = randomUUID().replace(/-/g, '');
    const info: RunInfo = {
      runId,
      experimentId: exp.experimentId,
      runName,
      userId,
      status: 'RUNNING',
      startTime,
      endTime: null,
      artifactUri: `${exp.artifactLocation}/${runId}/${ARTIFACTS}`,
      lifecycleStage: 'active',
    };
    tags[TAG_RUN_NAME] = runName;
    tags[TAG_USER] ??= userId;
    await this.writeNewRun(
      join(this.root, exp.experimentId, runId),
      info,
      tags,
    );
    return info;
  }

  /** Folders and tags first, meta.yaml last. */
  private async writeNewRun(
    dir: string,
    info: RunInfo,
    tags: Record<string, string>,
  ): Promise<void> {
    for (const sub of [METRICS, PARAMS, TAGS]) {
      await mkdir(join(dir, sub), { recursive: true });
    }
    if (info.artifactUri.startsWith('file:')) {
      await mkdir(localArtifactRoot(info), { recursive: true });
    }
    await writeKeyFiles(join(dir, TAGS), keyValues(tags), dir);
    await this.writeRunMeta(dir, info, null);
    this.runDirs.set(info.runId, dir);
  }

  private writeRunMeta(
    dir: string,
    info: RunInfo,
    deletedTime: number | null,
  ): Promise<void> {
    const text = emitYaml(runMeta(info, deletedTime));
    return writeFileAtomic(join(dir, META), text, dir);
  }

  private async readRunMeta(dir: string): Promise<RunMeta | null> {
    const meta = await readMeta(dir);
    if (meta === null) return null;
    const info = parseRunMeta(meta);
    if (!info.runName) {
      const tag = await readTextOrNull(join(dir, TAGS, TAG_RUN_NAME));
      info.runName = tag ?? '';
    }
    const deleted = meta.deleted_time;
    return { info, deletedTime: typeof deleted === 'number' ? deleted : null };
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

  private async runMetaOf(runId: string): Promise<RunMeta & { dir: string }> {
    const dir = await this.runDir(runId);
    const meta = await this.readRunMeta(dir);
    if (meta === null) throw notFound(`run '${runId}' does not exist`);
    return { ...meta, dir };
  }

  private async activeRun(runId: string) {
    const meta = await this.runMetaOf(runId);
    if (meta.info.lifecycleStage !== 'active') {
      throw invalid(
        `run '${runId}' must be in the 'active' state, it is deleted`,
      );
    }
    return meta;
  }

  async getRun(runId: string): Promise<Run> {
    const { dir, info } = await this.runMetaOf(runId);
    return this.readRun(dir, info);
  }

  private async readRun(dir: string, info: RunInfo): Promise<Run> {
    const metrics: Record<string, number> = {};
    for (const key of await walkFiles(join(dir, METRICS))) {
      const text =
        (await readTextOrNull(keyPath(join(dir, METRICS), key))) ?? '';
      const latest = latestMetric(parseMetricFile(key, text));
      if (latest) metrics[key] = latest.value;
    }
    const params = await readKeyFiles(join(dir, PARAMS));
    const tags = await readKeyFiles(join(dir, TAGS));
    return { info, data: { metrics, params, tags } };
  }

  async updateRun(runId: string, update: UpdateRunRequest): Promise<RunInfo> {
    checkUpdate(runId, update);
    const { dir, info } = await this.activeRun(runId);
    const next: RunInfo = {
      ...info,
      status: update.status ?? info.status,
      endTime: update.endTime ?? info.endTime,
      runName: update.runName ?? info.runName,
    };
    if (update.runName !== undefined) {
      await writeFileAtomic(join(dir, TAGS, TAG_RUN_NAME), next.runName, dir);
    }
    await this.writeRunMeta(dir, next, null);
    return next;
  }

  async deleteRun(runId: string): Promise<void> {
    const { dir, info } = await this.activeRun(runId);
    const next: RunInfo = { ...info, lifecycleStage: 'deleted' };
    await this.writeRunMeta(dir, next, Date.now());
  }

  // ---- logging -------------------------------------------------------

  async logBatch(runId: string, batch: LogBatchRequest): Promise<void> {
    validateBatch(batch);
    const { dir, info } = await this.activeRun(runId);
    const metrics = batch.metrics ?? [];
    const tags = batch.tags ?? [];
    const params = await this.newParams(dir, runId, batch.params ?? []);
    await this.checkKeyPaths(dir, METRICS, 'metric', metrics);
    await this.checkKeyPaths(dir, PARAMS, 'param', params);
    await this.checkKeyPaths(dir, TAGS, 'tag', tags);
    await writeKeyFiles(join(dir, PARAMS), params, dir);
    await this.writeTags(dir, info, tags);
    await this.appendMetrics(dir, metrics);
  }

  /** The params not yet logged; a changed value is an error. */
  private async newParams(
    dir: string,
    runId: string,
    params: KeyValue[],
  ): Promise<KeyValue[]> {
    const out: KeyValue[] = [];
    for (const p of params) {
      const old = await readTextOrNull(keyPath(join(dir, PARAMS), p.key));
      if (old === null) out.push(p);
      else if (old !== p.value) {
        throw invalid(
          `param '${p.key}' of run '${runId}' was logged as '${old}'; ` +
            `changing it to '${p.value}' is not allowed`,
        );
      }
    }
    return out;
  }

  /**
   * A key is a path: 'a' and 'a/b' cannot both exist. Checked for the
   * whole batch before anything is written.
   */
  private async checkKeyPaths(
    dir: string,
    folder: string,
    kind: KeyKind,
    items: { key: string }[],
  ): Promise<void> {
    const keys = new Set(items.map((i) => i.key));
    for (const key of keys) {
      const id = `${dir}\0${folder}\0${key}`;
      if (this.checkedKeys.has(id)) continue;
      const segments = key.split('/');
      for (let i = 1; i < segments.length; i += 1) {
        const prefix = segments.slice(0, i).join('/');
        const onDisk = await pathKind(keyPath(join(dir, folder), prefix));
        if (keys.has(prefix) || onDisk === 'file') {
          throw invalid(
            `${kind} key '${key}' clashes with ${kind} '${prefix}'`,
          );
        }
      }
      if ((await pathKind(keyPath(join(dir, folder), key))) === 'dir') {
        throw invalid(`${kind} key '${key}' clashes with keys under '${key}/'`);
      }
      this.checkedKeys.add(id);
    }
  }

  /** Tags overwrite; `mlflow.runName` also renames the run. */
  private async writeTags(dir: string, info: RunInfo, tags: KeyValue[]) {
    await writeKeyFiles(join(dir, TAGS), tags, dir);
    const rename = tags.filter((t) => t.key === TAG_RUN_NAME).pop();
    if (rename && rename.value !== info.runName) {
      await this.writeRunMeta(dir, { ...info, runName: rename.value }, null);
    }
  }

  /** One append per key, in logging order. */
  private async appendMetrics(dir: string, metrics: Metric[]): Promise<void> {
    const byKey = new Map<string, string>();
    for (const m of metrics) {
      byKey.set(m.key, (byKey.get(m.key) ?? '') + formatMetricLine(m));
    }
    await Promise.all(
      [...byKey].map(([key, text]) =>
        appendLines(
          keyPath(join(dir, METRICS), key),
          text,
          isCompleteMetricLine,
        ),
      ),
    );
  }

  setTag(runId: string, key: string, value: string): Promise<void> {
    return this.logBatch(runId, { tags: [{ key, value }] });
  }

  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    validateKey('metric', key);
    const dir = await this.runDir(runId);
    const text = await readTextOrNull(keyPath(join(dir, METRICS), key));
    return text === null ? [] : parseMetricFile(key, text);
  }

  // ---- search --------------------------------------------------------

  async searchRuns(request: SearchRunsRequest): Promise<SearchRunsResult> {
    const maxResults = request.maxResults ?? SEARCH_MAX_RESULTS_DEFAULT;
    checkMaxResults(maxResults);
    const filter = request.filter ?? {};
    checkFilter(filter);
    const view = request.runViewType ?? 'ACTIVE_ONLY';
    const found: { dir: string; info: RunInfo }[] = [];
    for (const experimentId of request.experimentIds) {
      const expDir = await this.experimentDir(experimentId);
      if (expDir === null) continue;
      for (const dir of await this.runDirsOf(expDir)) {
        const meta = await this.readRunMeta(dir);
        if (meta === null || meta.info.experimentId !== experimentId) continue;
        if (await matches(dir, meta.info, view, filter)) {
          found.push({ dir, info: meta.info });
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
    for (const r of page) runs.push(await this.readRun(r.dir, r.info));
    return nextPageToken === undefined ? { runs } : { runs, nextPageToken };
  }

  // ---- artifacts -----------------------------------------------------

  private async artifacts(runId: string, write: boolean): Promise<ArtifactDir> {
    const { info } = write
      ? await this.activeRun(runId)
      : await this.runMetaOf(runId);
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

function checkUpdate(runId: string, update: UpdateRunRequest): void {
  if (update.status !== undefined && !RUN_STATUSES.includes(update.status)) {
    throw invalid(
      `updateRun '${runId}': status must be one of ` +
        `${RUN_STATUSES.join(', ')}, got '${update.status}'`,
    );
  }
  if (update.endTime !== undefined && !Number.isSafeInteger(update.endTime)) {
    throw invalid(
      `updateRun '${runId}': endTime must be an integer, got ${update.endTime}`,
    );
  }
  if (update.runName !== undefined) validateTag(TAG_RUN_NAME, update.runName);
}

function checkFilter(filter: RunFilter): void {
  for (const [k, v] of Object.entries(filter.tags ?? {})) validateTag(k, v);
  for (const k of Object.keys(filter.params ?? {})) validateKey('param', k);
  if (filter.status !== undefined && !RUN_STATUSES.includes(filter.status)) {
    throw invalid(`searchRuns: unknown status '${filter.status}'`);
  }
}

async function matches(
  dir: string,
  info: RunInfo,
  view: RunViewType,
  filter: RunFilter,
): Promise<boolean> {
  if (view === 'ACTIVE_ONLY' && info.lifecycleStage !== 'active') return false;
  if (view === 'DELETED_ONLY' && info.lifecycleStage !== 'deleted') {
    return false;
  }
  if (filter.status !== undefined && info.status !== filter.status) {
    return false;
  }
  for (const [folder, wanted] of [
    [TAGS, filter.tags ?? {}],
    [PARAMS, filter.params ?? {}],
  ] as const) {
    for (const [key, value] of Object.entries(wanted)) {
      const actual = await readTextOrNull(keyPath(join(dir, folder), key));
      if (actual !== value) return false;
    }
  }
  return true;
}

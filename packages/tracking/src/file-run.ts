// One run's folder in the file store: `meta.yaml`, `metrics/`, `params/`,
// `tags/` (shared/MLFLOW.md §2).

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { invalid } from './errors';
import {
  METRICS,
  PARAMS,
  TAGS,
  TAG_RUN_NAME,
  parseRunMeta,
  runMeta,
} from './file-layout';
import {
  keyPath,
  keyValues,
  readKeyFiles,
  readMeta,
  writeKeyFiles,
  writeMeta,
} from './file-keys';
import { appendLines, pathKind, readTextOrNull, walkFiles } from './fs-util';
import {
  formatMetricLine,
  latestMetric,
  parseMetricFile,
  parseMetricLine,
} from './metric-line';
import type {
  KeyValue,
  LogBatchRequest,
  Metric,
  Run,
  RunFilter,
  RunInfo,
  RunViewType,
} from './types';
import type { KeyKind } from './validation';

export interface RunMeta {
  info: RunInfo;
  deletedTime: number | null;
}

function isCompleteMetricLine(line: string): boolean {
  return parseMetricLine('', line) !== null;
}

export class RunFolder {
  /**
   * @param checkedKeys paths known free of key/folder clashes, shared by
   *   the store so that a metric key is checked once, not every batch.
   */
  constructor(
    readonly dir: string,
    private readonly checkedKeys: Set<string>,
  ) {}

  private folder(name: string): string {
    return join(this.dir, name);
  }

  async readMeta(): Promise<RunMeta | null> {
    const meta = await readMeta(this.dir);
    if (meta === null) return null;
    const info = parseRunMeta(meta);
    if (!info.runName) {
      const tag = await readTextOrNull(join(this.folder(TAGS), TAG_RUN_NAME));
      info.runName = tag ?? '';
    }
    const deleted = meta.deleted_time;
    return { info, deletedTime: typeof deleted === 'number' ? deleted : null };
  }

  writeMeta(info: RunInfo, deletedTime: number | null): Promise<void> {
    return writeMeta(this.dir, runMeta(info, deletedTime));
  }

  /** Folders and tags first, meta.yaml last: readers skip a half run. */
  async create(info: RunInfo, tags: Record<string, string>): Promise<void> {
    for (const sub of [METRICS, PARAMS, TAGS]) {
      await mkdir(this.folder(sub), { recursive: true });
    }
    await writeKeyFiles(this.folder(TAGS), keyValues(tags), this.dir);
    await this.writeMeta(info, null);
  }

  async read(info: RunInfo): Promise<Run> {
    const metrics: Record<string, number> = {};
    for (const key of await walkFiles(this.folder(METRICS))) {
      const latest = latestMetric(await this.history(key));
      if (latest) metrics[key] = latest.value;
    }
    const params = await readKeyFiles(this.folder(PARAMS));
    const tags = await readKeyFiles(this.folder(TAGS));
    return { info, data: { metrics, params, tags } };
  }

  async history(key: string): Promise<Metric[]> {
    const text = await readTextOrNull(keyPath(this.folder(METRICS), key));
    return text === null ? [] : parseMetricFile(key, text);
  }

  async setTag(key: string, value: string): Promise<void> {
    await writeKeyFiles(this.folder(TAGS), [{ key, value }], this.dir);
  }

  /** Checks the whole (validated) batch, then writes it. */
  async logBatch(info: RunInfo, batch: LogBatchRequest): Promise<void> {
    const metrics = batch.metrics ?? [];
    const tags = batch.tags ?? [];
    const params = await this.newParams(info.runId, batch.params ?? []);
    await this.checkKeyPaths(METRICS, 'metric', metrics);
    await this.checkKeyPaths(PARAMS, 'param', params);
    await this.checkKeyPaths(TAGS, 'tag', tags);
    await writeKeyFiles(this.folder(PARAMS), params, this.dir);
    await this.writeTags(info, tags);
    await this.appendMetrics(metrics);
  }

  /** The params not yet logged; a changed value is an error. */
  private async newParams(
    runId: string,
    params: KeyValue[],
  ): Promise<KeyValue[]> {
    const out: KeyValue[] = [];
    for (const p of params) {
      const old = await readTextOrNull(keyPath(this.folder(PARAMS), p.key));
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

  /** A key is a path: 'a' and 'a/b' cannot both exist. */
  private async checkKeyPaths(
    name: string,
    kind: KeyKind,
    items: { key: string }[],
  ): Promise<void> {
    const folder = this.folder(name);
    const keys = new Set(items.map((i) => i.key));
    for (const key of keys) {
      const id = `${folder}\0${key}`;
      if (this.checkedKeys.has(id)) continue;
      const segments = key.split('/');
      for (let i = 1; i < segments.length; i += 1) {
        const prefix = segments.slice(0, i).join('/');
        const onDisk = await pathKind(keyPath(folder, prefix));
        if (keys.has(prefix) || onDisk === 'file') {
          throw invalid(
            `${kind} key '${key}' clashes with ${kind} '${prefix}'`,
          );
        }
      }
      if ((await pathKind(keyPath(folder, key))) === 'dir') {
        throw invalid(`${kind} key '${key}' clashes with keys under '${key}/'`);
      }
      this.checkedKeys.add(id);
    }
  }

  /** Tags overwrite; `mlflow.runName` also renames the run, as MLflow does. */
  private async writeTags(info: RunInfo, tags: KeyValue[]): Promise<void> {
    await writeKeyFiles(this.folder(TAGS), tags, this.dir);
    const renamed = tags.filter((t) => t.key === TAG_RUN_NAME).pop();
    if (renamed && renamed.value !== info.runName) {
      await this.writeMeta({ ...info, runName: renamed.value }, null);
    }
  }

  /** One append per key (each one write), keys in parallel. */
  private async appendMetrics(metrics: Metric[]): Promise<void> {
    const byKey = new Map<string, string>();
    for (const m of metrics) {
      byKey.set(m.key, (byKey.get(m.key) ?? '') + formatMetricLine(m));
    }
    await Promise.all(
      [...byKey].map(([key, text]) =>
        appendLines(
          keyPath(this.folder(METRICS), key),
          text,
          isCompleteMetricLine,
        ),
      ),
    );
  }

  /** Whether the run is in the view and every filter field holds. */
  async matches(
    info: RunInfo,
    view: RunViewType,
    filter: RunFilter,
  ): Promise<boolean> {
    const inView =
      view === 'ALL' ||
      (view === 'ACTIVE_ONLY') === (info.lifecycleStage === 'active');
    if (!inView) return false;
    if (filter.status !== undefined && info.status !== filter.status) {
      return false;
    }
    const wanted = [
      ...Object.entries(filter.tags ?? {}).map(([k, v]) => [TAGS, k, v]),
      ...Object.entries(filter.params ?? {}).map(([k, v]) => [PARAMS, k, v]),
    ];
    for (const [folder, key, value] of wanted) {
      const actual = await readTextOrNull(keyPath(this.folder(folder), key));
      if (actual !== value) return false;
    }
    return true;
  }
}

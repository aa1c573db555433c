// MLflow's file store layout (shared/MLFLOW.md §2): folder names and the
// fields of the experiment and run meta.yaml files, both ways.

import { randomBytes } from 'node:crypto';
import { RUN_STATUSES } from './types';
import type { Experiment, LifecycleStage, RunInfo, RunStatus } from './types';
import type { YamlValue } from './yaml';

export const TRASH = '.trash';
export const META = 'meta.yaml';
export const METRICS = 'metrics';
export const PARAMS = 'params';
export const TAGS = 'tags';
export const ARTIFACTS = 'artifacts';
export const DEFAULT_EXPERIMENT_ID = '0';
export const DEFAULT_EXPERIMENT_NAME = 'Default';
/** Root folders that are not experiments. */
export const NON_EXPERIMENT_FOLDERS = new Set([TRASH, 'models']);
/** Experiment folders that are not runs. */
export const NON_RUN_FOLDERS = new Set([TAGS, 'datasets', 'traces', 'models']);
/** MLflow's `LOCAL` source type, written for old readers. */
const SOURCE_TYPE_LOCAL = 4;

export const TAG_RUN_NAME = 'mlflow.runName';
export const TAG_USER = 'mlflow.user';

/** MLflow stores RUNNING=1 … KILLED=5 in meta.yaml. */
export function statusToInt(status: RunStatus): number {
  return RUN_STATUSES.indexOf(status) + 1;
}

export function statusFromYaml(value: YamlValue | undefined): RunStatus {
  if (value === undefined || value === null) return 'RUNNING';
  if (typeof value === 'number' && value >= 1 && value <= 5) {
    return RUN_STATUSES[value - 1];
  }
  const named = RUN_STATUSES.find((s) => s === value);
  if (named) return named;
  throw new Error(`unknown run status ${JSON.stringify(value)}`);
}

/** An 18-digit random id, as MLflow makes for new experiments. */
export function newExperimentId(): string {
  const n = randomBytes(8).readBigUInt64BE() % 900_000_000_000_000_000n;
  return String(n + 100_000_000_000_000_000n);
}

export function experimentMeta(e: Experiment): Record<string, YamlValue> {
  return {
    artifact_location: e.artifactLocation,
    creation_time: e.creationTime,
    experiment_id: e.experimentId,
    last_update_time: e.lastUpdateTime,
    lifecycle_stage: e.lifecycleStage,
    name: e.name,
  };
}

export function runMeta(
  info: RunInfo,
  deletedTime: number | null,
): Record<string, YamlValue> {
  return {
    artifact_uri: info.artifactUri,
    deleted_time: deletedTime,
    end_time: info.endTime,
    entry_point_name: '',
    experiment_id: info.experimentId,
    lifecycle_stage: info.lifecycleStage,
    run_id: info.runId,
    run_name: info.runName,
    run_uuid: info.runId,
    source_name: '',
    source_type: SOURCE_TYPE_LOCAL,
    source_version: '',
    start_time: info.startTime,
    status: statusToInt(info.status),
    tags: [],
    user_id: info.userId,
  };
}

function str(value: YamlValue | undefined, fallback = ''): string {
  if (value === undefined || value === null) return fallback;
  return Array.isArray(value) ? fallback : String(value);
}

function num(value: YamlValue | undefined): number | null {
  return typeof value === 'number' ? value : null;
}

function stage(value: YamlValue | undefined): LifecycleStage {
  return value === 'deleted' ? 'deleted' : 'active';
}

/** The experiment of a meta.yaml, without its tags. */
export function parseExperimentMeta(
  meta: Record<string, YamlValue>,
): Omit<Experiment, 'tags'> {
  return {
    experimentId: str(meta.experiment_id),
    name: str(meta.name),
    artifactLocation: str(meta.artifact_location),
    lifecycleStage: stage(meta.lifecycle_stage),
    creationTime: num(meta.creation_time),
    lastUpdateTime: num(meta.last_update_time),
  };
}

export function parseRunMeta(meta: Record<string, YamlValue>): RunInfo {
  const runId = str(meta.run_id) || str(meta.run_uuid);
  return {
    runId,
    experimentId: str(meta.experiment_id),
    runName: str(meta.run_name),
    userId: str(meta.user_id),
    status: statusFromYaml(meta.status),
    startTime: num(meta.start_time) ?? 0,
    endTime: num(meta.end_time),
    artifactUri: str(meta.artifact_uri),
    lifecycleStage: stage(meta.lifecycle_stage),
  };
}

// MLflow's REST JSON (service.proto, snake_case) to and from this
// package's entities. Empty repeated fields are absent in MLflow's
// answers, int64 fields may come as strings, and NaN / ±Infinity travel
// as the strings "NaN", "Infinity", "-Infinity" (MLFLOW.md pitfall 2).

import { TrackingError } from './errors';
import { RUN_STATUSES } from './types';
import type {
  Experiment,
  KeyValue,
  LifecycleStage,
  Metric,
  Run,
  RunFilter,
  RunInfo,
  RunStatus,
} from './types';

export interface JsonKeyValue {
  key: string;
  value: string;
}

export interface JsonMetric {
  key: string;
  value: number | string;
  timestamp: number | string;
  step?: number | string;
}

export interface JsonExperiment {
  experiment_id: string;
  name: string;
  artifact_location?: string;
  lifecycle_stage?: string;
  creation_time?: number | string;
  last_update_time?: number | string;
  tags?: JsonKeyValue[];
}

export interface JsonRunInfo {
  run_id?: string;
  run_uuid?: string;
  experiment_id: string;
  run_name?: string;
  user_id?: string;
  status?: string | number;
  start_time?: number | string;
  end_time?: number | string | null;
  artifact_uri?: string;
  lifecycle_stage?: string;
}

export interface JsonRun {
  info: JsonRunInfo;
  data?: {
    metrics?: JsonMetric[];
    params?: JsonKeyValue[];
    tags?: JsonKeyValue[];
  };
}

/** A metric value as MLflow's JSON parser accepts it. */
export function encodeValue(value: number): number | string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  return value;
}

export function encodeMetric(m: Metric): JsonMetric {
  const { key, timestamp, step } = m;
  return { key, value: encodeValue(m.value), timestamp, step };
}

function malformed(what: string, value: unknown): TrackingError {
  return new TrackingError(
    'INTERNAL_ERROR',
    `the server sent a malformed ${what}: ${JSON.stringify(value)}`,
  );
}

/** A number of MLflow's JSON: a number, or a string of one. */
function decodeNumber(value: unknown, what: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    if (!Number.isNaN(n) || value.trim() === 'NaN') return n;
  }
  throw malformed(what, value);
}

function optionalTime(value: unknown, what: string): number | null {
  return value === undefined || value === null
    ? null
    : decodeNumber(value, what);
}

function stage(value: unknown): LifecycleStage {
  return value === 'deleted' ? 'deleted' : 'active';
}

function status(value: unknown): RunStatus {
  if (value === undefined) return 'RUNNING';
  if (typeof value === 'number' && value >= 1 && value <= 5) {
    return RUN_STATUSES[value - 1];
  }
  const named = RUN_STATUSES.find((s) => s === value);
  if (named === undefined) throw malformed('run status', value);
  return named;
}

export function toRecord(items: JsonKeyValue[] = []): Record<string, string> {
  return Object.fromEntries(items.map((i) => [i.key, i.value ?? '']));
}

export function toKeyValues(record: Record<string, string>): KeyValue[] {
  return Object.entries(record).map(([key, value]) => ({ key, value }));
}

export function decodeExperiment(e: JsonExperiment): Experiment {
  if (typeof e?.experiment_id !== 'string') throw malformed('experiment', e);
  return {
    experimentId: e.experiment_id,
    name: e.name,
    artifactLocation: e.artifact_location ?? '',
    lifecycleStage: stage(e.lifecycle_stage),
    creationTime: optionalTime(e.creation_time, 'creation_time'),
    lastUpdateTime: optionalTime(e.last_update_time, 'last_update_time'),
    tags: toRecord(e.tags),
  };
}

export function decodeRunInfo(i: JsonRunInfo): RunInfo {
  const runId = i?.run_id ?? i?.run_uuid;
  if (typeof runId !== 'string') throw malformed('run info', i);
  return {
    runId,
    experimentId: String(i.experiment_id),
    runName: i.run_name ?? '',
    userId: i.user_id ?? '',
    status: status(i.status),
    startTime: optionalTime(i.start_time, 'start_time') ?? 0,
    endTime: optionalTime(i.end_time, 'end_time'),
    artifactUri: i.artifact_uri ?? '',
    lifecycleStage: stage(i.lifecycle_stage),
  };
}

export function decodeMetric(m: JsonMetric): Metric {
  return {
    key: m.key,
    value: m.value === undefined ? 0 : decodeNumber(m.value, 'metric value'),
    timestamp: decodeNumber(m.timestamp ?? 0, 'metric timestamp'),
    step: decodeNumber(m.step ?? 0, 'metric step'),
  };
}

export function decodeRun(r: JsonRun): Run {
  const metrics: Record<string, number> = {};
  for (const m of r.data?.metrics ?? []) metrics[m.key] = decodeMetric(m).value;
  return {
    info: decodeRunInfo(r.info),
    data: {
      metrics,
      params: toRecord(r.data?.params),
      tags: toRecord(r.data?.tags),
    },
  };
}

/** A string constant of MLflow's search grammar. */
function quote(value: string): string {
  if (!value.includes("'")) return `'${value}'`;
  if (!value.includes('"')) return `"${value}"`;
  throw new TrackingError(
    'INVALID_PARAMETER_VALUE',
    `searchRuns: a filter value cannot hold both ' and ": ${value}`,
  );
}

/**
 * The RunFilter as MLflow's search filter, e.g.
 * tags.`acsm.kind` = 'train' and attributes.status = 'FINISHED'.
 */
export function filterString(filter: RunFilter = {}): string {
  const terms = [
    ...Object.entries(filter.tags ?? {}).map(
      ([k, v]) => `tags.\`${k}\` = ${quote(v)}`,
    ),
    ...Object.entries(filter.params ?? {}).map(
      ([k, v]) => `params.\`${k}\` = ${quote(v)}`,
    ),
  ];
  if (filter.status !== undefined) {
    terms.push(`attributes.status = '${filter.status}'`);
  }
  return terms.join(' and ');
}

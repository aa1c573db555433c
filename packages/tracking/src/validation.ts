// Checks of keys, values, ids and batches against MLflow's limits
// (mlflow/utils/validation.py; see shared/MLFLOW.md §1 "Limits"). Every
// message names the offending key or value. Over-long values are refused,
// never truncated.

import { invalid } from './errors';
import { TAG_RUN_NAME } from './file-layout';
import { RUN_STATUSES } from './types';
import type { LogBatchRequest, Metric, UpdateRunRequest } from './types';

export const LIMITS = {
  keyLength: 250,
  paramValueLength: 6000,
  tagValueLength: 8000,
  experimentTagValueLength: 5000,
  experimentNameLength: 500,
  batchMetrics: 1000,
  batchParams: 100,
  batchTags: 100,
  batchItems: 1000,
} as const;

export type KeyKind = 'metric' | 'param' | 'tag' | 'experiment tag';

const KEY_CHARS = /^[A-Za-z0-9_\-. :/]+$/;
const RUN_ID = /^[a-zA-Z0-9][\w-]{0,255}$/;
const EXPERIMENT_ID = /^[a-zA-Z0-9][\w-]{0,63}$/;

/**
 * A metric, param or tag key: alphanumerics and `_ - . space : /`, at most
 * 250 chars, and a valid relative path (no empty, `.` or `..` segment).
 */
export function validateKey(kind: KeyKind, key: string): void {
  if (typeof key !== 'string' || key.length === 0) {
    throw invalid(`${kind} key must be a non-empty string, got '${key}'`);
  }
  if (key.length > LIMITS.keyLength) {
    throw invalid(
      `${kind} key '${key}' has ${key.length} chars, ` +
        `at most ${LIMITS.keyLength} are allowed`,
    );
  }
  if (!KEY_CHARS.test(key)) {
    throw invalid(
      `${kind} key '${key}' may contain only alphanumerics and ` +
        `'_', '-', '.', ' ', ':', '/'`,
    );
  }
  const bad = key.split('/').find((s) => s === '' || s === '.' || s === '..');
  if (bad !== undefined) {
    throw invalid(
      `${kind} key '${key}' is not a plain relative path ` +
        `(no leading, trailing or double '/', no '.' or '..' segment)`,
    );
  }
}

/** Length in code points, as Python's `len` counts. */
function codePointLength(value: string, limit: number): number {
  return value.length <= limit ? value.length : [...value].length;
}

function validateValue(kind: KeyKind, key: string, value: string): void {
  if (typeof value !== 'string') {
    throw invalid(`${kind} '${key}' must have a string value, got ${value}`);
  }
  const limit =
    kind === 'param'
      ? LIMITS.paramValueLength
      : kind === 'tag'
        ? LIMITS.tagValueLength
        : LIMITS.experimentTagValueLength;
  const length = codePointLength(value, limit);
  if (length > limit) {
    throw invalid(
      `${kind} '${key}' has a value of ${length} chars, at most ${limit} ` +
        `are allowed (values are never truncated)`,
    );
  }
}

export function validateParam(key: string, value: string): void {
  validateKey('param', key);
  validateValue('param', key, value);
}

export function validateTag(key: string, value: string): void {
  validateKey('tag', key);
  validateValue('tag', key, value);
}

export function validateExperimentTag(key: string, value: string): void {
  validateKey('experiment tag', key);
  validateValue('experiment tag', key, value);
}

export function validateMetric(m: Metric): void {
  validateKey('metric', m.key);
  if (typeof m.value !== 'number') {
    throw invalid(`metric '${m.key}' must have a number value, got ${m.value}`);
  }
  if (!Number.isSafeInteger(m.timestamp)) {
    throw invalid(
      `metric '${m.key}' needs an integer timestamp (ms), got ${m.timestamp}`,
    );
  }
  if (!Number.isSafeInteger(m.step)) {
    throw invalid(`metric '${m.key}' needs an integer step, got ${m.step}`);
  }
}

/** Limits, keys, values and unique param keys of one log-batch request. */
export function validateBatch(batch: LogBatchRequest): void {
  const metrics = batch.metrics ?? [];
  const params = batch.params ?? [];
  const tags = batch.tags ?? [];
  validateBatchSize(metrics.length, params.length, tags.length);
  validateBatchItems(batch);
}

/**
 * Keys, values and unique param keys of a batch of any size (the REST
 * store splits a large batch into requests within the limits).
 */
export function validateBatchItems(batch: LogBatchRequest): void {
  const metrics = batch.metrics ?? [];
  const params = batch.params ?? [];
  const tags = batch.tags ?? [];
  metrics.forEach(validateMetric);
  params.forEach((p) => validateParam(p.key, p.value));
  tags.forEach((t) => validateTag(t.key, t.value));
  const seen = new Set<string>();
  for (const p of params) {
    if (seen.has(p.key)) {
      throw invalid(`param '${p.key}' appears twice in one batch`);
    }
    seen.add(p.key);
  }
}

function validateBatchSize(metrics: number, params: number, tags: number) {
  const total = metrics + params + tags;
  if (
    metrics > LIMITS.batchMetrics ||
    params > LIMITS.batchParams ||
    tags > LIMITS.batchTags ||
    total > LIMITS.batchItems
  ) {
    throw invalid(
      `a batch may hold at most ${LIMITS.batchMetrics} metrics, ` +
        `${LIMITS.batchParams} params, ${LIMITS.batchTags} tags and ` +
        `${LIMITS.batchItems} items in all, got ${metrics} metrics, ` +
        `${params} params, ${tags} tags`,
    );
  }
}

export function validateRunId(runId: string): void {
  if (typeof runId !== 'string' || !RUN_ID.test(runId)) {
    throw invalid(`invalid run id '${runId}'`);
  }
}

export function validateExperimentId(experimentId: string): void {
  if (typeof experimentId !== 'string' || !EXPERIMENT_ID.test(experimentId)) {
    throw invalid(`invalid experiment id '${experimentId}'`);
  }
}

export function validateExperimentName(name: string): void {
  if (typeof name !== 'string' || name.trim() === '') {
    throw invalid(`experiment name must be a non-empty string, got '${name}'`);
  }
  if (name.length > LIMITS.experimentNameLength) {
    throw invalid(
      `experiment name '${name.slice(0, 40)}…' has ${name.length} chars, ` +
        `at most ${LIMITS.experimentNameLength} are allowed`,
    );
  }
}

/**
 * An artifact path relative to the run's artifact root: `/`-separated,
 * no empty, `.` or `..` segment, no backslash. Returns its segments.
 */
export function artifactSegments(relPath: string): string[] {
  const segments = typeof relPath === 'string' ? relPath.split('/') : [''];
  const bad =
    segments.some((s) => s === '' || s === '.' || s === '..') ||
    /[\\\0]/.test(relPath);
  if (bad) {
    throw invalid(
      `artifact path '${relPath}' must be relative, '/'-separated, ` +
        `without empty, '.' or '..' segments`,
    );
  }
  return segments;
}

/** The fields of a run update: a known status, integer end time. */
export function validateRunUpdate(
  runId: string,
  update: UpdateRunRequest,
): void {
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

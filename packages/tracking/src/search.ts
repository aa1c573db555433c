// Paging and ordering of run searches, as MLflow's stores do them: newest
// run first, page tokens that are base64 JSON `{"offset": n}`.

import { invalid } from './errors';
import { RUN_STATUSES } from './types';
import type { RunFilter, RunInfo } from './types';
import { validateKey, validateTag } from './validation';

export const SEARCH_MAX_RESULTS_DEFAULT = 1000;
export const SEARCH_MAX_RESULTS_THRESHOLD = 50000;

export function checkMaxResults(maxResults: number): void {
  const ok =
    Number.isSafeInteger(maxResults) &&
    maxResults >= 1 &&
    maxResults <= SEARCH_MAX_RESULTS_THRESHOLD;
  if (!ok) {
    throw invalid(
      `searchRuns: maxResults must be an integer in ` +
        `[1, ${SEARCH_MAX_RESULTS_THRESHOLD}], got ${maxResults}`,
    );
  }
}

export function encodePageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64');
}

export function decodePageToken(token: string | undefined): number {
  if (token === undefined || token === '') return 0;
  let offset: unknown;
  try {
    offset = JSON.parse(Buffer.from(token, 'base64').toString('utf8')).offset;
  } catch {
    offset = undefined;
  }
  if (!Number.isSafeInteger(offset) || (offset as number) < 0) {
    throw invalid(`searchRuns: invalid page token '${token}'`);
  }
  return offset as number;
}

/** One page of `items` and the token of the next page, if any. */
export function paginate<T>(
  items: T[],
  pageToken: string | undefined,
  maxResults: number,
): { page: T[]; nextPageToken?: string } {
  const start = decodePageToken(pageToken);
  const end = start + maxResults;
  const page = items.slice(start, end);
  if (end >= items.length) return { page };
  return { page, nextPageToken: encodePageToken(end) };
}

/** Start time descending, then run id ascending (MLflow's default). */
export function compareRunInfos(a: RunInfo, b: RunInfo): number {
  if (a.startTime !== b.startTime) return b.startTime - a.startTime;
  return a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0;
}

/** Keys and status of a run filter, checked before any lookup. */
export function validateRunFilter(filter: RunFilter): void {
  for (const [k, v] of Object.entries(filter.tags ?? {})) validateTag(k, v);
  for (const k of Object.keys(filter.params ?? {})) validateKey('param', k);
  if (filter.status !== undefined && !RUN_STATUSES.includes(filter.status)) {
    throw invalid(`searchRuns: unknown status '${filter.status}'`);
  }
}

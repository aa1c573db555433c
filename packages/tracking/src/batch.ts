// Splitting buffered data into log-batch requests within MLflow's limits
// (at most 1000 metrics, 100 params, 100 tags, 1000 items per request).

import type { KeyValue, LogBatchRequest, Metric } from './types';
import { LIMITS } from './validation';

/** Params and tags go in the first requests; metric order is kept. */
export function splitBatches(
  metrics: Metric[],
  params: KeyValue[],
  tags: KeyValue[],
): LogBatchRequest[] {
  const out: LogBatchRequest[] = [];
  let [m, p, t] = [0, 0, 0];
  while (m < metrics.length || p < params.length || t < tags.length) {
    const ps = params.slice(p, p + LIMITS.batchParams);
    const ts = tags.slice(t, t + LIMITS.batchTags);
    const room = Math.min(
      LIMITS.batchMetrics,
      LIMITS.batchItems - ps.length - ts.length,
    );
    const ms = metrics.slice(m, m + room);
    out.push({ metrics: ms, params: ps, tags: ts });
    [m, p, t] = [m + ms.length, p + ps.length, t + ts.length];
  }
  return out;
}

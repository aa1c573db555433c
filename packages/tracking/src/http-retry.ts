// When and how long the REST store waits before trying a request again.
// The schedule is MLflow's own client's (shared/MLFLOW.md §5: urllib3
// Retry with MLFLOW_HTTP_REQUEST_* defaults), plus a bound on the total
// time one call may take.

export interface RetryOptions {
  /** Retries after the first attempt; default 7. */
  maxRetries?: number;
  /**
   * The n-th retry waits `backoffFactorMs · 2^(n−1)`, the first none;
   * default 2000 (MLflow's factor of 2 s).
   */
  backoffFactorMs?: number;
  /** A uniform random wait in [0, jitter) is added; default 1000. */
  backoffJitterMs?: number;
  /** No backoff wait is longer than this; default 120 000. */
  maxBackoffMs?: number;
  /** One attempt's timeout; default 120 000. */
  timeoutMs?: number;
  /**
   * All attempts and waits of one call end within this; default 300 000,
   * which holds MLflow's whole schedule (≈ 4 min of waits).
   */
  deadlineMs?: number;
}

export type RetryPolicy = Required<RetryOptions>;

export const DEFAULT_RETRY: RetryPolicy = Object.freeze({
  maxRetries: 7,
  backoffFactorMs: 2000,
  backoffJitterMs: 1000,
  maxBackoffMs: 120_000,
  timeoutMs: 120_000,
  deadlineMs: 300_000,
});

/** HTTP statuses MLflow's client retries. */
export const RETRY_STATUSES: ReadonlySet<number> = new Set([
  408, 429, 500, 502, 503, 504,
]);

export function retryPolicy(options: RetryOptions = {}): RetryPolicy {
  const policy = { ...DEFAULT_RETRY, ...dropUndefined(options) };
  for (const [name, value] of Object.entries(policy)) {
    if (!Number.isFinite(value) || value < 0) {
      throw new Error(
        `retry option ${name} must be a number ≥ 0, got ${value}`,
      );
    }
  }
  return policy;
}

function dropUndefined(o: RetryOptions): RetryOptions {
  return Object.fromEntries(
    Object.entries(o).filter(([, v]) => v !== undefined),
  );
}

/**
 * MLflow's environment variables (seconds, as MLflow reads them) and
 * ACSM_TRACKING_RETRY_DEADLINE (seconds) as retry options.
 */
export function retryOptionsFromEnv(env: NodeJS.ProcessEnv): RetryOptions {
  const num = (name: string, scale = 1): number | undefined => {
    const text = env[name];
    if (text === undefined || text.trim() === '') return undefined;
    const value = Number(text);
    if (!Number.isFinite(value) || value < 0) {
      throw new Error(`${name} must be a number ≥ 0, got '${text}'`);
    }
    return value * scale;
  };
  return {
    maxRetries: num('MLFLOW_HTTP_REQUEST_MAX_RETRIES'),
    backoffFactorMs: num('MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR', 1000),
    backoffJitterMs: num('MLFLOW_HTTP_REQUEST_BACKOFF_JITTER', 1000),
    timeoutMs: num('MLFLOW_HTTP_REQUEST_TIMEOUT', 1000),
    deadlineMs: num('ACSM_TRACKING_RETRY_DEADLINE', 1000),
  };
}

/**
 * The wait before retry number `retry` (1-based), as urllib3 computes it
 * for MLflow: none before the first, then `factor · 2^(retry−1)` capped,
 * plus jitter. `random` is in [0, 1).
 */
export function backoffMs(
  retry: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const base =
    retry <= 1
      ? 0
      : Math.min(
          policy.maxBackoffMs,
          policy.backoffFactorMs * 2 ** (retry - 1),
        );
  return base + random() * policy.backoffJitterMs;
}

/**
 * A `Retry-After` header in ms: delta-seconds or an HTTP date; null when
 * absent or unreadable. A date in the past is 0.
 */
export function parseRetryAfter(
  header: string | undefined,
  now: number = Date.now(),
): number | null {
  if (header === undefined) return null;
  const text = header.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * Whether an error answer is worth repeating: a status MLflow retries,
 * except the file store's 500s that the same request will always get
 * (a changed param, a run in a deleted experiment; MLFLOW.md §1).
 */
export function isRetryableAnswer(
  status: number,
  errorCode: string | undefined,
  message: string,
): boolean {
  if (!RETRY_STATUSES.has(status)) return false;
  if (status !== 500) return true;
  if (errorCode === 'INVALID_STATE') return false;
  return !/Changing param values is not allowed/i.test(message);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

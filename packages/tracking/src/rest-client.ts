// HTTP for the REST store: MLflow's JSON conventions (shared/MLFLOW.md
// §1), authentication, and retries with backoff (§5). An answer the same
// request will always get becomes a TrackingError with the server's
// code; a server that stays unreachable or keeps failing becomes a
// ServerUnavailableError.

import type { Readable } from 'node:stream';
import axios from 'axios';
import type { AxiosInstance, AxiosResponse } from 'axios';
import { ServerUnavailableError, TrackingError } from './errors';
import type { TrackingErrorCode } from './errors';
import {
  backoffMs,
  isRetryableAnswer,
  parseRetryAfter,
  retryPolicy,
  sleep,
} from './http-retry';
import type { RetryOptions, RetryPolicy } from './http-retry';

export const API_PREFIX = '/api/2.0/mlflow';
export const ARTIFACTS_PREFIX = '/api/2.0/mlflow-artifacts/artifacts';

/** A bearer token, or a user name and password (HTTP Basic). */
export type RestAuth =
  | { token: string }
  | { username: string; password: string }
  | Record<string, never>;

export interface RestClientOptions {
  auth?: RestAuth;
  retry?: RetryOptions;
  /** Jitter source in [0, 1); default Math.random. */
  random?: () => number;
  /**
   * `false` ignores HTTP_PROXY / HTTPS_PROXY (the tests, on 127.0.0.1);
   * by default axios honours them and NO_PROXY.
   */
  proxy?: false;
}

/** A request body that can be produced again for each attempt. */
export interface Body {
  data: Readable | Uint8Array;
  contentType: string;
  length: number;
}

export interface RestRequest {
  method: 'GET' | 'POST' | 'PUT';
  /** Path below the base URL, encoded, with its query string. */
  path: string;
  json?: unknown;
  body?: () => Body;
  bytes?: boolean;
  /** Overrides the client's retry policy for this request. */
  policy?: RetryPolicy;
}

const CODES: ReadonlySet<string> = new Set<TrackingErrorCode>([
  'INVALID_PARAMETER_VALUE',
  'RESOURCE_DOES_NOT_EXIST',
  'RESOURCE_ALREADY_EXISTS',
  'INVALID_STATE',
  'INTERNAL_ERROR',
  'BAD_REQUEST',
  'ENDPOINT_NOT_FOUND',
  'UNAUTHENTICATED',
  'PERMISSION_DENIED',
  'REQUEST_LIMIT_EXCEEDED',
  'TEMPORARILY_UNAVAILABLE',
]);

/** Socket-level failures worth another attempt. */
const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
  'ERR_NETWORK',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

/** The code of an error answer: the server's, else one for its status. */
function codeOf(status: number, serverCode: unknown): TrackingErrorCode {
  if (typeof serverCode === 'string' && CODES.has(serverCode)) {
    return serverCode as TrackingErrorCode;
  }
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'PERMISSION_DENIED';
  if (status === 404) return 'ENDPOINT_NOT_FOUND';
  if (status === 429) return 'REQUEST_LIMIT_EXCEEDED';
  if (status === 503) return 'TEMPORARILY_UNAVAILABLE';
  return status < 500 ? 'BAD_REQUEST' : 'INTERNAL_ERROR';
}

/** `{error_code, message}` of an error answer, or a piece of its text. */
function errorBody(res: AxiosResponse): { code?: string; message: string } {
  const text = Buffer.isBuffer(res.data)
    ? res.data.toString('utf8')
    : String(res.data ?? '');
  try {
    const body = JSON.parse(text) as {
      error_code?: unknown;
      message?: unknown;
    };
    if (typeof body.error_code === 'string') {
      return { code: body.error_code, message: String(body.message ?? '') };
    }
  } catch {
    // Not JSON: an HTML page of Flask or of a proxy.
  }
  const snippet = text
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return { message: snippet.slice(0, 200) || res.statusText || 'no body' };
}

function networkCode(e: unknown): string | null {
  if (!axios.isAxiosError(e) || e.response !== undefined) return null;
  const code = e.code ?? (e.cause as NodeJS.ErrnoException)?.code ?? '';
  return NETWORK_CODES.has(code) ? code : null;
}

type Outcome =
  | { ok: true; value: unknown }
  | {
      ok: false;
      error: TrackingError;
      retryable: boolean;
      retryAfterMs: number | null;
    };

export class RestClient {
  private readonly http: AxiosInstance;
  readonly policy: RetryPolicy;
  private readonly random: () => number;

  /** @param baseUrl `http(s)://host:port[/prefix]`, no trailing slash. */
  constructor(
    readonly baseUrl: string,
    options: RestClientOptions = {},
  ) {
    this.policy = retryPolicy(options.retry);
    this.random = options.random ?? Math.random;
    this.http = axios.create({
      headers: { ...authHeader(options.auth), 'User-Agent': 'acsm-tracking' },
      validateStatus: () => true,
      transformResponse: [(data: unknown) => data],
      maxBodyLength: Infinity,
      maxContentLength: Infinity,
      ...(options.proxy === false ? { proxy: false } : {}),
    });
  }

  getJson<T>(endpoint: string, query: Record<string, string>): Promise<T> {
    const qs = new URLSearchParams(query).toString();
    const path = `${API_PREFIX}/${endpoint}${qs ? `?${qs}` : ''}`;
    return this.send({ method: 'GET', path }) as Promise<T>;
  }

  postJson<T>(endpoint: string, json: unknown): Promise<T> {
    const path = `${API_PREFIX}/${endpoint}`;
    return this.send({ method: 'POST', path, json }) as Promise<T>;
  }

  /** One request, attempted again per the policy; JSON or bytes back. */
  async send(req: RestRequest): Promise<unknown> {
    const policy = req.policy ?? this.policy;
    const start = Date.now();
    const deadline = start + policy.deadlineMs;
    for (let retry = 0; ; retry += 1) {
      const timeout = Math.max(
        1,
        Math.min(policy.timeoutMs, deadline - Date.now()),
      );
      const outcome = await this.attempt(req, timeout);
      if (outcome.ok) return outcome.value;
      if (!outcome.retryable) throw outcome.error;
      const wait =
        outcome.retryAfterMs ?? backoffMs(retry + 1, policy, this.random);
      if (retry >= policy.maxRetries || Date.now() + wait >= deadline) {
        throw this.gaveUp(outcome.error, retry + 1, Date.now() - start);
      }
      await sleep(wait);
    }
  }

  private gaveUp(
    last: TrackingError,
    attempts: number,
    elapsedMs: number,
  ): ServerUnavailableError {
    return new ServerUnavailableError(
      `tracking server ${this.baseUrl}: ${last.message}; gave up after ` +
        `${attempts} attempt(s) in ${(elapsedMs / 1000).toFixed(1)} s`,
      last.httpStatus,
    );
  }

  private async attempt(req: RestRequest, timeout: number): Promise<Outcome> {
    const body = req.body?.();
    const where = `${req.method} ${req.path.split('?')[0]}`;
    let res: AxiosResponse;
    try {
      res = await this.http.request({
        url: this.baseUrl + req.path,
        method: req.method,
        timeout,
        responseType: req.bytes ? 'arraybuffer' : 'text',
        data: req.json !== undefined ? JSON.stringify(req.json) : body?.data,
        headers: requestHeaders(req, body),
      });
    } catch (e) {
      const code = networkCode(e);
      if (code === null) throw unexpected(e, where);
      const message = `${where}: unreachable (${code})`;
      return {
        ok: false,
        error: new ServerUnavailableError(message),
        retryable: true,
        retryAfterMs: null,
      };
    } finally {
      if (body && 'destroy' in body.data) body.data.destroy();
    }
    if (res.status >= 200 && res.status < 300) {
      return { ok: true, value: req.bytes ? res.data : parseJson(res, where) };
    }
    const { code, message } = errorBody(res);
    const answer = code ? `HTTP ${res.status} ${code}` : `HTTP ${res.status}`;
    const text = `${where}: ${message} (${answer})`;
    const header = res.headers['retry-after'] as string | undefined;
    return {
      ok: false,
      error: new TrackingError(codeOf(res.status, code), text, res.status),
      retryable: isRetryableAnswer(res.status, code, message),
      retryAfterMs: parseRetryAfter(header),
    };
  }
}

/** A failure that is not the network's: a local file, a bad URL. */
function unexpected(e: unknown, where: string): unknown {
  if (!axios.isAxiosError(e)) return e;
  return new TrackingError(
    'INTERNAL_ERROR',
    `${where}: ${e.message}${e.code ? ` (${e.code})` : ''}`,
  );
}

function requestHeaders(req: RestRequest, body: Body | undefined) {
  if (req.json !== undefined) return { 'Content-Type': 'application/json' };
  if (body === undefined) return {};
  return { 'Content-Type': body.contentType, 'Content-Length': body.length };
}

function parseJson(res: AxiosResponse, where: string): unknown {
  const text = String(res.data ?? '');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new TrackingError(
      'INTERNAL_ERROR',
      `${where}: the server answered ${res.status} with a body that is not ` +
        `JSON: ${text.slice(0, 100)}`,
      res.status,
    );
  }
}

/** The Authorization header MLflow's client sends for these variables. */
export function authHeader(auth: RestAuth = {}): Record<string, string> {
  if ('token' in auth && auth.token) {
    return { Authorization: `Bearer ${auth.token}` };
  }
  if ('username' in auth) {
    const basic = Buffer.from(`${auth.username}:${auth.password}`);
    return { Authorization: `Basic ${basic.toString('base64')}` };
  }
  return {};
}

/**
 * MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and
 * MLFLOW_TRACKING_PASSWORD (both, or neither).
 */
export function authFromEnv(env: NodeJS.ProcessEnv): RestAuth {
  const token = env.MLFLOW_TRACKING_TOKEN;
  if (token) return { token };
  const username = env.MLFLOW_TRACKING_USERNAME;
  const password = env.MLFLOW_TRACKING_PASSWORD;
  if (!username && !password) return {};
  if (!username || !password) {
    throw new TrackingError(
      'INVALID_PARAMETER_VALUE',
      'set both MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD ' +
        '(or MLFLOW_TRACKING_TOKEN), not only one of them',
    );
  }
  return { username, password };
}

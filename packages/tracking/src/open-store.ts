// Picks the store for a tracking URI, as MLflow reads MLFLOW_TRACKING_URI.

import { fileURLToPath } from 'node:url';
import { invalid } from './errors';
import { FallbackStore } from './fallback-store';
import { FileStore } from './file-store';
import { retryOptionsFromEnv } from './http-retry';
import { authFromEnv } from './rest-client';
import { RestStore } from './rest-store';
import type { RestStoreOptions } from './rest-store';
import type { TrackingStore } from './types';

/** The local path of a `file:` URI (`file:///abs`, `file:rel/path`). */
export function fileUriToPath(uri: string): string {
  if (uri.startsWith('file:/')) return fileURLToPath(uri);
  return decodeURIComponent(uri.slice('file:'.length));
}

export interface OpenStoreOptions {
  /** Where the variables below are read; default process.env. */
  env?: NodeJS.ProcessEnv;
  /**
   * For http(s) URIs: fall back to the local store when the server is
   * unreachable (default true); false gives the bare RestStore.
   */
  offlineFallback?: boolean;
  /** Receives the offline messages; default process.emitWarning. */
  notify?: (message: string) => void;
  /** Repeat the offline message at exit; default true. */
  remindAtExit?: boolean;
  /** Overrides of the REST store's options (retry policy, proxy…). */
  rest?: RestStoreOptions;
}

/**
 * The REST store for `uri`, with the credentials of MLFLOW_TRACKING_TOKEN
 * or MLFLOW_TRACKING_USERNAME / PASSWORD and the retry settings of
 * MLFLOW_HTTP_REQUEST_MAX_RETRIES, _BACKOFF_FACTOR, _BACKOFF_JITTER,
 * _TIMEOUT and ACSM_TRACKING_RETRY_DEADLINE (seconds).
 */
export function openRestStore(
  uri: string,
  env: NodeJS.ProcessEnv = process.env,
  options: RestStoreOptions = {},
): RestStore {
  return new RestStore(uri, {
    auth: authFromEnv(env),
    ...options,
    retry: { ...retryOptionsFromEnv(env), ...options.retry },
  });
}

/**
 * The store for `uri`: nothing, a path or a `file:` URI opens a FileStore
 * (default `./mlruns`); `http(s)://` opens the REST store, behind a
 * fallback to the local store ACSM_OFFLINE_DIR (default `./mlruns`)
 * while the server is unreachable.
 */
export async function openStore(
  uri?: string,
  options: OpenStoreOptions = {},
): Promise<TrackingStore> {
  if (uri === undefined || uri === '') return FileStore.open('./mlruns');
  // Two or more letters, so a Windows drive ('C:') reads as a path.
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]+):/.exec(uri)?.[1].toLowerCase();
  if (scheme === undefined) return FileStore.open(uri);
  if (scheme === 'file') return FileStore.open(fileUriToPath(uri));
  if (scheme === 'http' || scheme === 'https') {
    const env = options.env ?? process.env;
    const remote = openRestStore(uri, env, options.rest);
    if (options.offlineFallback === false) return remote;
    const localDir = env.ACSM_OFFLINE_DIR || './mlruns';
    return FallbackStore.open(remote, {
      localDir,
      openLocal: () => FileStore.open(localDir),
      notify: options.notify,
      remindAtExit: options.remindAtExit,
    });
  }
  throw invalid(
    `unsupported tracking URI '${uri}': give a folder, a file: URI ` +
      `or an http(s):// server`,
  );
}

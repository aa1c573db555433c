// Picks the store for a tracking URI, as MLflow reads MLFLOW_TRACKING_URI.

import { fileURLToPath } from 'node:url';
import { invalid } from './errors';
import { FileStore } from './file-store';
import type { TrackingStore } from './types';

/** The local path of a `file:` URI (`file:///abs`, `file:rel/path`). */
export function fileUriToPath(uri: string): string {
  if (uri.startsWith('file:/')) return fileURLToPath(uri);
  return decodeURIComponent(uri.slice('file:'.length));
}

/**
 * The store for `uri`: nothing, a path or a `file:` URI opens a FileStore
 * (default `./mlruns`); `http(s)://` will open the REST store.
 */
export async function openStore(uri?: string): Promise<TrackingStore> {
  if (uri === undefined || uri === '') return FileStore.open('./mlruns');
  // Two or more letters, so a Windows drive ('C:') reads as a path.
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]+):/.exec(uri)?.[1].toLowerCase();
  if (scheme === undefined) return FileStore.open(uri);
  if (scheme === 'file') return FileStore.open(fileUriToPath(uri));
  if (scheme === 'http' || scheme === 'https') {
    // TODO: the REST store (MLflow's REST API) comes in a later issue.
    throw new Error(`REST tracking is not implemented yet (uri ${uri})`);
  }
  throw invalid(
    `unsupported tracking URI '${uri}': give a folder, a file: URI ` +
      `or an http(s):// server`,
  );
}

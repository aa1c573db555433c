// A run's artifacts through the tracking server's `mlflow-artifacts`
// proxy (shared/MLFLOW.md §1 "Artifacts through the proxy"): one PUT per
// file, every path segment encoded; listings give base names.

import { createReadStream } from 'node:fs';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { TrackingError, invalid, notFound } from './errors';
import type { ArtifactDir } from './file-artifacts';
import { pathKind, walkFiles } from './fs-util';
import { ARTIFACTS_PREFIX } from './rest-client';
import type { RestClient } from './rest-client';
import type { ArtifactEntry } from './types';
import { artifactSegments } from './validation';

/** What the stores do with a run's artifacts, wherever they live. */
export type ArtifactRepo = Pick<
  ArtifactDir,
  'writeBytes' | 'copyIn' | 'list' | 'read' | 'copyOut'
>;

const CONTENT_TYPES: Record<string, string> = {
  '.json': 'application/json',
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.csv': 'text/csv',
  '.yaml': 'text/yaml',
  '.png': 'image/png',
};

/** A guess from the extension, as MLflow's client sends one. */
function contentTypeOf(path: string): string {
  return (
    CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream'
  );
}

/** Folders deeper than this are refused when copying out. */
const MAX_DEPTH = 64;

interface JsonFileInfo {
  path: string;
  is_dir?: boolean;
  file_size?: number | string;
}

export class ProxyArtifacts implements ArtifactRepo {
  private readonly rootSegments: string[];

  /** @param root the run's root below the proxy: `<exp>/<run>/artifacts`. */
  constructor(
    private readonly client: RestClient,
    root: string,
  ) {
    this.rootSegments = root.split('/').filter((s) => s !== '');
  }

  private segments(relPath?: string): string[] {
    return [
      ...this.rootSegments,
      ...(relPath ? artifactSegments(relPath) : []),
    ];
  }

  private url(relPath: string): string {
    const path = this.segments(relPath).map(encodeURIComponent).join('/');
    return `${ARTIFACTS_PREFIX}/${path}`;
  }

  async writeBytes(relPath: string, bytes: Uint8Array): Promise<void> {
    const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const contentType = contentTypeOf(relPath);
    await this.client.send({
      method: 'PUT',
      path: this.url(relPath),
      body: () => ({ data, contentType, length: data.byteLength }),
    });
  }

  private async putFile(source: string, relPath: string): Promise<void> {
    const { size } = await stat(source);
    const contentType = contentTypeOf(relPath);
    await this.client.send({
      method: 'PUT',
      path: this.url(relPath),
      body: () => ({
        data: createReadStream(source),
        contentType,
        length: size,
      }),
    });
  }

  /** Copies a file or folder to `<artifactPath>/<basename>`. */
  async copyIn(localPath: string, artifactPath?: string): Promise<void> {
    const source = resolve(localPath);
    const name = basename(source);
    const rel = artifactPath ? `${artifactPath}/${name}` : name;
    artifactSegments(rel);
    const kind = await pathKind(source);
    if (kind === null) {
      throw invalid(`logArtifact: '${localPath}' does not exist`);
    }
    if (kind === 'file') return this.putFile(source, rel);
    for (const file of await walkFiles(source)) {
      await this.putFile(join(source, ...file.split('/')), `${rel}/${file}`);
    }
  }

  /** The entries directly under `relPath` (default: the root). */
  async list(relPath?: string): Promise<ArtifactEntry[]> {
    const query = new URLSearchParams({
      path: this.segments(relPath).join('/'),
    });
    const body = (await this.client.send({
      method: 'GET',
      path: `${ARTIFACTS_PREFIX}?${query}`,
    })) as { files?: JsonFileInfo[] };
    const entries = (body.files ?? []).map((f): ArtifactEntry => {
      const path = relPath ? `${relPath}/${f.path}` : f.path;
      if (f.is_dir) return { path, isDir: true };
      return { path, isDir: false, fileSize: Number(f.file_size ?? 0) };
    });
    return entries.sort((a, b) => (a.path < b.path ? -1 : 1));
  }

  async read(relPath: string): Promise<Uint8Array> {
    try {
      const data = await this.client.send({
        method: 'GET',
        path: this.url(relPath),
        bytes: true,
      });
      return new Uint8Array(data as Buffer);
    } catch (e) {
      if (e instanceof TrackingError && e.httpStatus === 404) {
        throw notFound(`no artifact '${relPath}'`);
      }
      throw e;
    }
  }

  /** Copies a file or folder to `destDir/<basename>`; returns that path. */
  async copyOut(relPath: string, destDir: string): Promise<string> {
    const segments = artifactSegments(relPath);
    const parent = segments.slice(0, -1).join('/') || undefined;
    const entry = (await this.list(parent)).find((e) => e.path === relPath);
    if (entry === undefined) throw notFound(`no artifact '${relPath}'`);
    const dest = join(destDir, segments[segments.length - 1]);
    await this.download(entry, dest, 0);
    return dest;
  }

  private async download(
    entry: ArtifactEntry,
    dest: string,
    depth: number,
  ): Promise<void> {
    if (depth > MAX_DEPTH) {
      throw invalid(`artifact '${entry.path}' is nested too deep to copy`);
    }
    if (!entry.isDir) {
      await mkdir(dirname(dest), { recursive: true });
      await writeFile(dest, await this.read(entry.path));
      return;
    }
    await mkdir(dest, { recursive: true });
    for (const child of await this.list(entry.path)) {
      const name = child.path.slice(entry.path.length + 1);
      await this.download(child, join(dest, name), depth + 1);
    }
  }
}

/**
 * The proxy path of an artifact URI that the server serves:
 * `mlflow-artifacts:/<path>`, `mlflow-artifacts://host/<path>` or an
 * http(s) URL of the proxy. Null for any other URI.
 */
export function proxyPathOf(artifactUri: string): string | null {
  const proxied = /^mlflow-artifacts:(?:\/\/[^/]*)?\/*(.*)$/.exec(artifactUri);
  if (proxied) return proxied[1];
  const marker = '/api/2.0/mlflow-artifacts/artifacts/';
  const at = artifactUri.indexOf(marker);
  if (/^https?:/.test(artifactUri) && at >= 0) {
    return decodeURI(artifactUri.slice(at + marker.length));
  }
  return null;
}

export function unreachableArtifacts(
  runId: string,
  uri: string,
): TrackingError {
  return new TrackingError(
    'INVALID_STATE',
    `run '${runId}' keeps its artifacts at '${uri}', which this client ` +
      `cannot reach: start the server with --serve-artifacts (the default ` +
      `in MLflow 3) and without --default-artifact-root`,
  );
}

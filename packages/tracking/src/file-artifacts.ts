// Artifacts of a run in a local folder (the `artifacts/` folder of the run
// in MLflow's file layout, or wherever a file: artifact URI points).

import { copyFile, mkdir, readFile, readdir, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TrackingError, invalid, notFound } from './errors';
import {
  TEMP_PREFIX,
  copyFileAtomic,
  isErrno,
  pathKind,
  walkFiles,
  writeFileAtomic,
} from './fs-util';
import type { ArtifactEntry, RunInfo } from './types';
import { artifactSegments } from './validation';

/** The local folder of a run's artifacts; an error for remote URIs. */
export function localArtifactRoot(info: RunInfo): string {
  const uri = info.artifactUri;
  if (uri.startsWith('file:')) return fileURLToPath(uri);
  if (isAbsolute(uri) || uri.startsWith('.')) return resolve(uri);
  throw new TrackingError(
    'INVALID_STATE',
    `run '${info.runId}' keeps its artifacts at '${uri}', which the file ` +
      `store cannot reach (only file: URIs and local paths are supported)`,
  );
}

/** A run's artifact folder: where files go and where temp files live. */
export class ArtifactDir {
  constructor(readonly root: string) {}

  private target(relPath: string): string {
    return join(this.root, ...artifactSegments(relPath));
  }

  /** Temporary files go beside the artifact folder, not inside it. */
  private get tempDir(): string {
    return dirname(this.root);
  }

  writeBytes(relPath: string, bytes: Uint8Array): Promise<void> {
    return writeFileAtomic(this.target(relPath), bytes, this.tempDir);
  }

  /** Copies a file or folder to `<artifactPath>/<basename>`. */
  async copyIn(localPath: string, artifactPath?: string): Promise<void> {
    const source = resolve(localPath);
    const name = basename(source);
    const rel = artifactPath ? `${artifactPath}/${name}` : name;
    const target = this.target(rel);
    const kind = await pathKind(source);
    if (kind === null) {
      throw invalid(`logArtifact: '${localPath}' does not exist`);
    }
    if (kind === 'file') {
      return copyFileAtomic(source, target, this.tempDir);
    }
    for (const file of await walkFiles(source)) {
      const to = join(target, ...file.split('/'));
      await copyFileAtomic(join(source, file), to, this.tempDir);
    }
  }

  /** The entries directly under `relPath` (default: the root). */
  async list(relPath?: string): Promise<ArtifactEntry[]> {
    const dir = relPath ? this.target(relPath) : this.root;
    let names;
    try {
      names = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) return [];
      throw e;
    }
    const out: ArtifactEntry[] = [];
    for (const d of names) {
      if (d.name.startsWith(TEMP_PREFIX)) continue;
      const path = relPath ? `${relPath}/${d.name}` : d.name;
      if (d.isDirectory()) out.push({ path, isDir: true });
      else {
        const { size } = await stat(join(dir, d.name));
        out.push({ path, isDir: false, fileSize: size });
      }
    }
    return out.sort((a, b) => (a.path < b.path ? -1 : 1));
  }

  async read(relPath: string): Promise<Uint8Array> {
    try {
      return new Uint8Array(await readFile(this.target(relPath)));
    } catch (e) {
      if (isErrno(e, 'ENOENT')) throw notFound(`no artifact '${relPath}'`);
      throw e;
    }
  }

  /** Copies a file or folder to `destDir/<basename>`; returns that path. */
  async copyOut(relPath: string, destDir: string): Promise<string> {
    const source = this.target(relPath);
    const dest = join(destDir, basename(source));
    const kind = await pathKind(source);
    if (kind === null) throw notFound(`no artifact '${relPath}'`);
    if (kind === 'dir') await mkdir(dest, { recursive: true });
    const files = kind === 'file' ? [''] : await walkFiles(source);
    for (const file of files) {
      const to = file ? join(dest, ...file.split('/')) : dest;
      await mkdir(dirname(to), { recursive: true });
      await copyFile(file ? join(source, ...file.split('/')) : source, to);
    }
    return dest;
  }
}

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { hostname, cpus } from 'node:os';
import type { BackendInfo } from '@acsm/core';

const require = createRequire(import.meta.url);

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return null;
  }
}

function packageVersion(name: string): string {
  try {
    const path = require.resolve(`${name}/package.json`);
    return JSON.parse(readFileSync(path, 'utf8')).version as string;
  } catch {
    return 'not installed';
  }
}

/** The code commit: its hash, with `-dirty` when tracked files changed. */
export function codeCommit(): string {
  const commit = git(['rev-parse', 'HEAD']) ?? 'unknown';
  const dirty = git(['status', '--porcelain', '--untracked-files=no']);
  return dirty ? `${commit}-dirty` : commit;
}

/** Tags every run carries (code, versions, machine, backend). */
export function environmentTags(backend: BackendInfo): Record<string, string> {
  const commit = codeCommit();
  return {
    'acsm.git_commit': commit,
    'mlflow.source.git.commit': commit.replace(/-dirty$/, ''),
    'acsm.backend': backend.name,
    'acsm.backend.threads': String(backend.threads),
    'acsm.backend.simd': String(backend.simd),
    ...(backend.reason ? { 'acsm.backend.note': backend.reason } : {}),
    'acsm.version.node': process.version,
    'acsm.version.tfjs_core': packageVersion('@tensorflow/tfjs-core'),
    'acsm.version.tfjs_backend_wasm': packageVersion(
      '@tensorflow/tfjs-backend-wasm',
    ),
    'acsm.machine.cpus': `${cpus().length} × ${cpus()[0]?.model ?? '?'}`,
    'acsm.machine.host': hostname(),
    'mlflow.source.type': 'LOCAL',
    'mlflow.source.name': 'acsm',
  };
}

// Test helper, not exported from the package: runs the `acsm` CLI of
// this checkout in a child process, as a user would.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** The repository root, where bin/acsm.mjs lives. */
export const REPO_ROOT = join(import.meta.dirname, '..', '..', '..', '..');

/** What a finished `acsm` invocation printed, and its exit code. */
export interface CliResult {
  code: number | null;
  out: string;
  err: string;
}

/**
 * `acsm <args>` with `env` as its whole environment (default this
 * process's), killed after `timeoutMs` (default none).
 */
export function runAcsm(
  args: readonly string[],
  o: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): CliResult {
  const r = spawnSync(process.execPath, ['bin/acsm.mjs', ...args], {
    cwd: REPO_ROOT,
    env: o.env ?? process.env,
    encoding: 'utf8',
    ...(o.timeoutMs ? { timeout: o.timeoutMs } : {}),
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

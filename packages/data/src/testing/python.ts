// Test helpers: Debian's Python (/usr/bin/python3) with PIL, lmdb and
// torchvision writes fixtures in the real formats and computes the
// reference answers. Tests skip, saying why, where a module is missing.
import { spawnSync } from 'node:child_process';

/** Debian's interpreter, where python3-pil and python3-lmdb install. */
export const PYTHON = '/usr/bin/python3';

/** Why a test needs skipping (a missing module), or false to run it. */
export function pythonLacks(modules: readonly string[]): string | false {
  const script = modules.map((m) => `import ${m}`).join('; ');
  const r = spawnSync(PYTHON, ['-c', script], { stdio: 'ignore' });
  if (r.status === 0) return false;
  return (
    `${PYTHON} cannot import ${modules.join(', ')} (install Debian's ` +
    'python3-pil, python3-lmdb, python3-torchvision)'
  );
}

/** Runs `script` with `args`; returns stdout, throws with stderr. */
export function runPython(script: string, args: readonly string[]): string {
  const r = spawnSync(PYTHON, ['-c', script, ...args], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) {
    throw new Error(`python fixture failed (${r.status}): ${r.stderr}`);
  }
  return r.stdout;
}

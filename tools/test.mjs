// The workspace's one test command: type check, lint, format check, then
// the unit tests of every package on Node's test runner. The last line it
// prints is "N passed, N failed, N skipped".
//
//   node --import tsx tools/test.mjs                 everything
//   node --import tsx tools/test.mjs --unit-only DIR  the unit tests under DIR
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';

const args = process.argv.slice(2);
const unitOnly = args.includes('--unit-only');
const roots = args.filter((a) => !a.startsWith('--'));

function step(name, command, commandArgs) {
  process.stdout.write(`\n== ${name}\n`);
  const r = spawnSync(command, commandArgs, { stdio: 'inherit' });
  if (r.status !== 0) {
    process.stdout.write(`${name} failed\n0 passed, 1 failed\n`);
    process.exit(1);
  }
}

function findTests(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) findTests(path, out);
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out.sort();
}

if (!unitOnly) {
  const bin = (name) => join('node_modules', '.bin', name);
  step('type check', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']);
  // The module-boundary rule reads Nx's cached project graph: build it.
  step('project graph', bin('nx'), ['show', 'projects']);
  step('lint', bin('eslint'), ['.', '--max-warnings=0']);
  step('format check', bin('prettier'), ['--check', '.', '--log-level=warn']);
}

const files = (roots.length ? roots : ['packages', 'tools']).flatMap((r) =>
  findTests(r),
);
process.stdout.write(`\n== unit tests (${files.length} files)\n`);
const counts = { passed: 0, failed: 0, skipped: 0 };
const stream = run({
  files,
  concurrency: Math.max(1, availableParallelism()),
  // The smoke table's file trains the FID classifier on a cold cache.
  timeout: 25 * 60 * 1000,
});
stream.on('test:pass', (t) => {
  if (t.details?.type === 'suite') return;
  if (t.skip || t.todo) counts.skipped += 1;
  else counts.passed += 1;
});
stream.on('test:fail', (t) => {
  if (
    t.details?.type === 'suite' &&
    t.details?.error?.failureType !== 'testCodeFailure'
  )
    return;
  counts.failed += 1;
});
stream.compose(spec).pipe(process.stdout);
stream.on('end', () => {
  // Leave time for the reporter to flush before the closing line.
  setImmediate(() => {
    const { passed, failed, skipped } = counts;
    process.stdout.write(
      `\n${passed} passed, ${failed} failed, ${skipped} skipped\n`,
    );
    process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
  });
});

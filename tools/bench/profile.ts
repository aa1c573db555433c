// Where our side's time goes: milliseconds per kernel of one step of a
// bench case (default the `cpu` profile's training step), after warm-up
// steps, on the backend initBackend picks. See README.md, "CPU speed".
//
//   npm run bench:profile [-- --case ID] [--batch N] [--warmup N]
//       [--top N] [--torch]
//
// --batch replaces the case's batch (a smaller one profiles the paper's
// network in reasonable time). Prints each phase of the step (a training
// step: loss and gradients, Adam update, loss read back) with its wall
// time, kernel time and kernel calls, then a Markdown table of the whole
// step's kernels, slowest first (kernels.ts says how a kernel that runs
// other kernels is listed). --torch adds PyTorch's ops for the same step
// (torch.profiler, own time per op, same weights and thread count).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@acsm/core';
import { selectCases } from './cases';
import {
  formatRows,
  kernelRows,
  recordDepths,
  type KernelRow,
  type ProfiledKernel,
} from './kernels';
import {
  adamUpdate,
  buildOurs,
  disposeOurs,
  dsmGradients,
  forwardStep,
  planOurs,
  step,
  writeExchange,
  type OursBench,
} from './ours';
import { startTorchSide } from './worker';

const SEED = 2021;
const MB = 2 ** 20;

function option(argv: string[], name: string, fallback: string): string {
  const i = argv.indexOf(`--${name}`);
  return i < 0 ? fallback : (argv[i + 1] ?? '');
}

function count(argv: string[], name: string, fallback: number): number {
  const n = Number(option(argv, name, String(fallback)));
  if (!Number.isInteger(n) || n < 0) {
    throw new Error(`bench:profile: --${name} must be an integer >= 0`);
  }
  return n;
}

/** A named part of a step. */
type Phase = [name: string, run: () => void];

/** The phases of one step of the case, in order. */
function phases(b: OursBench): Phase[] {
  if (b.case.kind === 'forward') return [['forward', () => forwardStep(b)]];
  let result: ReturnType<typeof dsmGradients> | undefined;
  return [
    ['loss and gradients', () => (result = dsmGradients(b))],
    ['Adam update', () => adamUpdate(b, result!.grads)],
    [
      'loss read back',
      () => {
        result!.value.dataSync();
        result!.value.dispose();
      },
    ],
  ];
}

/** Profiles the phases in turn; prints a line per phase. */
async function profilePhases(b: OursBench) {
  const kernels: ProfiledKernel[] = [];
  const depths: number[] = [];
  let peakBytes = 0;
  for (const [name, run] of phases(b)) {
    const own: number[] = [];
    const t0 = performance.now();
    const info = await tf.profile(() => {
      recordDepths(own);
      run();
    });
    const wall = performance.now() - t0;
    const ms = kernelRows(info.kernels, own).reduce((s, r) => s + r.ms, 0);
    process.stdout.write(
      `  ${name}: wall ${wall.toFixed(0)} ms, kernels ${ms.toFixed(0)} ` +
        `ms, ${info.kernels.length} kernel calls\n`,
    );
    kernels.push(...info.kernels);
    depths.push(...own);
    peakBytes = Math.max(peakBytes, info.peakBytes);
  }
  return { kernels, depths, peakBytes };
}

/**
 * PyTorch's ops in one step of the same case (our current weights), after
 * its parity pass and `warmup` steps.
 */
async function profileTorch(
  b: OursBench,
  warmup: number,
  threads: number,
): Promise<KernelRow[]> {
  const dir = await mkdtemp(join(tmpdir(), 'acsm-bench-profile-'));
  const torch = startTorchSide(threads);
  try {
    await writeExchange(b, dir);
    await torch.request({ cmd: 'load', dir });
    for (let i = 0; i < warmup; i++) await torch.request({ cmd: 'step' });
    return (await torch.request({ cmd: 'profile' })).ops as KernelRow[];
  } finally {
    await torch.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(argv: string[]): Promise<void> {
  const [chosen] = selectCases([option(argv, 'case', 'cpu-train-32')]);
  const c = { ...chosen, batch: count(argv, 'batch', chosen.batch) };
  const warmup = count(argv, 'warmup', 2);
  const top = count(argv, 'top', 25);
  const backend = await initBackend();
  const bench = buildOurs(c, SEED);
  const split = await planOurs(bench);
  for (let i = 0; i < warmup; i++) step(bench);

  process.stdout.write(
    `${c.id} at batch ${c.batch} on ${backend.name} (${backend.threads} ` +
      `threads), after ${warmup} warm-up steps:\n` +
      (split ? `${split}\n` : ''),
  );
  const t0 = performance.now();
  const { kernels, depths, peakBytes } = await profilePhases(bench);
  const wall = performance.now() - t0;
  const rows = kernelRows(kernels, depths);
  const total = rows.reduce((s, r) => s + r.ms, 0);
  process.stdout.write(
    `step: wall ${wall.toFixed(0)} ms (profiled), kernels ` +
      `${total.toFixed(0)} ms, ${kernels.length} kernel calls, peak ` +
      `tensors ${(peakBytes / MB).toFixed(0)} MB\n\n` +
      `${formatRows(rows, top)}\n`,
  );
  if (argv.includes('--torch')) {
    const ops = await profileTorch(bench, warmup, backend.threads);
    const ms = ops.reduce((s, r) => s + r.ms, 0);
    process.stdout.write(
      `\nPyTorch (${backend.threads} threads), same step: ops ` +
        `${ms.toFixed(0)} ms\n\n${formatRows(ops, top)}\n`,
    );
  }
  disposeOurs(bench);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : e}\n`);
  process.exit(1);
});

// Forward parity with the authors' PyTorch models: their exporter writes
// their random initial weights, an input and their outputs; we load the
// weights into our networks, run the same input and compare.
import { execFile, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { disposeParams, paramCount, sizeOf, type Params } from '@acsm/models';
import { concat, difference, type Difference } from './compare';
import {
  readExportedNetwork,
  readExportManifest,
  type ExportedNetwork,
  type ExportedRun,
  type ExportManifest,
  type StateTensor,
} from './export-format';
import { nchwToNhwc, toOurLayout, type HostTensor } from './layouts';
import { mappedParams, planMapping, type MappingPlan } from './mapping';
import type { ParityNetwork } from './networks';

/** The bound on the max relative difference of every comparison. */
export const PARITY_BOUND = 1e-4;
/** The variable that names a checkout of the authors' code. */
export const AUTHORS_ENV = 'ACSM_AUTHORS_CODE';
/** Debian's interpreter, where python3-torch lives. */
export const DEFAULT_PYTHON = '/usr/bin/python3';
/** Batch and seed of the input (and of their weights). */
export const PARITY_BATCH = 2;
export const PARITY_SEED = 1234;

const EXPORTER = fileURLToPath(new URL('./export_authors.py', import.meta.url));

/** One comparison: an output or the buffers a pass left. */
export interface ParityRow {
  readonly network: string;
  /** 'eval output', 'train output' or 'train u0 after'. */
  readonly compared: string;
  readonly ourParams: number;
  /** All of theirs, as their model counts them. */
  readonly theirParams: number;
  /** Of theirParams, those the entry's ignore rules leave out. */
  readonly ignoredParams: number;
  readonly diff: Difference;
}

/** Whether python imports torch (false also when python is missing). */
export function torchAvailable(python = DEFAULT_PYTHON): boolean {
  const r = spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' });
  return r.status === 0;
}

/** Options of `exportAuthors`. */
export interface ExportOptions {
  /** A checkout of AlexiaJM/AdversarialConsistentScoreMatching. */
  readonly authorsDir: string;
  /** Where the export goes (created). */
  readonly outDir: string;
  readonly networks: readonly ParityNetwork[];
  /** Default DEFAULT_PYTHON. */
  readonly python?: string;
}

/** Runs export_authors.py; fails with the end of its stderr. */
export async function exportAuthors(options: ExportOptions): Promise<void> {
  const entries = options.networks.map((n) => ({
    id: n.id,
    config: n.authors.config,
    role: n.authors.role,
    modes: n.modes,
    batch: PARITY_BATCH,
    seed: PARITY_SEED,
    redraw: n.redraw ?? [],
  }));
  const args = [EXPORTER, '--authors', options.authorsDir];
  args.push('--out', options.outDir, '--networks', JSON.stringify(entries));
  try {
    await promisify(execFile)(options.python ?? DEFAULT_PYTHON, args, {
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (e) {
    const stderr = String((e as { stderr?: string }).stderr ?? '');
    throw new Error(
      `parity: the exporter failed (${(e as Error).message.split('\n')[0]})` +
        `\n${stderr.split('\n').slice(-15).join('\n')}`,
    );
  }
}

/** Compares every pass of one exported network with ours. */
export async function checkNetwork(
  dir: string,
  manifest: ExportManifest,
  network: ParityNetwork,
): Promise<ParityRow[]> {
  const exported = await readExportedNetwork(dir, manifest, network.id);
  const ours = network.ours();
  const { entry } = exported;
  const plan = planMapping(network.id, ours.specs(), entry.state, network);
  const params = mappedParams(plan, exported.read);
  const input = nchwToNhwc(host(exported, entry.input));
  const [n, h, w, c] = input.shape;
  const x = tf.tensor4d(input.data, [n, h, w, c]);
  const row = (compared: string, diff: Difference): ParityRow => ({
    network: network.id,
    compared,
    ourParams: paramCount(ours),
    theirParams: entry.paramCount,
    ignoredParams: ignoredParamCount(plan, entry.state),
    diff,
  });
  const rows: ParityRow[] = [];
  try {
    for (const run of checkModes(network, entry.runs)) {
      const training = run.mode === 'train';
      const y = ours.apply(params, x, { training });
      const ourOutput = (await y.data()) as Float32Array;
      const want = theirOutput(network, exported, run, y.shape);
      y.dispose();
      const name = `${network.id} ${run.mode} output`;
      rows.push(row(`${run.mode} output`, difference(name, ourOutput, want)));
      if (training) rows.push(row('train u0 after', bufferDiff(run)));
    }
  } finally {
    x.dispose();
    disposeParams(params);
  }
  return rows;

  function bufferDiff(run: ExportedRun): Difference {
    const pairs = buffersAfter(plan, params, exported, run);
    const name = `${network.id} buffers after train`;
    return difference(name, concat(pairs.ours), concat(pairs.theirs));
  }
}

/** How many values their ignored parameters (not buffers) hold. */
export function ignoredParamCount(
  plan: MappingPlan,
  state: readonly StateTensor[],
): number {
  const ignored = new Set(plan.ignored.map((i) => i.name));
  return state
    .filter((t) => t.kind === 'parameter' && ignored.has(t.name))
    .reduce((total, t) => total + sizeOf(t.shape), 0);
}

/** The runs in the entry's order; fails if the export has others. */
function checkModes(
  network: ParityNetwork,
  runs: readonly ExportedRun[],
): readonly ExportedRun[] {
  const got = runs.map((r) => r.mode).join();
  if (got !== network.modes.join()) {
    throw new Error(
      `parity: ${network.id} was exported with passes [${got}], the ` +
        `entry asks for [${network.modes}]`,
    );
  }
  return runs;
}

function host(
  exported: ExportedNetwork,
  t: { shape: readonly number[]; offset: number; name: string },
): HostTensor {
  return { shape: t.shape, data: exported.read(t) };
}

/** Their output in our layout, checked against our output's shape. */
function theirOutput(
  network: ParityNetwork,
  exported: ExportedNetwork,
  run: ExportedRun,
  ourShape: readonly number[],
): Float32Array {
  const theirs = host(exported, run.output);
  const converted =
    network.output === 'nchw'
      ? nchwToNhwc(theirs)
      : { shape: [theirs.shape[0], 1], data: theirs.data };
  if (network.output === 'vector' && theirs.shape.length !== 1) {
    throw new Error(`parity: ${network.id} output is not [N]`);
  }
  if (converted.shape.join() !== ourShape.join()) {
    throw new Error(
      `parity: ${network.id} ${run.mode} output is [${theirs.shape}] ` +
        `there (${network.output}), ours [${ourShape}]`,
    );
  }
  return converted.data;
}

/**
 * Our buffers after a pass beside theirs, through the mapping plan;
 * their ignored buffers are skipped, any other unmapped one fails.
 */
function buffersAfter(
  plan: MappingPlan,
  params: Params,
  exported: ExportedNetwork,
  run: ExportedRun,
): { ours: Float32Array[]; theirs: Float32Array[] } {
  const byTheirName = new Map(plan.assignments.map((a) => [a.theirs.name, a]));
  const skipped = new Set(plan.ignored.map((i) => i.name));
  const ours: Float32Array[] = [];
  const theirs: Float32Array[] = [];
  for (const t of run.buffersAfter) {
    if (skipped.has(t.name)) continue;
    const a = byTheirName.get(t.name);
    if (a === undefined) {
      throw new Error(`parity: buffer ${t.name} after the pass is unmapped`);
    }
    theirs.push(toOurLayout(t.name, host(exported, t), a.layout).data);
    ours.push(params[a.ours.name].dataSync() as Float32Array);
  }
  return { ours, theirs };
}

/** Options of `runParity`. */
export interface ParityOptions extends ExportOptions {
  /** Called with each network's rows as they come. */
  readonly onNetwork?: (rows: readonly ParityRow[]) => void;
}

/** Exports theirs into outDir, then checks each network in turn. */
export async function runParity(
  options: ParityOptions,
): Promise<{ manifest: ExportManifest; rows: ParityRow[] }> {
  await exportAuthors(options);
  const manifest = await readExportManifest(options.outDir);
  const rows: ParityRow[] = [];
  for (const network of options.networks) {
    const mine = await checkNetwork(options.outDir, manifest, network);
    options.onNetwork?.(mine);
    rows.push(...mine);
  }
  return { manifest, rows };
}

/**
 * Whether a comparison passes: the max rel below the bound and our
 * parameter count theirs less the ignored ones.
 */
export function rowPasses(r: ParityRow): boolean {
  const counted = r.ourParams === r.theirParams - r.ignoredParams;
  return counted && r.diff.maxRel < PARITY_BOUND;
}

/** The rows as an aligned text table, with the bound's verdict. */
export function formatTable(rows: readonly ParityRow[]): string {
  const head = ['network', 'compared', 'ours', 'theirs', 'ignored'];
  head.push('max rel', 'max abs');
  const body = rows.map((r) => [
    r.network,
    r.compared,
    String(r.ourParams),
    String(r.theirParams),
    String(r.ignoredParams),
    r.diff.maxRel.toExponential(2),
    r.diff.maxAbs.toExponential(2),
    rowPasses(r) ? 'ok' : 'FAIL',
  ]);
  const all = [[...head, ''], ...body];
  const widths = head.map((_, c) => Math.max(...all.map((r) => r[c].length)));
  const pad = (cell: string, c: number) =>
    c >= widths.length
      ? cell
      : c < 2
        ? cell.padEnd(widths[c])
        : cell.padStart(widths[c]);
  const line = (r: string[]) => r.map(pad).join('  ').trimEnd();
  return all.map(line).join('\n');
}

// CPU speed against PyTorch: table2's score networks built on our side
// (the backend initBackend picks) and in PyTorch (torch_side.py under
// Debian's /usr/bin/python3), same weights and inputs, checked equal,
// then timed step by step in turns, A B A B. See README.md, "CPU speed".
//
//   npm run bench [-- --cases ID,ID] [--quick] [--json] [--warmup N]
//       [--reps N] [--threads N] [--timeout S] [--gradient-bound X]
//
// --gradient-bound: the bound on the gradients' relative differences
// (default 1e-4; the forward output and the loss keep 1e-4). A max-pool
// sends its gradient to its window's largest input, so where two inputs
// differ by less than float32's resolution the two sides may route it
// differently (seen in the paper network's CRP pools; README, "CPU
// speed"); a raised bound is printed with every result.
// --timeout: seconds a side may take to build or to run one step before
// it is killed and the case fails (default 3600).
// Prints a Markdown table (or, with --json, one JSON object per line and
// case); progress goes to stderr. Exit code 1 when a case failed or its
// outputs differ by 1e-4 or more (max|ours − theirs| / max|theirs|).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectCases, type BenchCase, type Reps } from './cases';
import { checkParity, MANIFEST, type ExchangeManifest } from './exchange';
import { trainFlops } from './flops';
import { formatTable, jsonLine, type CaseResult } from './report';
import { interleave, median } from './stats';
import { LineWorker, startOurSide, startTorchSide } from './worker';

/** The bound on every relative difference of the parity check. */
export const BENCH_BOUND = 1e-4;
const SEED = 2021;

interface Options {
  cases: BenchCase[];
  quick: boolean;
  json: boolean;
  warmup?: number;
  reps?: number;
  threads: number;
  timeoutMs: number;
  gradientBound: number;
}

function parseOptions(argv: string[]): Options {
  const value = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    if (i >= 0 && (argv[i + 1] === undefined || argv[i + 1].startsWith('--')))
      throw new Error(`bench: --${name} needs a value`);
    return i < 0 ? undefined : argv[i + 1];
  };
  const int = (name: string, min: number) => {
    const v = value(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) {
      throw new Error(
        `bench: --${name} must be an integer >= ${min}, got ${v}`,
      );
    }
    return n;
  };
  const ids = value('cases')?.split(',') ?? [];
  return {
    cases: selectCases(ids),
    quick: argv.includes('--quick'),
    json: argv.includes('--json'),
    warmup: int('warmup', 0),
    reps: int('reps', 1),
    threads: int('threads', 1) ?? availableParallelism(),
    timeoutMs: 1e3 * (int('timeout', 1) ?? 3600),
    gradientBound: bound(value('gradient-bound')),
  };
}

/** --gradient-bound's value: a number in [1e-4, 1), default BENCH_BOUND. */
function bound(v: string | undefined): number {
  if (v === undefined) return BENCH_BOUND;
  const x = Number(v);
  if (!(x >= BENCH_BOUND && x < 1)) {
    throw new Error(
      `bench: --gradient-bound must be in [${BENCH_BOUND}, 1), got ${v}`,
    );
  }
  return x;
}

function repsOf(c: BenchCase, o: Options): Reps {
  const base = o.quick ? c.quick : c.reps;
  return { warmup: o.warmup ?? base.warmup, reps: o.reps ?? base.reps };
}

const log = (line: string) => process.stderr.write(`${line}\n`);

/** Both sides of one case, started. */
function startSides(o: Options) {
  return { ours: startOurSide(o.threads), torch: startTorchSide(o.threads) };
}

/** A side's step as the interleaving runs it: its own milliseconds. */
const stepOf = (w: LineWorker, timeoutMs: number) => async () =>
  (await w.request({ cmd: 'step' }, timeoutMs)).ms as number;

type Result = { -readonly [K in keyof CaseResult]: CaseResult[K] };

/** Both sides of a case and how long a request may take. */
interface Sides {
  readonly ours: LineWorker;
  readonly torch: LineWorker;
  readonly timeoutMs: number;
  readonly gradientBound: number;
}

function emptyResult(c: BenchCase, reps: Reps): Result {
  return {
    case: c.id,
    kind: c.kind,
    batch: c.batch,
    gflop: null,
    oursMs: null,
    pytorchMs: null,
    oursPeakMb: null,
    pytorchPeakMb: null,
    oursBaseMb: null,
    pytorchBaseMb: null,
    oursWasmHeapMb: null,
    oursMicroBatch: null,
    forwardRelError: null,
    trainRelError: null,
    reps: reps.reps,
  };
}

function addError(r: Result, e: unknown): void {
  const message = e instanceof Error ? e.message : String(e);
  r.error = r.error ? `${r.error}; ${message}` : message;
  log(`${r.case}: ${message}`);
}

/** Runs one case; a failure becomes the result's `error`. */
async function runCase(c: BenchCase, o: Options): Promise<CaseResult> {
  const reps = repsOf(c, o);
  const r = emptyResult(c, reps);
  const dir = await mkdtemp(join(tmpdir(), 'acsm-bench-'));
  const sides: Sides = {
    ...startSides(o),
    timeoutMs: o.timeoutMs,
    gradientBound: o.gradientBound,
  };
  try {
    const oursRuns = await setUp(c, r, dir, sides);
    await timeSteps(r, sides, reps, oursRuns);
  } catch (e) {
    addError(r, e);
  } finally {
    await Promise.all([sides.ours.close(), sides.torch.close()]);
    await rm(dir, { recursive: true, force: true });
  }
  return r;
}

/**
 * Builds both sides and checks their outputs (throws past the bound).
 * Our parity pass may fail alone (out of memory): then the case records
 * the error, PyTorch is timed alone, and this returns false.
 */
async function setUp(
  c: BenchCase,
  r: Result,
  dir: string,
  s: Sides,
): Promise<boolean> {
  log(`${c.id}: building both sides`);
  const setup = { cmd: 'setup', case: c.id, dir, seed: SEED };
  const mine = await s.ours.request(setup, s.timeoutMs);
  r.oursBaseMb = mine.baseMb as number;
  r.oursMicroBatch = (mine.microBatch as number | null) ?? null;
  if (mine.split) log(`${c.id}: ours ${mine.split as string}`);
  const forward = mine.forwardFlops as number;
  r.gflop = (c.kind === 'train' ? trainFlops(forward) : forward) / 1e9;
  const theirs = await s.torch.request({ cmd: 'load', dir }, s.timeoutMs);
  r.pytorchBaseMb = theirs.base_mb as number;
  const backend = mine.backend as { name: string; threads: number };
  log(
    `${c.id}: ours ${backend.name} (${backend.threads} threads), torch ` +
      `${theirs.torch} (${theirs.threads} threads)`,
  );
  try {
    await s.ours.request({ cmd: 'parity', dir }, s.timeoutMs);
  } catch (e) {
    addError(r, e);
    return false;
  }
  await compare(r, dir, s.gradientBound);
  return true;
}

/**
 * Records the parity check; throws when the forward output or the loss
 * reaches BENCH_BOUND, or a gradient reaches `gradientBound`.
 */
async function compare(
  r: Result,
  dir: string,
  gradientBound: number,
): Promise<void> {
  const manifest = JSON.parse(
    await readFile(join(dir, MANIFEST), 'utf8'),
  ) as ExchangeManifest;
  const check = await checkParity(dir, manifest);
  const grad = check.worstGrad;
  r.forwardRelError = check.forward.maxRel;
  if (check.loss && grad) {
    r.trainRelError = Math.max(check.loss.maxRel, grad.diff.maxRel);
  }
  const e = (x: number) => x.toExponential(2);
  log(
    `${r.case}: max rel. difference forward ${e(check.forward.maxRel)}` +
      (check.loss ? `, loss ${e(check.loss.maxRel)}` : '') +
      (grad ? `, worst gradient ${e(grad.diff.maxRel)} (${grad.name})` : ''),
  );
  const outputs = Math.max(r.forwardRelError, check.loss?.maxRel ?? 0);
  if (!(outputs < BENCH_BOUND)) {
    throw new Error(`outputs differ by ${outputs} >= ${BENCH_BOUND}`);
  }
  const worstGrad = grad?.diff.maxRel ?? 0;
  if (!(worstGrad < gradientBound)) {
    throw new Error(
      `gradients differ by ${worstGrad} >= ${gradientBound}` +
        (gradientBound === BENCH_BOUND ? '' : ' (--gradient-bound)'),
    );
  }
  if (gradientBound !== BENCH_BOUND && grad) {
    r.gradientBound = gradientBound;
    log(
      `${r.case}: gradients checked against --gradient-bound ${gradientBound}`,
    );
  }
}

/** The interleaved steps, medians and peaks; ours only if it runs. */
async function timeSteps(
  r: Result,
  s: Sides,
  reps: Reps,
  oursRuns: boolean,
): Promise<void> {
  if (!oursRuns) await retire(r, s.ours);
  const workers = oursRuns ? [s.ours, s.torch] : [s.torch];
  log(
    `${r.case}: ${reps.warmup} warm-up and ${reps.reps} timed steps` +
      (oursRuns ? '' : ', PyTorch only'),
  );
  const times = await interleave(
    workers.map((w) => stepOf(w, s.timeoutMs)),
    reps,
    (i, t) =>
      log(
        `  ${i < 0 ? 'warm-up' : `step ${i + 1}`}: ` +
          t
            .map((ms, k) => `${workers[k].label} ${ms.toFixed(0)} ms`)
            .join(', '),
      ),
  );
  if (oursRuns) r.oursMs = median(times[0]);
  r.pytorchMs = median(times[times.length - 1]);
  r.pytorchPeakMb = (await s.torch.request({ cmd: 'peak' })).peak_mb as number;
  if (oursRuns) await readPeak(r, s.ours);
}

async function readPeak(r: Result, ours: LineWorker): Promise<void> {
  const mine = await ours.request({ cmd: 'peak' });
  r.oursPeakMb = mine.peak_mb as number;
  r.oursWasmHeapMb = mine.wasm_heap_mb as number | null;
}

/**
 * Our side after its failure: its peak as it failed (if it still
 * answers), then it quits, so that PyTorch runs alone with its memory.
 */
async function retire(r: Result, ours: LineWorker): Promise<void> {
  try {
    await readPeak(r, ours);
  } catch {
    // It died: its error is recorded already.
  }
  await ours.close();
}

async function main(argv: string[]): Promise<number> {
  const o = parseOptions(argv);
  log(`bench: ${o.cases.length} cases, ${o.threads} threads per side`);
  const results: CaseResult[] = [];
  for (const c of o.cases) {
    const r = await runCase(c, o);
    results.push(r);
    if (o.json) process.stdout.write(`${jsonLine(r)}\n`);
  }
  if (!o.json) process.stdout.write(`${formatTable(results)}\n`);
  return results.some((r) => r.error !== undefined) ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : e}\n`);
    process.exit(2);
  },
);

// The bench's results: one JSON line per case, or a Markdown table.
import type { StepKind } from './cases';

/** What one case measured; null where a side did not get that far. */
export interface CaseResult {
  readonly case: string;
  readonly kind: StepKind;
  readonly batch: number;
  /** Counted FLOPs of one step, in units of 1e9. */
  readonly gflop: number | null;
  /** Median milliseconds per step. */
  readonly oursMs: number | null;
  readonly pytorchMs: number | null;
  /** Peak RSS of each side's process over the case, MB (1e6 bytes). */
  readonly oursPeakMb: number | null;
  readonly pytorchPeakMb: number | null;
  /** Peak RSS before the network was built (runtime and libraries). */
  readonly oursBaseMb: number | null;
  readonly pytorchBaseMb: number | null;
  /** Our WebAssembly heap at the end (it only grows). */
  readonly oursWasmHeapMb: number | null;
  /** Examples per pass of our training step (null: none planned). */
  readonly oursMicroBatch: number | null;
  /** max|ours − theirs| / max|theirs| of the forward output. */
  readonly forwardRelError: number | null;
  /** The largest of that over the loss and each parameter's gradient. */
  readonly trainRelError: number | null;
  /** The gradients' bound when --gradient-bound raised it. */
  readonly gradientBound?: number;
  /** Timed steps per side. */
  readonly reps: number;
  readonly error?: string;
}

const round = (x: number | null, digits: number): number | null =>
  x === null ? null : Number(x.toFixed(digits));

const ratio = (a: number | null, b: number | null): number | null =>
  a === null || b === null || b === 0 ? null : a / b;

/** Peak memory ours / PyTorch, when both sides ran their steps. */
function memoryRatio(r: CaseResult): number | null {
  const ran = r.oursMs !== null && r.pytorchMs !== null;
  return ran ? ratio(r.oursPeakMb, r.pytorchPeakMb) : null;
}

/** GFLOP/s of a step of `gflop` in `ms`. */
export function gflops(gflop: number | null, ms: number | null) {
  return gflop === null || ms === null || ms === 0 ? null : gflop / (ms / 1e3);
}

const sci = (x: number | null): number | null =>
  x === null ? null : Number(x.toPrecision(3));

/**
 * One JSON object for a case: `case`, `kind`, `ours_ms`, `pytorch_ms`,
 * `ratio` (ours / PyTorch), `ours_peak_mb`, `pytorch_peak_mb`,
 * `memory_ratio` (ours / PyTorch), then the details.
 */
export function jsonLine(r: CaseResult): string {
  return JSON.stringify({
    case: r.case,
    kind: r.kind,
    ours_ms: round(r.oursMs, 1),
    pytorch_ms: round(r.pytorchMs, 1),
    ratio: round(ratio(r.oursMs, r.pytorchMs), 3),
    ours_peak_mb: round(r.oursPeakMb, 1),
    pytorch_peak_mb: round(r.pytorchPeakMb, 1),
    memory_ratio: round(memoryRatio(r), 3),
    batch: r.batch,
    gflop: round(r.gflop, 3),
    ours_gflops: round(gflops(r.gflop, r.oursMs), 2),
    pytorch_gflops: round(gflops(r.gflop, r.pytorchMs), 2),
    ours_base_mb: round(r.oursBaseMb, 1),
    pytorch_base_mb: round(r.pytorchBaseMb, 1),
    ours_wasm_heap_mb: round(r.oursWasmHeapMb, 1),
    ours_micro_batch: r.oursMicroBatch,
    forward_rel_error: sci(r.forwardRelError),
    train_rel_error: sci(r.trainRelError),
    gradient_bound: r.gradientBound ?? null,
    reps: r.reps,
    ...(r.error === undefined ? {} : { error: r.error }),
  });
}

const cell = (x: number | null, digits: number, suffix = ''): string =>
  x === null ? '–' : `${x.toFixed(digits)}${suffix}`;

const exp = (x: number | null): string =>
  x === null ? '–' : x.toExponential(1);

/** The results as a Markdown table, a case per row. */
export function formatTable(results: readonly CaseResult[]): string {
  const head = [
    'case',
    'GFLOP',
    'ours ms',
    'PyTorch ms',
    'ratio',
    'ours GFLOP/s',
    'PyTorch GFLOP/s',
    'ours peak MB',
    'PyTorch peak MB',
    'memory ratio',
    'rel. error',
  ];
  const lines = [`| ${head.join(' | ')} |`, `|${' --- |'.repeat(head.length)}`];
  for (const r of results) {
    const error = r.trainRelError ?? r.forwardRelError;
    const row = [
      r.case,
      cell(r.gflop, 2),
      cell(r.oursMs, 0),
      cell(r.pytorchMs, 0),
      cell(ratio(r.oursMs, r.pytorchMs), 2, '×'),
      cell(gflops(r.gflop, r.oursMs), 1),
      cell(gflops(r.gflop, r.pytorchMs), 1),
      cell(r.oursPeakMb, 0),
      cell(r.pytorchPeakMb, 0),
      cell(memoryRatio(r), 2, '×'),
      exp(error) +
        (r.gradientBound === undefined
          ? ''
          : ` (gradients bound ${exp(r.gradientBound)})`),
    ];
    lines.push(`| ${row.join(' | ')} |`);
  }
  const failed = results.filter((r) => r.error !== undefined);
  for (const r of failed) lines.push(`\n${r.case}: ${r.error}`);
  return lines.join('\n');
}

// The lines of a metric file in MLflow's file store (shared/MLFLOW.md §2):
// `<timestamp_ms> <value> <step>\n`. The reader also takes MLflow's older
// 2-field lines (step 0) and its 5-field lines (with dataset name and
// digest), and any value Python's float() reads.

import type { Metric } from './types';

/** The value as Python's float() reads it: `nan`, `inf`, `-inf`, `1e-7`. */
export function formatMetricValue(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  return String(value);
}

export function formatMetricLine(m: Metric): string {
  return `${m.timestamp} ${formatMetricValue(m.value)} ${m.step}\n`;
}

const DIGITS = String.raw`\d+(?:_\d+)*`;
const DECIMAL = new RegExp(
  String.raw`^[+-]?(?:${DIGITS}(?:\.(?:${DIGITS})?)?|\.${DIGITS})` +
    String.raw`(?:[eE][+-]?${DIGITS})?$`,
);
const SPECIAL = /^([+-]?)(inf|infinity|nan)$/i;

/** Python's float() on a string; null where Python raises ValueError. */
export function parsePythonFloat(text: string): number | null {
  const s = text.trim();
  const special = SPECIAL.exec(s);
  if (special) {
    if (special[2].toLowerCase() === 'nan') return NaN;
    return special[1] === '-' ? -Infinity : Infinity;
  }
  return DECIMAL.test(s) ? Number(s.replace(/_/g, '')) : null;
}

function parseInteger(text: string): number | null {
  if (!/^[+-]?\d+(?:_\d+)*$/.test(text)) return null;
  const n = Number(text.replace(/_/g, ''));
  return Number.isSafeInteger(n) ? n : null;
}

/** One line of a metric file; null when it is malformed. */
export function parseMetricLine(key: string, line: string): Metric | null {
  const parts = line.trim().split(' ');
  if (parts.length !== 2 && parts.length !== 3 && parts.length !== 5) {
    return null;
  }
  const timestamp = parseInteger(parts[0]);
  const value = parsePythonFloat(parts[1]);
  const step = parts.length === 2 ? 0 : parseInteger(parts[2]);
  if (timestamp === null || value === null || step === null) return null;
  return { key, value, timestamp, step };
}

/**
 * Every value in a metric file, in file order. A last line without its
 * newline that does not parse is a torn append and is skipped; any other
 * malformed line is an error.
 */
export function parseMetricFile(key: string, text: string): Metric[] {
  const lines = text.split('\n');
  const complete = text.endsWith('\n') || text === '';
  if (lines[lines.length - 1] === '') lines.pop();
  const out: Metric[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const m = parseMetricLine(key, line);
    const torn = !complete && i === lines.length - 1;
    if (m) out.push(m);
    else if (!torn) {
      throw new Error(`metric '${key}': malformed line ${i + 1}: '${line}'`);
    }
  });
  return out;
}

/** MLflow's latest value: the maximum of (step, timestamp, value). */
export function latestMetric(history: Metric[]): Metric | undefined {
  let best: Metric | undefined;
  for (const m of history) {
    if (best === undefined || isAfter(m, best)) best = m;
  }
  return best;
}

function isAfter(a: Metric, b: Metric): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  return a.value > b.value;
}

import { stringify } from 'csv-stringify/sync';

/** One row of a results table: one cell, measured, with its reference. */
export interface TableRow {
  cell: string;
  training: string;
  sampler: string;
  stepsPerLevel: number;
  stepSize: number;
  output: string;
  metric: string;
  value: number | null;
  /** Metrics shown beside the value (the definition's extraMetrics). */
  extra?: Record<string, number | null>;
  numSamples: number;
  reference: number | null;
  referenceSource: string;
  runId: string;
}

export const CSV_COLUMNS = [
  'cell',
  'training',
  'sampler',
  'steps_per_level',
  'step_size',
  'output',
  'metric',
  'value',
  'n_samples',
  'reference',
  'reference_source',
  'run_id',
] as const;

/** The extra metric names of the rows, in first-seen order. */
export function extraNames(rows: readonly TableRow[]): string[] {
  return [...new Set(rows.flatMap((r) => Object.keys(r.extra ?? {})))];
}

const extraOf = (r: TableRow, name: string) => r.extra?.[name] ?? null;

function csvRecord(row: TableRow, extra: string[]): (string | number)[] {
  return [
    row.cell,
    row.training,
    row.sampler,
    row.stepsPerLevel,
    row.stepSize,
    row.output,
    row.metric,
    row.value ?? '',
    row.numSamples,
    row.reference ?? '',
    row.referenceSource,
    row.runId,
    ...extra.map((k) => extraOf(row, k) ?? ''),
  ];
}

/** The table as CSV with the columns above. */
export function tableCsv(rows: TableRow[]): string {
  const extra = extraNames(rows);
  return stringify(
    rows.map((r) => csvRecord(r, extra)),
    { header: true, columns: [...CSV_COLUMNS, ...extra] },
  );
}

function fmt(value: number | null, digits = 2): string {
  return value === null || !Number.isFinite(value)
    ? '—'
    : value.toFixed(digits);
}

/** The table as Markdown, with a heading and notes. */
export function tableMarkdown(
  title: string,
  rows: TableRow[],
  notes: string[] = [],
): string {
  const extra = extraNames(rows);
  const extraHead = extra.map((k) => ` ${k} |`).join('');
  const head =
    '| cell | training | sampler | nσ | ε | output | ' +
    `metric | value |${extraHead} n | reference | reference source |`;
  const rule = `|${' --- |'.repeat(11 + extra.length)}`;
  const body = rows.map(
    (r) =>
      `| ${r.cell} | ${r.training} | ${r.sampler.toUpperCase()} | ` +
      `${r.stepsPerLevel} | ${r.stepSize.toExponential(2)} | ${r.output} | ` +
      `${r.metric} | ${fmt(r.value)} |` +
      extra.map((k) => ` ${fmt(extraOf(r, k), 3)} |`).join('') +
      ` ${r.numSamples} | ${fmt(r.reference)} | ${r.referenceSource} |`,
  );
  const noteLines = notes.map((n) => `- ${n}`);
  return [`# ${title}`, '', head, rule, ...body, '', ...noteLines, ''].join(
    '\n',
  );
}

/** The notes of a table.md that `tableMarkdown` wrote, in order. */
export function tableNotesOf(markdown: string): string[] {
  const lines = markdown.split('\n');
  const last = lines.findLastIndex((l) => l.startsWith('|'));
  return lines
    .slice(last + 1)
    .filter((l) => l.startsWith('- '))
    .map((l) => l.slice(2));
}

/** A compact text table for the terminal. */
export function tableText(rows: TableRow[]): string {
  const extra = extraNames(rows);
  const header = ['cell', 'value', ...extra, 'n', 'reference'];
  const lines = rows.map((r) => [
    r.cell,
    fmt(r.value),
    ...extra.map((k) => fmt(extraOf(r, k), 3)),
    String(r.numSamples),
    fmt(r.reference),
  ]);
  const widths = header.map((h, i) =>
    Math.max(h.length, ...lines.map((l) => l[i].length)),
  );
  const render = (cols: string[]) =>
    cols.map((c, i) => c.padEnd(widths[i])).join('  ');
  return [render(header), ...lines.map(render)].join('\n');
}

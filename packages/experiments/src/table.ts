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

function csvRecord(row: TableRow): (string | number)[] {
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
  ];
}

/** The table as CSV with the columns above. */
export function tableCsv(rows: TableRow[]): string {
  return stringify(rows.map(csvRecord), {
    header: true,
    columns: [...CSV_COLUMNS],
  });
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
  const head =
    '| cell | training | sampler | nσ | ε | output | ' +
    'metric | value | n | reference | reference source |';
  const rule = `|${' --- |'.repeat(11)}`;
  const body = rows.map(
    (r) =>
      `| ${r.cell} | ${r.training} | ${r.sampler.toUpperCase()} | ` +
      `${r.stepsPerLevel} | ${r.stepSize.toExponential(2)} | ${r.output} | ` +
      `${r.metric} | ${fmt(r.value)} | ${r.numSamples} | ` +
      `${fmt(r.reference)} | ${r.referenceSource} |`,
  );
  const noteLines = notes.map((n) => `- ${n}`);
  return [`# ${title}`, '', head, rule, ...body, '', ...noteLines, ''].join(
    '\n',
  );
}

/** A compact text table for the terminal. */
export function tableText(rows: TableRow[]): string {
  const header = ['cell', 'value', 'n', 'reference'];
  const lines = rows.map((r) => [
    r.cell,
    fmt(r.value),
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

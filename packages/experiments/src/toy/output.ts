// What the toy experiment writes: the table (Markdown, CSV, JSON rows)
// and one scatter figure per dataset × training.
import { stringify } from 'csv-stringify/sync';
import type { Toy2d } from '@acsm/data';
import type { NearestNeighbourResult } from '@acsm/eval';
import type { OutputKind, SamplerKind, TrainingKind } from '../config';
import type { TableRow } from '../table';
import { scatterPlot } from '../report/svg';
import {
  samplerId,
  samplerName,
  TOY,
  type ToyDatasetName,
  type ToySampler,
} from './definition';

/** One sampler run of a trained model: its samples and their scores. */
export interface ToySamplerResult {
  sampler: ToySampler;
  /** [n, 2] row-major each. */
  raw: Float32Array;
  denoised: Float32Array;
  /** null when a sample was not finite. */
  scores: Record<OutputKind, NearestNeighbourResult | null>;
}

/** One trained model with its sampler runs. */
export interface ToyModelResult {
  dataset: ToyDatasetName;
  training: TrainingKind;
  runId: string;
  real: Toy2d;
  samplers: ToySamplerResult[];
}

/** A table row: one dataset × training × sampler × output. */
export interface ToyRow extends TableRow {
  dataset: ToyDatasetName;
  training: TrainingKind;
  sampler: SamplerKind;
  output: OutputKind;
  fakeToReal: number | null;
  realToFake: number | null;
}

const OUTPUTS: readonly OutputKind[] = ['raw', 'denoised'];

/** The rows of one model, sampler by sampler, raw then denoised. */
export function toyRows(m: ToyModelResult): ToyRow[] {
  return m.samplers.flatMap((s) =>
    OUTPUTS.map((output) => {
      const score = s.scores[output];
      return {
        cell: `${m.dataset}/${m.training}/${samplerId(s.sampler)}/${output}`,
        dataset: m.dataset,
        training: m.training,
        sampler: s.sampler.sampler,
        stepsPerLevel: s.sampler.stepsPerLevel,
        stepSize: s.sampler.stepSize,
        output,
        metric: TOY.metric,
        value: score?.sum ?? null,
        fakeToReal: score?.fakeToReal ?? null,
        realToFake: score?.realToFake ?? null,
        numSamples: s.raw.length / 2,
        reference: TOY.reference.value,
        referenceSource: TOY.reference.source,
        runId: m.runId,
      };
    }),
  );
}

export const TOY_CSV_COLUMNS = [
  'cell',
  'dataset',
  'training',
  'sampler',
  'steps_per_level',
  'step_size',
  'output',
  'metric',
  'value',
  'fake_to_real',
  'real_to_fake',
  'n_samples',
  'reference',
  'reference_source',
  'run_id',
] as const;

/** The rows as CSV with the columns above; an unknown value is empty. */
export function toyCsv(rows: ToyRow[]): string {
  const records = rows.map((r) => [
    r.cell,
    r.dataset,
    r.training,
    r.sampler,
    r.stepsPerLevel,
    r.stepSize,
    r.output,
    r.metric,
    r.value ?? '',
    r.fakeToReal ?? '',
    r.realToFake ?? '',
    r.numSamples,
    r.reference ?? '',
    r.referenceSource,
    r.runId,
  ]);
  return stringify(records, { header: true, columns: [...TOY_CSV_COLUMNS] });
}

/** Four significant digits, '—' for a missing value. */
const fmt = (v: number | null) =>
  v === null || !Number.isFinite(v) ? '—' : v.toPrecision(4);

/**
 * One line per dataset × training, one column per sampler, each cell
 * "raw / denoised" (the table at a glance).
 */
export function toySummary(rows: ToyRow[]): string {
  const samplers = [
    ...new Map(rows.map((r) => [samplerId(r), samplerName(r)])),
  ];
  const models = [...new Set(rows.map((r) => `${r.dataset}|${r.training}`))];
  const value = (model: string, id: string, output: string) => {
    const [dataset, training] = model.split('|');
    const row = rows.find(
      (r) =>
        r.dataset === dataset &&
        r.training === training &&
        samplerId(r) === id &&
        r.output === output,
    );
    return fmt(row?.value ?? null);
  };
  const head = samplers.map(([, name]) => name).join(' | ');
  return [
    `| dataset | training | ${head} |`,
    `| --- | --- |${' --- |'.repeat(samplers.length)}`,
    ...models.map((model) => {
      const cells = samplers.map(
        ([id]) =>
          `${value(model, id, 'raw')} / ${value(model, id, 'denoised')}`,
      );
      return `| ${model.replace('|', ' | ')} | ${cells.join(' | ')} |`;
    }),
  ].join('\n');
}

/** The table as Markdown: the summary, every row, then the notes. */
export function toyMarkdown(
  title: string,
  rows: ToyRow[],
  notes: string[],
): string {
  const head =
    '| cell | ε | fake→real | real→fake | sum | n | reference | ' +
    'reference source | run |';
  const body = rows.map(
    (r) =>
      `| ${r.cell} | ${r.stepSize.toExponential(2)} | ${fmt(r.fakeToReal)} ` +
      `| ${fmt(r.realToFake)} | ${fmt(r.value)} | ${r.numSamples} | ` +
      `${fmt(r.reference)} | ${r.referenceSource} | ${r.runId.slice(0, 8)} |`,
  );
  return [
    `# ${title}`,
    '',
    'Sum of the mean nearest-neighbour distances, raw / denoised output:',
    '',
    toySummary(rows),
    '',
    head,
    `|${' --- |'.repeat(9)}`,
    ...body,
    '',
    ...notes.map((n) => `- ${n}`),
    '',
  ].join('\n');
}

/** File name of a model's scatter figure. */
export const scatterFile = (m: Pick<ToyModelResult, 'dataset' | 'training'>) =>
  `scatter-${m.dataset}-${m.training}.svg`;

const REAL_COLOUR = '#f4a261';
const FAKE_COLOUR = '#1f77b4';
const PANEL = 280;

/**
 * One figure per model: a row per sampler, raw and denoised side by side,
 * each panel the first `maxPoints` real points under as many samples.
 */
export function toyScatterSvg(m: ToyModelResult, maxPoints: number): string {
  const real = m.real.points.subarray(0, 2 * maxPoints);
  const panels = m.samplers.flatMap((s, row) =>
    OUTPUTS.map((output, col) => {
      const fake = (output === 'raw' ? s.raw : s.denoised).subarray(
        0,
        2 * maxPoints,
      );
      const svg = scatterPlot(
        [
          { name: 'real', points: real, colour: REAL_COLOUR },
          { name: output, points: fake, colour: FAKE_COLOUR },
        ],
        {
          title: `${samplerName(s.sampler)}, ${output}`,
          range: TOY.range,
          size: PANEL,
        },
      );
      return `<g transform="translate(${col * PANEL},${30 + row * PANEL})">${svg}</g>`;
    }),
  );
  const [width, height] = [2 * PANEL, 30 + m.samplers.length * PANEL];
  const title = `${m.dataset}, ${m.training.toUpperCase()}: real (orange) vs samples (blue), first ${maxPoints} points`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<rect width="${width}" height="${height}" fill="white"/>` +
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="13" font-weight="bold">${title}</text>` +
    `${panels.join('')}</svg>`
  );
}

// Self-contained HTML reports of a table or of chosen runs: tables,
// inline SVG plots, sample grids as data URIs, configs and environments.
// Nothing is fetched when the page is viewed.
import type { Run, TrackingStore } from '@acsm/tracking';
import { extraNames, type TableRow } from '../table';
import { escapeXml as esc, linePlot, type Series } from './svg';

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 1180px; color: #222; padding: 0 16px; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 32px; border-bottom: 1px solid #ddd; } h3 { font-size: 15px; }
table { border-collapse: collapse; margin: 8px 0; } td, th { border: 1px solid #ccc; padding: 3px 8px; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; } th { background: #f4f4f4; }
.grids { display: flex; flex-wrap: wrap; gap: 16px; } figure { margin: 0; } figcaption { font-size: 12px; color: #555; }
img.grid { width: 232px; image-rendering: pixelated; border: 1px solid #ccc; }
.plots { display: flex; flex-wrap: wrap; gap: 12px; } .note { color: #555; font-size: 13px; }
details { margin: 6px 0; } code { font-size: 12px; } .bad { color: #b00; font-weight: bold; }
`;

/** A finished page. */
export function page(title: string, body: string[]): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${esc(title)}</title>`,
    `<style>${STYLE}</style></head><body>`,
    `<h1>${esc(title)}</h1>`,
    ...body,
    `<p class="note">Written ${esc(new Date().toISOString())} by acsm report; self-contained (no network needed).</p>`,
    '</body></html>',
  ].join('\n');
}

const num = (v: number | null | undefined, digits = 2) =>
  v === null || v === undefined || !Number.isFinite(v)
    ? '—'
    : v.toFixed(digits);

function keyValueTable(values: Record<string, unknown>): string {
  const rows = Object.entries(values)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([k, v]) =>
        `<tr><td><code>${esc(k)}</code></td><td>${esc(String(v))}</td></tr>`,
    );
  return `<table>${rows.join('')}</table>`;
}

function configDetails(run: Run, label: string): string {
  return (
    `<details><summary>${esc(label)}: config (params) and environment (tags) of run <code>${esc(run.info.runId)}</code></summary>` +
    `<h3>params</h3>${keyValueTable(run.data.params)}` +
    `<h3>tags</h3>${keyValueTable(run.data.tags)}</details>`
  );
}

async function imageArtifact(
  store: TrackingStore,
  runId: string,
  path: string,
): Promise<string | null> {
  try {
    const bytes = await store.readArtifact(runId, path);
    return `data:image/png;base64,${Buffer.from(bytes).toString('base64')}`;
  } catch {
    return null;
  }
}

/** One plot per run: every metric's history against its step. */
async function metricPlot(
  store: TrackingStore,
  run: Run,
  keys: string[],
  title: string,
): Promise<string> {
  const series: Series[] = [];
  for (const key of keys) {
    const history = await store.getMetricHistory(run.info.runId, key);
    series.push({
      name: key,
      points: history
        .sort((a, b) => a.step - b.step)
        .map((m) => [m.step, m.value] as const),
    });
  }
  return linePlot(series, {
    title,
    xLabel: 'step',
    yLabel: 'loss',
    logY: true,
  });
}

/** Loss terms of a training run (metrics logged at more than one step). */
const lossKeys = (run: Run) =>
  Object.keys(run.data.metrics)
    .filter((k) => k.endsWith('_loss'))
    .sort();

export interface TableReportInput {
  title: string;
  notes: string[];
  /** The table's rows as its run logged them (table.json). */
  rows: TableRow[];
  /** The notes under the table (metric, data, schedule) of its table.md. */
  tableNotes?: string[];
  /** The finished run of each row, if it still exists (same order). */
  runs: (Run | undefined)[];
}

/** Each cell run's config and environment once, collapsed. */
function cellConfigs(input: TableReportInput): string[] {
  const shown = new Set<string>();
  const out = ['<h2>Cell configs</h2>'];
  input.runs.forEach((run, i) => {
    if (!run || shown.has(run.info.runId)) return;
    shown.add(run.info.runId);
    const cell = run.data.tags['acsm.cell'] ?? input.rows[i].cell;
    out.push(configDetails(run, `cell ${cell}`));
  });
  return out;
}

/** The report of a table: measured vs reference, curves, grids, configs. */
export async function tableReport(
  store: TrackingStore,
  input: TableReportInput,
): Promise<string> {
  const body: string[] = [];
  body.push(...input.notes.map((n) => `<p class="note">${esc(n)}</p>`));
  const missing = input.rows.filter((_, i) => !input.runs[i]);
  if (missing.length > 0) {
    body.push(
      `<p class="bad">${missing.length} of ${input.rows.length} cells have no run in the store: ${esc(missing.map((r) => r.cell).join(', '))}</p>`,
    );
  }
  body.push('<h2>Measured against reference</h2>', '<table>');
  const extra = extraNames(input.rows);
  const extraTh = extra.map((k) => `<th>${esc(k)}</th>`).join('');
  body.push(
    `<tr><th>cell</th><th>training</th><th>sampler</th><th>nσ</th><th>ε</th><th>output</th><th>metric</th><th>value</th>${extraTh}<th>n</th><th>reference</th><th>difference</th><th>reference source</th><th>run</th></tr>`,
  );
  const sources = [...new Set(input.rows.map((r) => r.referenceSource))];
  for (const r of input.rows) {
    const diff =
      r.value !== null && r.reference !== null ? r.value - r.reference : null;
    body.push(
      `<tr><td>${esc(r.cell)}</td><td>${esc(r.training)}</td><td>${esc(r.sampler.toUpperCase())}</td><td class="num">${r.stepsPerLevel}</td>` +
        `<td class="num">${r.stepSize.toPrecision(3)}</td><td>${esc(r.output)}</td><td>${esc(r.metric)}</td>` +
        `<td class="num">${num(r.value)}</td>` +
        extra
          .map((k) => `<td class="num">${num(r.extra?.[k] ?? null)}</td>`)
          .join('') +
        `<td class="num">${num(r.numSamples, 0)}</td>` +
        `<td class="num">${num(r.reference)}</td><td class="num">${num(diff)}</td><td>[${sources.indexOf(r.referenceSource) + 1}]</td>` +
        `<td><code>${esc(r.runId.slice(0, 12))}</code></td></tr>`,
    );
  }
  body.push('</table>');
  body.push(
    '<ol class="note">' +
      sources.map((t) => `<li>Reference source: ${esc(t)}</li>`).join('') +
      '</ol>',
  );
  const tableNotes = input.tableNotes ?? [];
  if (tableNotes.length > 0) {
    const items = tableNotes.map((n) => `<li>${esc(n)}</li>`).join('');
    body.push(`<ul class="note table-notes">${items}</ul>`);
  }

  const trainIds = [
    ...new Set(
      input.runs.flatMap((r) =>
        r ? [r.data.tags['acsm.training_run_id']] : [],
      ),
    ),
  ].filter(Boolean);
  const trainRuns = await Promise.all(trainIds.map((id) => store.getRun(id)));
  body.push('<h2>Training</h2>', '<div class="plots">');
  for (const run of trainRuns) {
    const kind = run.data.tags['acsm.training'] ?? '?';
    body.push(
      await metricPlot(
        store,
        run,
        lossKeys(run),
        `${kind}: loss terms (${run.info.runName})`,
      ),
    );
  }
  body.push('</div>');
  for (const run of trainRuns) {
    body.push(
      configDetails(run, `training ${run.data.tags['acsm.training'] ?? ''}`),
    );
  }

  body.push('<h2>Samples (first 64 of each cell; raw beside denoised)</h2>');
  const groups = new Map<string, number[]>();
  input.rows.forEach((r, i) => {
    const key = `${r.training} ${r.sampler.toUpperCase()} nσ=${r.stepsPerLevel}`;
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  for (const [key, indices] of groups) {
    const figures: string[] = [];
    for (const i of indices) {
      const run = input.runs[i];
      const row = input.rows[i];
      const src = run
        ? await imageArtifact(
            store,
            run.info.runId,
            `samples_${row.output}.png`,
          )
        : null;
      figures.push(
        `<figure>${src ? `<img class="grid" alt="${esc(`${row.cell} samples`)}" src="${src}">` : '<p class="bad">no grid</p>'}` +
          `<figcaption>${esc(row.cell)}: ${esc(row.metric)} ${num(row.value)}</figcaption></figure>`,
      );
    }
    body.push(
      `<h3>${esc(key)}</h3><div class="grids">${figures.join('')}</div>`,
    );
  }
  body.push(...cellConfigs(input));
  return page(input.title, body);
}

/**
 * The SVG figures a run logged (figure1, figure3, toy scatters), inline;
 * scripts and external references are not ours to embed, so an SVG that
 * holds any is left out.
 */
async function svgArtifacts(store: TrackingStore, run: Run): Promise<string[]> {
  const entries = await store.listArtifacts(run.info.runId).catch(() => []);
  const out: string[] = [];
  for (const entry of entries) {
    if (entry.isDir || !entry.path.endsWith('.svg')) continue;
    const bytes = await store.readArtifact(run.info.runId, entry.path);
    const svg = new TextDecoder().decode(bytes);
    if (/<script|href=|on[a-z]+=/i.test(svg)) continue;
    out.push(
      `<figure class="figure">${svg}<figcaption>${esc(entry.path)}</figcaption></figure>`,
    );
  }
  return out;
}

/** The report of chosen runs: metrics, curves, images, config, environment. */
export async function runsReport(
  store: TrackingStore,
  runs: Run[],
): Promise<string> {
  const body: string[] = [];
  body.push('<h2>Runs</h2><table>');
  body.push(
    '<tr><th>run</th><th>name</th><th>kind</th><th>status</th><th>metrics (latest)</th></tr>',
  );
  for (const run of runs) {
    const metrics = Object.entries(run.data.metrics)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${esc(k)} ${esc(Number(v.toPrecision(6)).toString())}`)
      .join('<br>');
    body.push(
      `<tr><td><code>${esc(run.info.runId.slice(0, 12))}</code></td><td>${esc(run.info.runName)}</td>` +
        `<td>${esc(run.data.tags['acsm.kind'] ?? '?')}</td><td>${run.info.status}</td><td>${metrics}</td></tr>`,
    );
  }
  body.push('</table>');
  for (const run of runs) {
    body.push(
      `<h2>${esc(run.info.runName)} <code>${esc(run.info.runId)}</code></h2>`,
    );
    const losses = lossKeys(run);
    if (losses.length > 0) {
      body.push(
        `<div class="plots">${await metricPlot(store, run, losses, `${run.info.runName}: loss terms`)}</div>`,
      );
    }
    const images: string[] = [];
    for (const name of ['samples_raw.png', 'samples_denoised.png']) {
      const src = await imageArtifact(store, run.info.runId, name);
      if (src) {
        images.push(
          `<figure><img class="grid" alt="${esc(name)}" src="${src}"><figcaption>${esc(name)}</figcaption></figure>`,
        );
      }
    }
    if (images.length > 0)
      body.push(`<div class="grids">${images.join('')}</div>`);
    body.push(...(await svgArtifacts(store, run)));
    const md = await store
      .readArtifact(run.info.runId, 'audit.md')
      .catch(() => null);
    if (md) body.push(`<pre>${esc(new TextDecoder().decode(md))}</pre>`);
    body.push(configDetails(run, run.info.runName));
  }
  return page(`acsm report: ${runs.length} run(s)`, body);
}

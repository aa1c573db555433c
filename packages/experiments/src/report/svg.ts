// Inline SVG line plots for reports: no scripts, no external fonts.

/** Escapes text for HTML and SVG content and attribute values. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * "Nice" axis ticks covering [lo, hi]: steps of 1, 2 or 5 × 10^k, about
 * `count` of them, starting at the first multiple of the step ≥ lo.
 */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(Number.isFinite(lo) && Number.isFinite(hi))) return [];
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step =
    [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const first = Math.ceil(lo / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let t = first; t <= hi + step * 1e-9; t += step) {
    ticks.push(Number(t.toPrecision(12)));
  }
  return ticks;
}

export interface Series {
  name: string;
  points: readonly (readonly [number, number])[];
  /** Dashed, in the colour of the series before it, not in the legend. */
  dashed?: boolean;
}

export interface PlotOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Log-scale y (values ≤ 0 are dropped). */
  logY?: boolean;
  /** Log-scale x (values ≤ 0 are dropped). */
  logX?: boolean;
  /** A dot at every point (for sparse measurements). */
  markers?: boolean;
  width?: number;
  height?: number;
  /** Where the legend starts, as a fraction of the plot's height. */
  legendTop?: number;
}

const COLOURS = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#9467bd',
  '#ff7f0e',
  '#8c564b',
];

const label = (v: number) =>
  Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3)
    ? Number(v.toPrecision(2)).toExponential()
    : String(Number(v.toPrecision(4)));

/**
 * Tick positions on an axis from lo to hi (log10 of the values on a log
 * axis): whole decades when two or more fit, else round values.
 */
function axisTicks(lo: number, hi: number, log = false): number[] {
  if (!log) return niceTicks(lo, hi);
  const decades = niceTicks(lo, hi).filter(Number.isInteger);
  if (decades.length >= 2) return decades;
  // Within about a decade: 1, 2, 5 × 10^k, else every digit × 10^k.
  for (const digits of [
    [1, 2, 5],
    [1, 2, 3, 4, 5, 6, 7, 8, 9],
  ]) {
    const ticks: number[] = [];
    for (let k = Math.floor(lo); k <= Math.ceil(hi); k++) {
      for (const d of digits) {
        const t = Math.log10(d) + k;
        if (t >= lo && t <= hi) ticks.push(t);
      }
    }
    if (ticks.length >= 3) return ticks;
  }
  return niceTicks(10 ** lo, 10 ** hi)
    .filter((v) => v > 0)
    .map(Math.log10);
}

/** A line plot of the series as an `<svg>` element (string). */
export function linePlot(series: Series[], o: PlotOptions): string {
  const width = o.width ?? 560;
  const height = o.height ?? 300;
  const m = { left: 64, right: 16, top: 28, bottom: 44 };
  const ty = (v: number) => (o.logY ? Math.log10(v) : v);
  const tx = (v: number) => (o.logX ? Math.log10(v) : v);
  const kept = series.map((s) => ({
    ...s,
    points: s.points.filter(
      ([x, y]) =>
        Number.isFinite(x) &&
        Number.isFinite(y) &&
        (!o.logY || y > 0) &&
        (!o.logX || x > 0),
    ),
  }));
  const all = kept.flatMap((s) => s.points);
  const head = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(o.title)}">`;
  const title = `<text x="${width / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(o.title)}</text>`;
  if (all.length === 0) {
    return `${head}${title}<text x="${width / 2}" y="${height / 2}" text-anchor="middle" font-size="12">no data</text></svg>`;
  }
  const xs = all.map((p) => tx(p[0]));
  const ys = all.map((p) => ty(p[1]));
  let [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
  if (y0 === y1) [y0, y1] = [y0 - 1, y1 + 1];
  // A little room above and below, so no curve runs along the frame.
  const pad = 0.04 * (y1 - y0);
  [y0, y1] = [y0 - pad, y1 + pad];
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  const sx = (x: number) => m.left + ((x - x0) / (x1 - x0)) * pw;
  const sy = (y: number) => m.top + (1 - (y - y0) / (y1 - y0)) * ph;
  const parts: string[] = [head, title];
  parts.push(
    `<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`,
  );
  for (const t of axisTicks(x0, x1, o.logX)) {
    const x = sx(t).toFixed(1);
    parts.push(
      `<line x1="${x}" y1="${m.top + ph}" x2="${x}" y2="${m.top + ph + 4}" stroke="#666"/>`,
      `<text x="${x}" y="${m.top + ph + 16}" text-anchor="middle" font-size="11">${label(o.logX ? 10 ** t : t)}</text>`,
    );
  }
  for (const t of axisTicks(y0, y1, o.logY)) {
    const y = sy(t).toFixed(1);
    const text = o.logY ? label(10 ** t) : label(t);
    parts.push(
      `<line x1="${m.left - 4}" y1="${y}" x2="${m.left + pw}" y2="${y}" stroke="#eee"/>`,
      `<text x="${m.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" font-size="11">${text}</text>`,
    );
  }
  parts.push(
    `<text x="${m.left + pw / 2}" y="${height - 6}" text-anchor="middle" font-size="12">${escapeXml(o.xLabel + (o.logX ? ' (log)' : ''))}</text>`,
    `<text x="14" y="${m.top + ph / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 14 ${m.top + ph / 2})">${escapeXml(o.yLabel + (o.logY ? ' (log)' : ''))}</text>`,
  );
  let colourIndex = -1;
  let legendRow = 0;
  const legend: string[] = [];
  kept.forEach((s) => {
    if (!s.dashed || colourIndex < 0) colourIndex += 1;
    const colour = COLOURS[colourIndex % COLOURS.length];
    const d = s.points
      .map(
        ([x, y], j) =>
          `${j ? 'L' : 'M'}${sx(tx(x)).toFixed(1)},${sy(ty(y)).toFixed(1)}`,
      )
      .join('');
    const dash = s.dashed ? ' stroke-dasharray="5 3"' : '';
    parts.push(
      `<path d="${d}" fill="none" stroke="${colour}" stroke-width="1.5"${dash}/>`,
    );
    const dots = o.markers || s.points.length === 1 ? s.points : [];
    for (const [x, y] of dots) {
      parts.push(
        `<circle cx="${sx(tx(x)).toFixed(1)}" cy="${sy(ty(y)).toFixed(1)}" r="2.5" fill="${colour}"/>`,
      );
    }
    if (s.dashed) return;
    const ly = m.top + 14 + (o.legendTop ?? 0) * ph + 16 * legendRow++;
    legend.push(
      `<line x1="${m.left + pw - 130}" y1="${ly}" x2="${m.left + pw - 110}" y2="${ly}" stroke="${colour}" stroke-width="2"/>`,
      `<text x="${m.left + pw - 104}" y="${ly}" dominant-baseline="middle" font-size="11">${escapeXml(s.name)}</text>`,
    );
  });
  if (legendRow > 0) {
    // The legend on a white box, drawn over the curves.
    const top = m.top + 4 + (o.legendTop ?? 0) * ph;
    parts.push(
      `<rect x="${m.left + pw - 136}" y="${top}" width="132" height="${16 * legendRow + 4}" fill="white" fill-opacity="0.85" stroke="#ccc"/>`,
      ...legend,
    );
  }
  parts.push('</svg>');
  return parts.join('');
}

/** A set of 2-D points for `scatterPlot`. */
export interface PointSet {
  name: string;
  /** [n, 2] row-major: x0, y0, x1, y1, … */
  points: ArrayLike<number>;
  colour: string;
}

export interface ScatterOptions {
  title: string;
  /** The square [lo, hi]² shown, the same on both axes. */
  range: readonly [number, number];
  /** Width and height in pixels (default 260). */
  size?: number;
  /** Dot radius in pixels (default 1.2). */
  radius?: number;
}

/** Margins of a scatter panel: room for the title and the tick labels. */
const SCATTER_MARGIN = { left: 30, right: 8, top: 24, bottom: 22 };

/**
 * A scatter plot of point sets, later sets drawn over earlier ones, as
 * an `<svg>` element (string). Each set is one path of zero-length
 * segments with round caps (one dot per point); points outside the range
 * (or not finite) are left out and counted in the legend.
 */
export function scatterPlot(sets: PointSet[], o: ScatterOptions): string {
  const size = o.size ?? 260;
  const r = o.radius ?? 1.2;
  const m = SCATTER_MARGIN;
  const [lo, hi] = o.range;
  if (!(hi > lo)) {
    throw new Error(`scatterPlot: range must have hi > lo, got [${lo}, ${hi}]`);
  }
  const pw = size - m.left - m.right;
  const ph = size - m.top - m.bottom;
  const sx = (x: number) => m.left + ((x - lo) / (hi - lo)) * pw;
  const sy = (y: number) => m.top + (1 - (y - lo) / (hi - lo)) * ph;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}" role="img" aria-label="${escapeXml(o.title)}">`,
    `<text x="${size / 2}" y="16" text-anchor="middle" font-size="12" font-weight="bold">${escapeXml(o.title)}</text>`,
    `<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="white" stroke="#999"/>`,
  ];
  for (const t of niceTicks(lo, hi, 4)) {
    const [x, y] = [sx(t).toFixed(1), sy(t).toFixed(1)];
    parts.push(
      `<text x="${x}" y="${m.top + ph + 14}" text-anchor="middle" font-size="10">${label(t)}</text>`,
      `<text x="${m.left - 4}" y="${y}" text-anchor="end" dominant-baseline="middle" font-size="10">${label(t)}</text>`,
    );
  }
  const legend: string[] = [];
  sets.forEach((set, k) => {
    const { d, outside } = dotPath(set.points, { sx, sy, lo, hi });
    parts.push(
      `<path d="${d}" fill="none" stroke="${set.colour}" stroke-width="${2 * r}" stroke-linecap="round"/>`,
    );
    const note = outside > 0 ? ` (${outside} outside)` : '';
    const ly = m.top + 10 + 13 * k;
    legend.push(
      `<circle cx="${m.left + 8}" cy="${ly}" r="3" fill="${set.colour}"/>`,
      `<text x="${m.left + 14}" y="${ly}" dominant-baseline="middle" font-size="10">${escapeXml(set.name + note)}</text>`,
    );
  });
  parts.push(...legend, '</svg>');
  return parts.join('');
}

/** `M x,y h0` per point inside [lo, hi]²; the count of those outside. */
function dotPath(
  points: ArrayLike<number>,
  o: {
    sx: (x: number) => number;
    sy: (y: number) => number;
    lo: number;
    hi: number;
  },
): { d: string; outside: number } {
  const inside = (v: number) => v >= o.lo && v <= o.hi;
  const moves: string[] = [];
  let outside = 0;
  for (let i = 0; i + 1 < points.length; i += 2) {
    const [x, y] = [points[i], points[i + 1]];
    if (!(inside(x) && inside(y))) {
      outside += 1;
      continue;
    }
    moves.push(`M${o.sx(x).toFixed(1)},${o.sy(y).toFixed(1)}h0`);
  }
  return { d: moves.join(''), outside };
}

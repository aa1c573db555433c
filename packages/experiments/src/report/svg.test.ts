import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeXml, linePlot, niceTicks, scatterPlot } from './svg';

test('niceTicks: steps of 1, 2 or 5 × 10^k inside the range', () => {
  assert.deepEqual(niceTicks(0, 10), [0, 2, 4, 6, 8, 10]);
  assert.deepEqual(niceTicks(0, 800), [0, 200, 400, 600, 800]);
  assert.deepEqual(niceTicks(0.013, 0.087), [0.02, 0.04, 0.06, 0.08]);
  assert.deepEqual(niceTicks(-1.2, 1.7), [-1, 0, 1]);
  assert.deepEqual(niceTicks(-1.2, 1.7, 10), [-1, -0.5, 0, 0.5, 1, 1.5]);
  assert.deepEqual(niceTicks(3, 3), [3]);
  assert.deepEqual(niceTicks(10, 0), [0, 2, 4, 6, 8, 10], 'reversed range');
  assert.deepEqual(niceTicks(NaN, 1), []);
});

test('escapeXml escapes markup and quotes', () => {
  assert.equal(
    escapeXml(`<a href="x">'&'</a>`),
    '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;',
  );
});

test('linePlot: one path per series, points mapped into the frame', () => {
  const svg = linePlot(
    [
      {
        name: 'dsm_loss',
        points: [
          [0, 10],
          [10, 1],
          [20, 0.1],
        ],
      },
      {
        name: 'd<loss>',
        points: [
          [0, 1],
          [20, -1],
        ],
      },
    ],
    {
      title: 'loss',
      xLabel: 'step',
      yLabel: 'loss',
      logY: true,
      width: 200,
      height: 100,
    },
  );
  const paths = [...svg.matchAll(/<path d="([^"]+)"/g)].map((m) => m[1]);
  assert.equal(paths.length, 2);
  // Margins 64/16/28/44, plot height 28: x 0 → 64, 20 → 184; log10 y in
  // [−1, 1] padded by 4% to [−1.08, 1.08]: 1 → 29.04, 0 → 42, −1 → 54.96.
  assert.equal(paths[0], 'M64.0,29.0L124.0,42.0L184.0,55.0');
  assert.equal(paths[1], 'M64.0,42.0', 'y ≤ 0 dropped on a log axis');
  assert.match(svg, /d&lt;loss&gt;/);
  assert.match(
    linePlot([], { title: 't', xLabel: 'x', yLabel: 'y' }),
    /no data/,
  );
});

test('linePlot: a log x axis puts each decade an equal step apart', () => {
  const svg = linePlot(
    [
      {
        name: 'a',
        points: [
          [1, 1],
          [100, 2],
          [10_000, 3],
          [0, 4],
        ],
      },
    ],
    { title: 't', xLabel: 'ε', yLabel: 'y', logX: true, markers: true },
  );
  const d = /<path d="([^"]+)"/.exec(svg)![1];
  const xs = [...d.matchAll(/[ML]([\d.]+),/g)].map((m) => Number(m[1]));
  // x ≤ 0 is dropped; width 560, margins 64 and 16: 64 … 544.
  assert.deepEqual(xs, [64, 304, 544]);
  assert.equal((svg.match(/<circle /g) ?? []).length, 3);
  assert.match(svg, />ε \(log\)</);
  for (const tick of ['>1<', '>100<', '>1e+4<']) assert.ok(svg.includes(tick));
});

test('scatterPlot: one dot per point at its pixel, outside points counted', () => {
  const svg = scatterPlot(
    [
      { name: 'real', points: [0, 0, 2, -2], colour: '#f00' },
      { name: 'fake', points: [-2, 2, 1, 0.5, 3, 0], colour: '#00f' },
    ],
    { title: 'a <b>', range: [-2, 2], size: 100, radius: 1.5 },
  );
  const paths = [...svg.matchAll(/<path d="([^"]*)" [^>]*stroke="([^"]+)"/g)];
  assert.equal(paths.length, 2);
  // Margins 30/8/24/22: the plot is x 30..92, y 24..78 for [−2, 2]²;
  // x → 30 + (x + 2)/4·62, y → 24 + (1 − (y + 2)/4)·54.
  assert.equal(paths[0][1], 'M61.0,51.0h0M92.0,78.0h0');
  assert.equal(paths[0][2], '#f00');
  assert.equal(paths[1][1], 'M30.0,24.0h0M76.5,44.3h0', '(3, 0) left out');
  assert.match(svg, /stroke-width="3" stroke-linecap="round"/);
  assert.match(svg, /fake \(1 outside\)/);
  assert.match(svg, /a &lt;b&gt;/);
  assert.throws(
    () => scatterPlot([], { title: 't', range: [1, 1] }),
    /scatterPlot: range must have hi > lo, got \[1, 1\]/,
  );
});

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '@acsm/core';
import { startRun } from '@acsm/tracking';
import { ConfigError } from '../config';
import { type ExperimentDefinition, type ProfileName } from '../definitions';
import { table2 } from '../definitions/table2';
import {
  FIGURE3,
  type Figure3Profile,
  type Figure3Sweep,
  figure3Csv,
  figure3Markdown,
  figure3Profile,
  figure3Svg,
  eps,
} from '../figures/figure3';
import type { RunContext } from '../runner/context';
import { type ResolvedCell, resolveCells } from '../runner/resolve';
import { runSweep } from '../runner/sweep';
import type { Logger } from './logger';
import { createContext, defaultProfile, printTimings } from './run-target';

/**
 * figure3 sweeps table2's models: its trained models and cells are
 * found in table2's and table1's experiments.
 */
const FIGURE3_DEF: ExperimentDefinition = {
  ...table2,
  name: FIGURE3.name,
  title: 'Figure 3: FID against the step size ε, ALS and CAS, nσ = 1',
  sharesRunsWith: ['table2', 'table1'],
};

/** The table2 cell (nσ = 1, raw) whose model and sampler a sweep uses. */
function sweptCell(
  cells: ResolvedCell[],
  p: Figure3Profile,
  sampler: 'als' | 'cas',
): ResolvedCell {
  const cell = cells.find(
    (c) =>
      c.spec.block === p.block &&
      c.spec.training === p.training &&
      c.spec.sampler.sampler === sampler &&
      c.spec.sampler.stepsPerLevel === 1 &&
      c.spec.output === 'raw',
  );
  if (!cell) throw new ConfigError(`figure3: no table2 cell for ${sampler}`);
  return cell;
}

function plan(logger: Logger, profile: ProfileName, p: Figure3Profile) {
  logger.result(
    `figure3, profile ${profile}: the ${p.training} model of table2` +
      (p.block ? ` (${p.block})` : '') +
      `, ${p.numSamples} samples per point\n` +
      `  ALS nσ=1 ε ∈ {${p.stepSizes.als.map(eps).join(', ')}}\n` +
      `  CAS nσ=1 ε ∈ {${p.stepSizes.cas.map(eps).join(', ')}}`,
  );
}

async function logFigure(
  ctx: RunContext,
  dir: string,
  files: Record<string, string>,
  sweeps: Figure3Sweep[],
): Promise<string> {
  const run = await startRun(ctx.store, {
    experimentId: ctx.experimentId,
    runName: `${FIGURE3.name} (${ctx.profile})`,
    tags: {
      ...ctx.environmentTags,
      'acsm.kind': 'figure',
      'acsm.figure': FIGURE3.name,
      'acsm.profile': ctx.profile,
    },
  });
  for (const { sampler, rows } of sweeps) {
    const best = Math.min(...rows.map((r) => r.fidDenoised));
    if (Number.isFinite(best)) {
      run.logMetrics({ [`${sampler}_best_fid_denoised`]: best });
    }
  }
  for (const name of Object.keys(files)) await run.logArtifact(join(dir, name));
  await run.end('FINISHED');
  return run.info.runId;
}

/** `acsm run figure3`: two sweeps, the figure, and a tracked run. */
export async function runFigure3(o: {
  profile?: ProfileName;
  resultsDir: string;
  dryRun: boolean;
  logger: Logger;
}): Promise<void> {
  const backend = await initBackend();
  const profile = o.profile ?? defaultProfile(backend);
  const p = figure3Profile(profile);
  const cells = resolveCells(table2, profile, {});
  if (o.dryRun) return plan(o.logger, profile, p);
  const ctx = await createContext(FIGURE3_DEF, profile, backend, o.logger);
  const start = performance.now();
  const sweeps: Figure3Sweep[] = [];
  for (const sampler of ['als', 'cas'] as const) {
    const cell = sweptCell(cells, p, sampler);
    const rows = await runSweep(ctx, {
      cell,
      stepSizes: [...p.stepSizes[sampler]],
      numSamples: p.numSamples,
      resultsDir: o.resultsDir,
    });
    sweeps.push({ sampler, rows });
  }
  const metric = cells[0].config.eval.metric;
  const title = `ours: ${p.training} model, profile ${profile}`;
  const dir = join(o.resultsDir, FIGURE3.name, profile);
  mkdirSync(dir, { recursive: true });
  const files = {
    'figure3.svg': figure3Svg(sweeps, { title, metric }),
    'figure3.csv': figure3Csv(sweeps),
    'figure3.md': figure3Markdown(sweeps, {
      title: FIGURE3_DEF.title,
      metric,
      numSamples: p.numSamples,
    }),
  };
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(dir, name), text);
  }
  const runId = await logFigure(ctx, dir, files, sweeps);
  o.logger.result(`\n${files['figure3.md']}`);
  o.logger.info(
    `wrote ${dir}/figure3.svg, figure3.csv, figure3.md; run ${runId} in ` +
      `experiment '${FIGURE3.name}'`,
  );
  printTimings(ctx, start);
}

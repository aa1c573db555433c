// What a run would do, without doing it: the dry run's plan and the
// checks that stop a run at once when it cannot finish.
import { paramCount } from '@acsm/models';
import { ConfigError, type ExperimentConfig } from '../config';
import { DATASETS, metricUnavailable } from './datasets';
import type { ResolvedCell } from './resolve';
import { evaluationsPerSample } from './sample';
import { discriminatorOf, scoreNetworkOf } from '../train/networks';

const count = (n: number): string => n.toLocaleString('en-US');

/** The cells of each trained model, in table order. */
export function byTrainedModel(
  cells: readonly ResolvedCell[],
): ResolvedCell[][] {
  const groups = new Map<string, ResolvedCell[]>();
  for (const cell of cells) {
    const group = groups.get(cell.trainingHash) ?? [];
    group.push(cell);
    groups.set(cell.trainingHash, group);
  }
  return [...groups.values()];
}

function networkLine(label: string, kind: string, config: object, n: number) {
  return `  ${label} ${kind} ${JSON.stringify(config)}: ${count(n)} parameters`;
}

function networkLines(c: ExperimentConfig): string[] {
  const shape = DATASETS[c.data.dataset].shape;
  const score = scoreNetworkOf(c, shape);
  const lines = [
    networkLine('score network', score.kind, score.config, paramCount(score)),
  ];
  if (c.training.kind === 'hybrid') {
    const d = discriminatorOf(c, shape);
    lines.push(networkLine('discriminator', d.kind, d.config, paramCount(d)));
  }
  return lines;
}

function dataLine(c: ExperimentConfig): string {
  const info = DATASETS[c.data.dataset];
  const src = info.describe();
  const cap = c.data.maxTrainImages;
  const all = info.trainSize();
  const n = cap > 0 ? Math.min(cap, all) : all;
  const [h, w, ch] = info.shape;
  return (
    `  data ${c.data.dataset} train split, ${count(n)} images ${h}×${w}×` +
    `${ch}${c.data.flip ? ', random horizontal flips' : ''}; ${src.where}; ` +
    src.checksum
  );
}

function trainingLines(c: ExperimentConfig): string[] {
  const t = c.training;
  const lines = [
    `  noise geometric σ_1 = ${c.noise.sigmaMax || 'auto (Technique 1)'} → ` +
      `σ_L = ${c.noise.sigmaMin}, L = ${c.noise.numLevels || 'Technique 2'}`,
    `  training ${t.kind.toUpperCase()}, ${count(t.iterations)} iterations, ` +
      `batch ${t.batchSize}, Adam lr ${t.learningRate} betas (${t.beta1}, ` +
      `${t.beta2}), EMA ${t.emaRate}, checkpoint every ` +
      count(t.checkpointEvery),
  ];
  const images = t.iterations * t.batchSize;
  if (t.kind === 'dsm') {
    lines.push(`  training cost ${count(images)} score-network passes`);
    return lines;
  }
  const a = c.adversarial;
  lines.push(
    `  adversarial ${a.loss}, D steps ${a.discriminatorSteps}, D Adam lr ` +
      `${a.learningRate} betas (${a.beta1}, ${a.beta2}), λ_DSM ` +
      `${a.lambdaDsm}, λ_G ${a.lambdaGenerator}`,
    `  training cost ${count(images * (1 + a.discriminatorSteps))} ` +
      `score-network passes, ` +
      `${count(images * (2 * a.discriminatorSteps + 1))} D passes`,
  );
  return lines;
}

function samplerText(c: ExperimentConfig): string {
  const s = c.sampling;
  const L = c.noise.numLevels;
  const extra =
    s.sampler === 'cas'
      ? `η = ε/σ_L² = ${(s.stepSize / c.noise.sigmaMin ** 2).toPrecision(3)}`
      : s.noiseFirst
        ? 'noise first, before the network call'
        : 'noise after the step';
  const levels =
    s.sampler === 'cas' && s.stepsPerLevel > 1
      ? `, ${(L - 1) * s.stepsPerLevel + 1} levels`
      : '';
  return (
    `${s.sampler.toUpperCase()} nσ=${s.stepsPerLevel} ε=${s.stepSize} ` +
    `(${extra}${levels})`
  );
}

function cellLine(cell: ResolvedCell): string {
  const c = cell.config;
  const L = c.noise.numLevels;
  const evals =
    L > 0
      ? count(evaluationsPerSample(c.sampling, L) * c.sampling.numSamples)
      : '? (L by Technique 2)';
  const ref = cell.reference.value?.toPrecision(4) ?? 'none';
  return (
    `    ${cell.spec.id}: ${samplerText(c)}, ${c.eval.output}, ` +
    `${count(c.sampling.numSamples)} samples (batch ${c.sampling.batchSize})` +
    `, ${evals} network evaluations, ${c.eval.metric}, reference ${ref}, ` +
    `hash ${cell.hash}`
  );
}

/** The dry run: per trained model its networks, data and training, then each cell. */
export function planText(cells: readonly ResolvedCell[]): string {
  const out: string[] = [];
  let total = 0;
  for (const group of byTrainedModel(cells)) {
    const c = group[0].config;
    const block = group[0].spec.block;
    out.push(
      `${block ? `${block} / ` : ''}${c.training.kind}: ${group.length} ` +
        `cells, training hash ${group[0].trainingHash}`,
      ...networkLines(c),
      dataLine(c),
      ...trainingLines(c),
      '  cells:',
      ...group.map(cellLine),
    );
    for (const cell of group) {
      const L = cell.config.noise.numLevels;
      total +=
        evaluationsPerSample(cell.config.sampling, L) *
        cell.config.sampling.numSamples;
    }
  }
  out.push(`sampling in all: ${count(total)} network evaluations`);
  return [...out, ...metricLines(cells)].join('\n');
}

/** Why each metric, and what the Inception will have to look at. */
function metricLines(cells: readonly ResolvedCell[]): string[] {
  const lines = [...new Set(cells.map((c) => `metric: ${c.metricReason}`))];
  const inception = cells.filter(
    (c) => c.config.eval.metric === 'fid_inception',
  );
  if (inception.length === 0) return lines;
  const samples = inception.reduce(
    (n, c) => n + c.config.sampling.numSamples,
    0,
  );
  const datasets = [...new Set(inception.map((c) => c.config.data.dataset))];
  const reference = datasets.reduce((n, d) => n + DATASETS[d].trainSize(), 0);
  lines.push(
    `Inception passes: ${count(samples)} samples and ${count(reference)} ` +
      `training images for the reference statistics (${datasets.join(', ')}; ` +
      `once, then cached)`,
  );
  return lines;
}

/**
 * Everything that would stop the run before its end, found before it
 * starts: missing data that cannot be fetched, metrics not available.
 */
export function preflightProblems(cells: readonly ResolvedCell[]): string[] {
  const problems = new Set<string>();
  for (const { config } of cells) {
    const src = DATASETS[config.data.dataset].describe();
    if (!src.present && !src.downloadable) {
      problems.add(`${config.data.dataset}: not found. ${src.howToProvide}`);
    }
    const metric = metricUnavailable(config.eval.metric, config.data.dataset);
    if (metric) problems.add(metric);
  }
  return [...problems];
}

/** Throws a ConfigError listing every problem of `preflightProblems`. */
export function checkRunnable(
  target: string,
  cells: readonly ResolvedCell[],
  more: readonly string[] = [],
): void {
  const problems = [...preflightProblems(cells), ...more];
  if (problems.length === 0) return;
  throw new ConfigError(
    `${target} cannot run here:\n` + problems.map((p) => `  - ${p}`).join('\n'),
  );
}

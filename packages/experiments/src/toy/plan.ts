// The toy experiment's dry run: what a run would do, without doing it.
import { paramCount } from '@acsm/models';
import type { ProfileName } from '../definitions';
import { evaluationsPerSample } from '../runner/sample';
import {
  samplerName,
  TOY,
  TOY_DATASETS,
  TOY_PROFILES,
  TOY_TRAININGS,
  toyModelConfig,
  type ToyProfile,
  type ToySampler,
} from './definition';
import { toyNetworks } from './model';

const count = (n: number): string => n.toLocaleString('en-US');

function networkLines(p: ToyProfile): string[] {
  const config = toyModelConfig(p, TOY_DATASETS[0], 'hybrid', 1);
  const { score, discriminator } = toyNetworks(config);
  return [score, discriminator!].map(
    (n, i) =>
      `  ${i === 0 ? 'score network' : 'discriminator'} ${n.kind} ` +
      `${JSON.stringify(n.config)}: ${count(paramCount(n))} parameters`,
  );
}

function trainingLines(p: ToyProfile): string[] {
  const t = p.training;
  const a = p.adversarial;
  const points = t.iterations * t.batchSize;
  return TOY_TRAININGS.map((kind) => {
    const { beta1, beta2 } = p.betas[kind];
    const head =
      `  ${kind.toUpperCase()}: ${count(t.iterations)} iterations, batch ` +
      `${t.batchSize}, Adam lr ${t.learningRate} betas (${beta1}, ${beta2})` +
      `, EMA ${t.emaRate}`;
    if (kind === 'dsm') return `${head}; ${count(points)} score passes`;
    return (
      `${head}; ${a.loss} D steps ${a.discriminatorSteps}, D Adam lr ` +
      `${a.learningRate} betas (${a.beta1}, ${a.beta2}), λ_DSM ` +
      `${a.lambdaDsm}, λ_G ${a.lambdaGenerator}; ` +
      `${count(points * (1 + a.discriminatorSteps))} score passes, ` +
      `${count(points * (2 * a.discriminatorSteps + 1))} D passes`
    );
  });
}

function samplerLine(p: ToyProfile, s: ToySampler): string {
  const L = p.noise.numLevels;
  const eta = s.stepSize / p.noise.sigmaMin ** 2;
  const per = evaluationsPerSample(s, L);
  return (
    `  ${samplerName(s)}: ε = ${s.stepSize.toExponential(3)} (ε/σ_L² = ` +
    `${eta.toPrecision(3)}), ${per} network evaluations per point, ` +
    `${count(per * p.data.evalPoints)} per model`
  );
}

/** The plan of a profile: data, schedule, networks, training, samplers. */
export function toyPlanText(profile: ProfileName): string {
  const p = TOY_PROFILES[profile];
  const models = TOY_DATASETS.length * TOY_TRAININGS.length;
  return [
    `${TOY.name}, profile ${profile}: ${p.description}`,
    `  datasets ${TOY_DATASETS.join(', ')}: ${count(p.data.trainPoints)} ` +
      `training points each, ${count(p.data.evalPoints)} real points and ` +
      `as many samples per cell (seed ${p.seed})`,
    `  schedule geometric, σ_1 by Technique 1 on each training set ` +
      `(computed at run time) → σ_L = ${p.noise.sigmaMin}, ` +
      `L = ${p.noise.numLevels}`,
    ...networkLines(p),
    ...trainingLines(p),
    `  samplers from x_0 ~ U[${p.init[0]}, ${p.init[1]}]², raw and denoised:`,
    ...p.samplers.map((s) => samplerLine(p, s)),
    `  ${models} trained models, ` +
      `${models * p.samplers.length * 2} cells; metric ${TOY.metric}, ` +
      `reference ${TOY.reference.source}`,
  ].join('\n');
}

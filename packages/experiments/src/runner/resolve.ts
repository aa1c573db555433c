import {
  applyFlatOverrides,
  ConfigError,
  type ExperimentConfig,
  freeze,
  mergeConfig,
  validateConfig,
} from '../config';
import {
  blockOf,
  type CellSpec,
  cellsOf,
  type ExperimentDefinition,
  type ProfileName,
  type ProfileSpec,
  samplerKey,
  samplerSettingsOf,
} from '../definitions';
import { configHash } from '../hash';
import type { Reference } from '../references';
import type { FoundInceptionWeights } from '@acsm/eval';
import { defaultCacheDir } from './context';
import { chooseMetric, localInceptionWeights } from './metric-choice';

/** A cell resolved to its full configuration and hashes. */
export interface ResolvedCell {
  spec: CellSpec;
  config: Readonly<ExperimentConfig>;
  /** Hash of the whole cell configuration. */
  hash: string;
  /** Hash of what its trained model depends on (shared by 8 cells). */
  trainingHash: string;
  reference: Reference;
  /** Why config.eval.metric is the metric (fid_auto's choice). */
  metricReason: string;
}

export interface ResolveOptions {
  /**
   * The FID Inception weights on this machine, for eval.metric =
   * fid_auto; default: looked up in the cache and ACSM_INCEPTION_WEIGHTS.
   */
  inceptionWeights?: () => FoundInceptionWeights | null;
}

/** The parts of a configuration that determine the trained model. */
export function trainingPart(config: ExperimentConfig): object {
  const { seed, data, model, noise, training, adversarial } = config;
  const hybrid = training.kind === 'hybrid';
  return {
    seed,
    data,
    model: hybrid ? model : { ...model, discriminatorCh: null },
    noise,
    training,
    adversarial: hybrid ? adversarial : null,
  };
}

export function profileOf(
  def: ExperimentDefinition,
  profile: ProfileName,
): ProfileSpec {
  const spec = def.profiles[profile];
  if ('unavailable' in spec) {
    throw new ConfigError(
      `${def.name} --profile=${profile}: ${spec.unavailable}`,
    );
  }
  return spec;
}

/** Resolves every cell: base ← training kind ← cell ← user overrides. */
export function resolveCells(
  def: ExperimentDefinition,
  profile: ProfileName,
  overrides: Record<string, unknown>,
  o: ResolveOptions = {},
): ResolvedCell[] {
  const spec = profileOf(def, profile);
  const find =
    o.inceptionWeights ?? (() => localInceptionWeights(defaultCacheDir()));
  let found: FoundInceptionWeights | null | undefined;
  const weights = () => (found === undefined ? (found = find()) : found);
  return cellsOf(def, spec).map((cell) => {
    const settings = samplerSettingsOf(spec, cell);
    const stepSize = settings.stepSizes[samplerKey(cell.sampler)];
    const merged = mergeConfig(cellBase(spec, cell), {
      sampling: { ...cell.sampler, stepSize },
      eval: { output: cell.output },
    });
    const asked = applyFlatOverrides(merged, overrides);
    const choice = chooseMetric(asked, weights);
    const config = mergeConfig(asked, { eval: { metric: choice.metric } });
    validateConfig(config, `${def.name} cell ${cell.id}`);
    return {
      spec: cell,
      config: freeze(config),
      hash: configHash(config),
      trainingHash: configHash(trainingPart(config)),
      reference: settings.reference(cell, config.sampling.stepSize),
      metricReason: choice.reason,
    };
  });
}

/** base ← training kind ← block ← the block's training kind. */
function cellBase(spec: ProfileSpec, cell: CellSpec): ExperimentConfig {
  const config = mergeConfig(spec.base, spec.perTraining[cell.training]);
  const block = blockOf(spec, cell);
  if (block === null) return config;
  const withBlock = mergeConfig(config, block.overrides);
  return mergeConfig(withBlock, block.perTraining?.[cell.training] ?? {});
}

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

/** A cell resolved to its full configuration and hashes. */
export interface ResolvedCell {
  spec: CellSpec;
  config: Readonly<ExperimentConfig>;
  /** Hash of the whole cell configuration. */
  hash: string;
  /** Hash of what its trained model depends on (shared by 8 cells). */
  trainingHash: string;
  reference: Reference;
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
): ResolvedCell[] {
  const spec = profileOf(def, profile);
  return cellsOf(def, spec).map((cell) => {
    const settings = samplerSettingsOf(spec, cell);
    const stepSize = settings.stepSizes[samplerKey(cell.sampler)];
    const merged = mergeConfig(cellBase(spec, cell), {
      sampling: { ...cell.sampler, stepSize },
      eval: { output: cell.output },
    });
    const config = applyFlatOverrides(merged, overrides);
    validateConfig(config, `${def.name} cell ${cell.id}`);
    return {
      spec: cell,
      config: freeze(config),
      hash: configHash(config),
      trainingHash: configHash(trainingPart(config)),
      reference: settings.reference(cell, config.sampling.stepSize),
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

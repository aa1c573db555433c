import type {
  ExperimentConfig,
  OutputKind,
  Overrides,
  SamplerKind,
  TrainingKind,
} from '../config';
import type { Reference } from '../references';

export const PROFILES = ['smoke', 'cpu', 'paper'] as const;
export type ProfileName = (typeof PROFILES)[number];

/** A sampler column of the grid: ALS or CAS with nσ steps per level. */
export interface SamplerSpec {
  sampler: SamplerKind;
  stepsPerLevel: number;
}

/** One cell (one row of the table) before a profile scales it. */
export interface CellSpec {
  id: string;
  /** The block (network and data) of a profile with blocks, else null. */
  block: string | null;
  training: TrainingKind;
  sampler: SamplerSpec;
  output: OutputKind;
}

/** How a profile chooses ε and the reference values of its cells. */
export interface SamplerSettings {
  /** ε per sampler column, keyed `${sampler}${stepsPerLevel}`. */
  stepSizes: Record<string, number>;
  /** How the step sizes were chosen. */
  stepSizeSource: string;
  reference(cell: CellSpec, stepSize: number): Reference;
}

/**
 * One network-and-data block of a profile: a row group of the paper's
 * grid (PAPER.md §9), e.g. CIFAR-10 with NCSNv2. Its overrides apply on
 * top of the profile's base and per-training overrides.
 */
export interface BlockSpec extends SamplerSettings {
  id: string;
  title: string;
  overrides: Overrides<ExperimentConfig>;
  perTraining?: Partial<Record<TrainingKind, Overrides<ExperimentConfig>>>;
}

/** How one profile scales an experiment. */
export interface ProfileSpec extends SamplerSettings {
  /** What the profile is for, and why its sizes were chosen. */
  description: string;
  base: ExperimentConfig;
  /** Overrides per training kind (optimiser betas differ, PAPER.md §6). */
  perTraining: Record<TrainingKind, Overrides<ExperimentConfig>>;
  /**
   * Blocks of the grid; cells are then `${block}/${training}/…` and take
   * ε and references from their block. Absent: one block, the profile's.
   */
  blocks?: readonly BlockSpec[];
}

/** A table of the paper, as data. */
export interface ExperimentDefinition {
  name: string;
  title: string;
  trainings: readonly TrainingKind[];
  samplers: readonly SamplerSpec[];
  outputs: readonly OutputKind[];
  /** Metrics shown beside the cell's value (e.g. 'kl'). */
  extraMetrics?: readonly string[];
  /**
   * Experiments whose finished trained models and cells this one reuses
   * when their configuration hashes match (table1 ⊂ table2).
   */
  sharesRunsWith?: readonly string[];
  /** A profile, or the reason it cannot run yet. */
  profiles: Record<ProfileName, ProfileSpec | { unavailable: string }>;
}

export const samplerKey = (s: SamplerSpec): string =>
  `${s.sampler}${s.stepsPerLevel}`;

/** The cells of a definition in a profile, in table order. */
export function cellsOf(
  def: ExperimentDefinition,
  profile: ProfileSpec,
): CellSpec[] {
  const blocks = profile.blocks?.map((b) => b.id) ?? [null];
  return blocks.flatMap((block) =>
    def.trainings.flatMap((training) =>
      def.samplers.flatMap((sampler) =>
        def.outputs.map((output) => ({
          id:
            (block === null ? '' : `${block}/`) +
            `${training}/${sampler.sampler}/n${sampler.stepsPerLevel}/` +
            output,
          block,
          training,
          sampler,
          output,
        })),
      ),
    ),
  );
}

/** The ε and references of a cell: its block's, or the profile's. */
export function samplerSettingsOf(
  profile: ProfileSpec,
  cell: CellSpec,
): SamplerSettings {
  if (cell.block === null) return profile;
  const block = profile.blocks?.find((b) => b.id === cell.block);
  if (!block) throw new Error(`no block '${cell.block}' in the profile`);
  return block;
}

/** The block of a cell, or null for a profile without blocks. */
export function blockOf(
  profile: ProfileSpec,
  cell: CellSpec,
): BlockSpec | null {
  if (cell.block === null) return null;
  return samplerSettingsOf(profile, cell) as BlockSpec;
}

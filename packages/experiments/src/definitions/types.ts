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
  training: TrainingKind;
  sampler: SamplerSpec;
  output: OutputKind;
}

/** How one profile scales an experiment. */
export interface ProfileSpec {
  /** What the profile is for, and why its sizes were chosen. */
  description: string;
  base: ExperimentConfig;
  /** Overrides per training kind (optimiser betas differ, PAPER.md §6). */
  perTraining: Record<TrainingKind, Overrides<ExperimentConfig>>;
  /** ε per sampler column, keyed `${sampler}${stepsPerLevel}`. */
  stepSizes: Record<string, number>;
  /** How the step sizes were chosen. */
  stepSizeSource: string;
  reference(cell: CellSpec, stepSize: number): Reference;
}

/** A table of the paper, as data. */
export interface ExperimentDefinition {
  name: string;
  title: string;
  trainings: readonly TrainingKind[];
  samplers: readonly SamplerSpec[];
  outputs: readonly OutputKind[];
  /** A profile, or the reason it cannot run yet. */
  profiles: Record<ProfileName, ProfileSpec | { unavailable: string }>;
}

export const samplerKey = (s: SamplerSpec): string =>
  `${s.sampler}${s.stepsPerLevel}`;

/** The cells of a definition, in table order. */
export function cellsOf(def: ExperimentDefinition): CellSpec[] {
  return def.trainings.flatMap((training) =>
    def.samplers.flatMap((sampler) =>
      def.outputs.map((output) => ({
        id: `${training}/${sampler.sampler}/n${sampler.stepsPerLevel}/${output}`,
        training,
        sampler,
        output,
      })),
    ),
  );
}

import { table2 } from './table2';
import type { ExperimentDefinition } from './types';

/**
 * Table 1 of the paper (PAPER.md §9): the samplers alone, ALS vs CAS ×
 * nσ ∈ {1, 5} × raw / denoised output, on DSM-trained models, one block
 * per network of the grid in the paper profile. Its cells are table2's
 * DSM cells, configuration for configuration, so models and cells that
 * table2 finished are reused, and the other way round.
 */
export const table1: ExperimentDefinition = {
  name: 'table1',
  title: 'Table 1: ALS vs CAS, raw vs denoised, DSM-trained models',
  trainings: ['dsm'],
  samplers: table2.samplers,
  outputs: table2.outputs,
  sharesRunsWith: ['table2'],
  profiles: table2.profiles,
};

import { table1 } from './table1';
import { table2 } from './table2';
import { table3 } from './table3';
import type { ExperimentDefinition } from './types';

export * from './types';

/** Every runnable target, by name. */
export const DEFINITIONS: Record<
  'table1' | 'table2' | 'table3',
  ExperimentDefinition
> = { table1, table2, table3 };

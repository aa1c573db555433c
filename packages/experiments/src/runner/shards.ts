// Slicing a table's cells into shards that run as separate processes (on
// one machine with --jobs, or on many with --shard) and share trained
// models through the tracking store.
import { ConfigError } from '../config';
import { samplerKey } from '../definitions';
import type { ResolvedCell } from './resolve';

/** The i-th (1-based) of n slices. */
export interface Shard {
  index: number;
  count: number;
}

/**
 * Parses `i/n` with 1 <= i <= n <= 1024; a ConfigError otherwise, naming
 * `what` (the flag, or the variables the shard came from).
 */
export function parseShard(text: string, what = '--shard'): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = match ? Number(match[1]) : NaN;
  const count = match ? Number(match[2]) : NaN;
  if (!(index >= 1 && count >= 1 && index <= count && count <= 1024)) {
    throw new ConfigError(
      `${what} must be i/n with 1 <= i <= n <= 1024 (for example 2/4), ` +
        `got '${text}'`,
    );
  }
  return { index, count };
}

/** A shard's cells, and the trainings it trains rather than waits for. */
export interface ShardSlice {
  cells: ResolvedCell[];
  /** Training hashes whose model this shard trains. */
  owned: Set<string>;
}

/**
 * The cells of `shard`: the table's sampler groups (one trained model ×
 * one sampler) in definition order, cut into `count` contiguous runs of
 * near-equal length, so that a training's groups stay together when
 * there are no more shards than trainings. A training belongs to the
 * shard with its first group; other shards with its groups wait for it.
 */
export function shardSlice(cells: ResolvedCell[], shard: Shard): ShardSlice {
  const groups: ResolvedCell[][] = [];
  const index = new Map<string, number>();
  for (const cell of cells) {
    const key = `${cell.trainingHash}/${samplerKey(cell.spec.sampler)}`;
    if (!index.has(key)) {
      index.set(key, groups.length);
      groups.push([]);
    }
    groups[index.get(key)!].push(cell);
  }
  const from = Math.floor(((shard.index - 1) * groups.length) / shard.count);
  const to = Math.floor((shard.index * groups.length) / shard.count);
  const mine = groups.slice(from, to);
  const owned = new Set<string>();
  const seen = new Set<string>();
  groups.forEach((group, g) => {
    const hash = group[0].trainingHash;
    if (seen.has(hash)) return;
    seen.add(hash);
    if (g >= from && g < to) owned.add(hash);
  });
  return { cells: mine.flat(), owned };
}

/** Distinct trained models of the cells. */
export function trainingCount(cells: ResolvedCell[]): number {
  return new Set(cells.map((c) => c.trainingHash)).size;
}

/** Where a shard came from, for the log. */
export interface ShardFromEnvironment {
  shard: Shard;
  source: string;
}

const integerVar = (env: NodeJS.ProcessEnv, name: string): number => {
  const text = env[name];
  if (text === undefined) throw new ConfigError(`${name} is not set`);
  if (!/^\d+$/.test(text.trim())) {
    throw new ConfigError(
      `${name} must be a whole number, got '${env[name] ?? ''}'`,
    );
  }
  return Number(text);
};

/**
 * The shard of a cluster array task when --shard is absent: a SLURM job
 * array (SLURM_ARRAY_TASK_ID, counted from SLURM_ARRAY_TASK_MIN, of
 * SLURM_ARRAY_TASK_COUNT tasks) or a Kubernetes indexed Job
 * (JOB_COMPLETION_INDEX from 0, of ACSM_SHARD_COUNT completions, which
 * the Job's manifest sets since Kubernetes does not). Undefined when
 * neither is set.
 */
export function shardFromEnvironment(
  env: NodeJS.ProcessEnv,
): ShardFromEnvironment | undefined {
  if (env.SLURM_ARRAY_TASK_ID !== undefined) {
    const id = integerVar(env, 'SLURM_ARRAY_TASK_ID');
    const min =
      env.SLURM_ARRAY_TASK_MIN === undefined
        ? 0
        : integerVar(env, 'SLURM_ARRAY_TASK_MIN');
    const count = integerVar(env, 'SLURM_ARRAY_TASK_COUNT');
    const text = `${id - min + 1}/${count}`;
    return {
      shard: parseShard(
        text,
        `the shard of SLURM_ARRAY_TASK_ID=${id} (from ${min}, of ${count} tasks)`,
      ),
      source: `SLURM_ARRAY_TASK_ID=${id} (array from ${min}, ${count} tasks)`,
    };
  }
  if (env.JOB_COMPLETION_INDEX !== undefined) {
    const index = integerVar(env, 'JOB_COMPLETION_INDEX');
    if (env.ACSM_SHARD_COUNT === undefined) {
      throw new ConfigError(
        'JOB_COMPLETION_INDEX is set (a Kubernetes indexed Job) but ' +
          'ACSM_SHARD_COUNT is not: set it to the Job’s completions',
      );
    }
    const count = integerVar(env, 'ACSM_SHARD_COUNT');
    return {
      shard: parseShard(
        `${index + 1}/${count}`,
        `the shard of JOB_COMPLETION_INDEX=${index} of ACSM_SHARD_COUNT=${count}`,
      ),
      source: `JOB_COMPLETION_INDEX=${index} of ACSM_SHARD_COUNT=${count}`,
    };
  }
  return undefined;
}

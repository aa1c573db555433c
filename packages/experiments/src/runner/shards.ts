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

/** Parses `i/n` with 1 <= i <= n <= 1024; a ConfigError otherwise. */
export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = match ? Number(match[1]) : NaN;
  const count = match ? Number(match[2]) : NaN;
  if (!(index >= 1 && count >= 1 && index <= count && count <= 1024)) {
    throw new ConfigError(
      `--shard must be i/n with 1 <= i <= n <= 1024 (for example 2/4), ` +
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

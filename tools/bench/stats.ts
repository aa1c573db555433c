// Timing helpers of the bench: interleaved runs and their medians.
import type { Reps } from './cases';

/** The median of xs (the mean of the two middle values for even n). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median: needs at least one value');
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** A side of a comparison: runs one step, resolves to its milliseconds. */
export type Side = () => Promise<number>;

/**
 * Runs the sides in turn, A B A B …: `reps.warmup` untimed rounds, then
 * `reps.reps` rounds whose times it returns, one array per side. Taking
 * turns step by step puts both sides under the same drift of a shared
 * machine. `onRound` sees each round's times; warm-up rounds are
 * numbered from −warmup, timed ones from 0.
 */
export async function interleave(
  sides: readonly Side[],
  reps: Reps,
  onRound?: (round: number, times: number[]) => void,
): Promise<number[][]> {
  const { warmup, reps: n } = reps;
  if (!(Number.isInteger(warmup) && warmup >= 0 && Number.isInteger(n))) {
    throw new Error(
      `interleave: warmup must be an integer >= 0 and reps an integer ` +
        `>= 1, got ${warmup} and ${n}`,
    );
  }
  if (n < 1) throw new Error(`interleave: reps must be >= 1, got ${n}`);
  const times: number[][] = sides.map(() => []);
  for (let round = 0; round < warmup + n; round++) {
    const now: number[] = [];
    for (const side of sides) now.push(await side());
    onRound?.(round - warmup, now);
    if (round >= warmup) now.forEach((t, i) => times[i].push(t));
  }
  return times;
}

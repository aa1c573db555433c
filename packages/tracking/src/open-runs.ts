// The runs started by this process and not yet ended. It exists only so a
// signal handler can end them KILLED; nothing logs through it.

import type { RunStatus } from './types';

export interface EndableRun {
  readonly runId: string;
  end(status: RunStatus): Promise<void>;
}

const openRuns = new Set<EndableRun>();

export function registerOpenRun(run: EndableRun): void {
  openRuns.add(run);
}

export function unregisterOpenRun(run: EndableRun): void {
  openRuns.delete(run);
}

/** Ids of the runs started here that have not ended. */
export function openRunIds(): string[] {
  return [...openRuns].map((r) => r.runId);
}

/**
 * Ends every open run (flushing what it buffered), e.g. from a SIGINT or
 * SIGTERM handler:
 *
 *   process.once('SIGINT', () =>
 *     endOpenRuns('KILLED').finally(() => process.exit(130)));
 */
export async function endOpenRuns(status: RunStatus = 'KILLED'): Promise<void> {
  const results = await Promise.allSettled(
    [...openRuns].map((r) => r.end(status)),
  );
  const errors = results.flatMap((r) =>
    r.status === 'rejected' ? [r.reason] : [],
  );
  if (errors.length > 0) {
    throw new AggregateError(errors, `${errors.length} run(s) failed to end`);
  }
}

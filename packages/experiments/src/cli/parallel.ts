// --jobs N: a table's shards as N child processes of this command on this
// machine. WebAssembly keeps a small network's convolutions on one core
// far better than it spreads them over two, so two one-thread shards (one
// trained model each) finish a table in about the time of its slowest
// model instead of the sum of both. The parent prepares what the shards
// share, starts them, prefixes their output with the shard, stops them
// on a signal or on the first failure, and then writes the table from the
// runs they logged.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Logger } from './logger';

export interface ShardJob {
  /** Arguments of `acsm` for the shard, e.g. ['run', 'table2', ...]. */
  args: string[];
  label: string;
}

export interface ParallelOptions {
  jobs: ShardJob[];
  /** Threads per shard for WebAssembly (ACSM_WASM_THREADS). */
  threadsPerJob: number;
  logger: Logger;
  signal: AbortSignal;
}

/** Exit status of each shard, in order. */
export type ShardExit = { label: string; code: number | null };

/**
 * Runs the shard commands as children of this process (same Node, same
 * loader flags, same entry script) and resolves when all have ended. The
 * first failure, or `signal`, sends SIGTERM to the others once: each
 * stops after its current step with a checkpoint, resumable.
 */
export async function runShardJobs(o: ParallelOptions): Promise<ShardExit[]> {
  const children = o.jobs.map((job) => start(job, o));
  let stopping = false;
  const stopAll = (why: string) => {
    if (stopping) return;
    stopping = true;
    o.logger.warn(`stopping every shard: ${why}`);
    for (const { child } of children) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
      }
    }
  };
  const onAbort = () => stopAll('interrupted');
  o.signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await Promise.all(
      children.map(async ({ job, exited }) => {
        const code = await exited;
        if (code !== 0 && !o.signal.aborted) {
          stopAll(`${job.label} exited with code ${code}`);
        }
        return { label: job.label, code };
      }),
    );
  } finally {
    o.signal.removeEventListener('abort', onAbort);
  }
}

function start(job: ShardJob, o: ParallelOptions) {
  const entry = process.argv[1];
  const child: ChildProcess = spawn(
    process.execPath,
    [...process.execArgv, entry, ...job.args],
    {
      // Its own process group: a Ctrl-C reaches the parent only, which
      // passes it on once (a second one to a shard would end it at once).
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: {
        ...process.env,
        ACSM_WASM_THREADS: String(o.threadsPerJob),
        ACSM_SHARD_CHILD: '1',
      },
    },
  );
  const prefix = `[${job.label}] `;
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    const out = stream === child.stdout ? process.stdout : process.stderr;
    createInterface({ input: stream }).on('line', (line) =>
      out.write(`${prefix}${line}\n`),
    );
  }
  const exited = new Promise<number | null>((resolve) => {
    child.on('error', (error) => {
      o.logger.error(`${job.label}: could not start: ${error.message}`);
      resolve(1);
    });
    child.on('close', (code, signal) => resolve(signal ? 128 : code));
  });
  return { job, child, exited };
}

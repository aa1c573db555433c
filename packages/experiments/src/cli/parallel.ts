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
import { type ProgressMessage, renderBar } from '../progress';
import type { Logger } from './logger';

/** Seconds between a shard's plain progress lines when not on a terminal. */
const PLAIN_EVERY_SECONDS = 10;

/**
 * What the parent prints of its shards: their output lines, prefixed, and
 * their progress. On a terminal each shard has one live line at the
 * bottom, redrawn under the scrolling output; otherwise progress comes
 * as plain lines, one per shard every PLAIN_EVERY_SECONDS.
 */
export class ShardBoard {
  private readonly status = new Map<string, string>();
  private readonly lastPlain = new Map<string, number>();
  private drawn = 0;

  constructor(
    private readonly err: NodeJS.WriteStream = process.stderr,
    private readonly now = () => performance.now() / 1000,
  ) {}

  private get tty(): boolean {
    return Boolean(this.err.isTTY);
  }

  /** One output line of a shard, on its own stream. */
  line(out: NodeJS.WritableStream, label: string, text: string): void {
    this.clear();
    out.write(`[${label}] ${text}\n`);
    this.draw();
  }

  /** A progress message of a shard. */
  progress(label: string, m: ProgressMessage['acsmProgress']): void {
    if (m.fraction === null) {
      this.status.delete(label);
      return this.line(this.err, label, m.text);
    }
    if (this.tty) {
      this.status.set(label, `[${label}] ${renderBar(m.fraction)} ${m.text}`);
      this.clear();
      this.draw();
    } else if (
      this.now() - (this.lastPlain.get(label) ?? -Infinity) >=
      PLAIN_EVERY_SECONDS
    ) {
      this.lastPlain.set(label, this.now());
      this.err.write(`[${label}] ${m.text}\n`);
    }
  }

  /** Removes the live lines (when every shard has ended). */
  close(): void {
    this.clear();
    this.status.clear();
  }

  private clear(): void {
    if (!this.tty || this.drawn === 0) return;
    this.err.write(`\x1b[${this.drawn}A\x1b[J`);
    this.drawn = 0;
  }

  private draw(): void {
    if (!this.tty) return;
    const width = Math.max(20, (this.err.columns || 100) - 1);
    const byShard = [...this.status.entries()].sort(([a], [b]) =>
      a.localeCompare(b, 'en', { numeric: true }),
    );
    for (const [, text] of byShard) {
      this.err.write(`${text.slice(0, width)}\n`);
    }
    this.drawn = this.status.size;
  }
}

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
  const board = new ShardBoard();
  const children = o.jobs.map((job) => start(job, o, board));
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
    board.close();
  }
}

function isProgressMessage(m: unknown): m is ProgressMessage {
  return typeof m === 'object' && m !== null && 'acsmProgress' in m;
}

function start(job: ShardJob, o: ParallelOptions, board: ShardBoard) {
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
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    const out = stream === child.stdout ? process.stdout : process.stderr;
    createInterface({ input: stream }).on('line', (line) =>
      board.line(out, job.label, line),
    );
  }
  child.on('message', (m) => {
    if (isProgressMessage(m)) board.progress(job.label, m.acsmProgress);
  });
  const exited = new Promise<number | null>((resolve) => {
    child.on('error', (error) => {
      o.logger.error(`${job.label}: could not start: ${error.message}`);
      resolve(1);
    });
    child.on('close', (code, signal) => resolve(signal ? 128 : code));
  });
  return { job, child, exited };
}

// A child process that answers one JSON line on stdout to each JSON line
// it reads on stdin (both sides of the bench speak this way).
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PYTHON } from '../parity/parity';

/** The last lines of a text, for an error message. */
function tail(text: string, lines = 15): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** A reply; `error` set when the worker failed the request. */
export type Reply = Record<string, unknown> & { error?: string };

export class LineWorker {
  private readonly child: ChildProcess;
  private readonly replies: string[] = [];
  private waiting: ((line: string | null) => void) | null = null;
  private stderr = '';
  private exited = false;

  constructor(
    readonly label: string,
    command: string,
    args: readonly string[],
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.child = spawn(command, args, { env, stdio: 'pipe' });
    this.child.stderr?.on('data', (d: Buffer) => {
      this.stderr = tail(this.stderr + d.toString(), 40);
    });
    const lines = createInterface({ input: this.child.stdout! });
    lines.on('line', (line) => this.deliver(line));
    this.child.on('close', () => {
      this.exited = true;
      this.deliver(null);
    });
    this.child.on('error', (e) => {
      this.stderr += `\n${e.message}`;
    });
  }

  private deliver(line: string | null): void {
    const resolve = this.waiting;
    this.waiting = null;
    if (resolve) resolve(line);
    else if (line !== null) this.replies.push(line);
  }

  private next(): Promise<string | null> {
    const ready = this.replies.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    if (this.exited) return Promise.resolve(null);
    return new Promise((resolve) => (this.waiting = resolve));
  }

  /**
   * Sends one request; resolves to its reply, rejects on an error. With
   * `timeoutMs`, a worker that has not replied by then is killed.
   */
  async request(message: object, timeoutMs = Infinity): Promise<Reply> {
    if (this.exited) throw new Error(this.failure('had exited'));
    this.child.stdin!.write(`${JSON.stringify(message)}\n`);
    let timedOut = false;
    const timer = Number.isFinite(timeoutMs)
      ? setTimeout(() => {
          timedOut = true;
          this.child.kill('SIGKILL');
        }, timeoutMs)
      : undefined;
    const line = await this.next();
    clearTimeout(timer);
    if (timedOut) {
      throw new Error(
        this.failure(`gave no reply in ${(timeoutMs / 1e3).toFixed(0)} s`),
      );
    }
    if (line === null) throw new Error(this.failure('exited'));
    const reply = JSON.parse(line) as Reply;
    if (reply.error !== undefined) {
      throw new Error(`${this.label}: ${reply.error}`);
    }
    return reply;
  }

  private failure(what: string): string {
    const code = this.child.exitCode ?? this.child.signalCode;
    return `${this.label} ${what} (${code}): ${tail(this.stderr)}`;
  }

  /** Asks the worker to quit and waits for it (killing it after 10 s). */
  async close(): Promise<void> {
    if (this.exited) return;
    const done = new Promise<void>((resolve) =>
      this.child.once('close', () => resolve()),
    );
    this.child.stdin!.write(`${JSON.stringify({ cmd: 'quit' })}\n`);
    this.child.stdin!.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await done;
    clearTimeout(timer);
  }
}

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

/**
 * Starts our side (`ours-worker.ts`) with `threads` WebAssembly threads.
 */
export function startOurSide(threads: number): LineWorker {
  const env = { ...process.env, ACSM_WASM_THREADS: String(threads) };
  const args = ['--import', 'tsx', here('./ours-worker.ts')];
  return new LineWorker('ours', process.execPath, args, env);
}

/**
 * Starts the PyTorch side (`torch_side.py`) with `threads` threads, under
 * ACSM_BENCH_PYTHON or Debian's /usr/bin/python3.
 */
export function startTorchSide(threads: number): LineWorker {
  const python = process.env.ACSM_BENCH_PYTHON || DEFAULT_PYTHON;
  const args = [here('./torch_side.py'), String(threads)];
  return new LineWorker('PyTorch', python, args);
}

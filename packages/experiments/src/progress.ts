/**
 * Progress for long phases: a redrawn bar with rate and ETA on a terminal,
 * plain lines (at most one per `plainEverySeconds`) otherwise.
 */
export interface Progress {
  tick(done: number, info?: string): void;
  finish(info?: string): void;
}

export interface ProgressOptions {
  stream?: NodeJS.WriteStream;
  /** Seconds between plain lines when not a TTY (default 10). */
  plainEverySeconds?: number;
  now?: () => number;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  const mm = String(m).padStart(h ? 2 : 1, '0');
  return h
    ? `${h}:${mm}:${String(r).padStart(2, '0')}`
    : `${mm}:${String(r).padStart(2, '0')}`;
}

/** A progress update that a shard of --jobs sends to its parent. */
export interface ProgressMessage {
  acsmProgress: {
    /** Bar fraction in [0, 1]; null once the phase has finished. */
    fraction: number | null;
    /** The line without a bar, as a plain progress line would read. */
    text: string;
  };
}

/** Seconds between progress messages of a shard to its parent. */
const MESSAGE_EVERY_SECONDS = 0.5;

/**
 * In a shard started by --jobs (an IPC channel to the parent and
 * ACSM_SHARD_CHILD set), progress goes to the parent as messages, which
 * draws one line per shard.
 */
function parentChannel(): ((m: ProgressMessage) => void) | null {
  if (!process.env.ACSM_SHARD_CHILD || !process.send) return null;
  return (m) => process.send?.(m);
}

/**
 * Seconds left at the rate since the first tick (work done before it,
 * e.g. a resumed run's steps, is not part of the rate); undefined until
 * a later tick has measured a rate.
 */
function etaFromFirstTick(total: number, now: () => number) {
  let first: { done: number; at: number } | undefined;
  return (done: number): number | undefined => {
    first ??= { done, at: now() };
    const seconds = now() - first.at;
    if (done <= first.done || !(seconds > 0)) return undefined;
    return (seconds / (done - first.done)) * (total - done);
  };
}

export function createProgress(
  label: string,
  total: number,
  options: ProgressOptions = {},
): Progress {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? (() => performance.now() / 1000);
  const tty = Boolean(stream.isTTY);
  const start = now();
  let lastPlain = -Infinity;
  const eta = etaFromFirstTick(total, now);
  const line = (done: number, info = '', bars = tty) => {
    const elapsed = now() - start;
    const left = eta(done);
    const pct = total > 0 ? Math.floor((100 * done) / total) : 100;
    const bar = bars ? ` ${renderBar(done / Math.max(total, 1))}` : '';
    const etaText = left === undefined ? '' : `, ETA ${formatDuration(left)}`;
    return `${label}${bar} ${done}/${total} ${pct}% ${formatDuration(elapsed)} elapsed${etaText}${info ? `  ${info}` : ''}`;
  };
  const doneLine = (info?: string) =>
    `${label} done: ${total}/${total} in ${formatDuration(now() - start)}${info ? `  ${info}` : ''}`;
  const send = options.stream ? null : parentChannel();
  if (send) {
    let lastSent = -Infinity;
    return {
      tick(done, info) {
        if (now() - lastSent < MESSAGE_EVERY_SECONDS) return;
        lastSent = now();
        const fraction = done / Math.max(total, 1);
        send({ acsmProgress: { fraction, text: line(done, info, false) } });
      },
      finish(info) {
        send({ acsmProgress: { fraction: null, text: doneLine(info) } });
      },
    };
  }
  return {
    tick(done, info) {
      if (tty) stream.write(`\r\x1b[K${line(done, info)}`);
      else if (now() - lastPlain >= (options.plainEverySeconds ?? 10)) {
        lastPlain = now();
        stream.write(`${line(done, info)}\n`);
      }
    },
    finish(info) {
      const text = doneLine(info);
      stream.write(tty ? `\r\x1b[K${text}\n` : `${text}\n`);
    },
  };
}

export function renderBar(fraction: number, width = 24): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

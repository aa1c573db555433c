/** The CLI's logger: timestamps on stderr; results go to stdout. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** Results meant for the reader (the table): stdout, no prefix. */
  result(text: string): void;
}

export function createLogger(
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Logger {
  const stamp = () => new Date().toISOString().slice(11, 19);
  return {
    info: (m) => err.write(`[${stamp()}] ${m}\n`),
    warn: (m) => err.write(`[${stamp()}] warning: ${m}\n`),
    error: (m) => err.write(`[${stamp()}] error: ${m}\n`),
    result: (t) => out.write(`${t}\n`),
  };
}

/**
 * What a command needs from the outside world, so tests can run main() in-process: output
 * streams, whether stderr is a terminal (progress bar or plain lines), the clock, and a hook
 * that stops a batch after K devices (to test resumption).
 *
 * Failures are CliErrors: one line on stderr, a non-zero exit code (2 for a wrong use of the
 * command line, 1 for everything else). Messages name files and serials, never key bytes.
 */
export interface Io {
  /** A line of results (stdout). */
  out(line: string): void;
  /** A line of diagnostics (stderr). */
  err(line: string): void;
  /** Raw progress output (stderr), for the bar on a terminal. */
  progress(text: string): void;
  /** Whether stderr is a terminal. */
  isTTY: boolean;
  /** Wall time in seconds. */
  now(): number;
  /** Test hook: a batch stops (as if killed) after this many new devices. */
  stopAfter?: number;
}

export class CliError {
  readonly name = 'CliError';
  constructor(readonly message: string, readonly exitCode: number) {}
}

/** A wrong use of the command line (exit 2). */
export function usage(message: string): never {
  throw new CliError(message, 2);
}

/** Anything else that stops a command (exit 1). */
export function failure(message: string): never {
  throw new CliError(message, 1);
}

export function processIo(): Io {
  return {
    out: (line) => { process.stdout.write(line + '\n'); },
    err: (line) => { process.stderr.write(line + '\n'); },
    progress: (text) => { process.stderr.write(text); },
    isTTY: process.stderr.isTTY === true,
    now: () => Date.now() / 1000,
  };
}

/**
 * Where a command writes and what it may read of the process: injected so tests can capture
 * output and pass an environment without touching the real process.
 */
export interface Io {
  readonly stdout: { write(text: string): unknown; isTTY?: boolean };
  readonly stderr: { write(text: string): unknown; isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

export const processIo = (): Io => ({
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});

/** Exit codes, documented in the README. */
export const ExitCode = {
  ok: 0,
  failed: 1,
  invalid: 2,
  /** Consents the run needs are missing (or nobody is logged in): `transflow consent` fixes it. */
  consentRequired: 3,
} as const;

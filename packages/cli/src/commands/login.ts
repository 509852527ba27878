/**
 * `transflow login [--client-id ID] [--no-local-server] [--scope S ...]`: a person's Globus login
 * (native app, PKCE) whose tokens are stored for later commands. Exit 0 logged in; 2 usage (no
 * client id, bad scope); 3 the login was refused or never completed; 1 anything else.
 */
import { identityVariableBeforeStore, runLogin } from "@transflow/runner";
import { ExitCode, type Io } from "../Io.ts";
import { lineReader, reportAuthError, reportLogin, showLoginUrl } from "./loginFlow.ts";

export interface LoginCommandOptions {
  readonly clientId?: string;
  /** Commander's `--no-local-server`: false when given. */
  readonly localServer?: boolean;
  readonly scope?: readonly string[];
}

/** Runs a login asking for the base scopes, `scopes`, and everything already consented to. */
export const loginWith = async (
  io: Io,
  options: LoginCommandOptions,
  scopes: readonly string[],
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<number> => {
  const localServer = options.localServer !== false;
  // Only the paste mode reads stdin; opening it otherwise would keep the process alive.
  const lines = localServer ? undefined : lineReader(stdin);
  try {
    const outcome = await runLogin({
      env: io.env,
      clientId: options.clientId,
      scopes,
      localServer,
      showUrl: showLoginUrl(io, localServer),
      ...(lines === undefined ? {} : { readLine: lines.readLine }),
    });
    if (!outcome.ok) return reportAuthError(io, outcome.error);
    reportLogin(io, outcome.value, identityVariableBeforeStore(io.env));
    return ExitCode.ok;
  } finally {
    lines?.close();
  }
};

export const loginCommand = (io: Io, options: LoginCommandOptions): Promise<number> =>
  loginWith(io, options, options.scope ?? []);

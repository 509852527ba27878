/**
 * What `login` and `consent` share: showing the authorize URL (and opening a browser when a
 * display is there), reading a pasted code from stdin, and the exit code and message of every
 * auth error. Token values never pass through here.
 */
import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { createInterface } from "node:readline";
import type { AuthCommandError, LoginResult } from "@transflow/runner";
import { ExitCode, type Io } from "../Io.ts";
import { makeStyle } from "../render/Style.ts";

/** Exit code of an auth failure: 3 when a (new) login is needed or was refused, 2 for usage. */
export const exitCodeOfAuthError = (error: AuthCommandError): number => {
  switch (error._tag) {
    case "LoginRequiredError":
    case "LoginFailedError":
    case "AuthenticationError":
      return ExitCode.consentRequired;
    case "NativeClientMissingError":
    case "InvalidScopeError":
    case "GlobusConfigError":
    case "CredentialsError":
      return ExitCode.invalid;
    case "OAuthError":
    case "GlobusApiError":
    case "ConsentRequiredError":
    case "GlobusUnavailableError":
    case "GlobusResponseError":
    case "TokenFileInsecureError":
    case "TokenFileError":
      return ExitCode.failed;
  }
};

/** Writes the error's message to stderr and returns its exit code. */
export const reportAuthError = (io: Io, error: AuthCommandError): number => {
  const err = makeStyle(io.stderr, io.env);
  io.stderr.write(`${err.red("error")}: ${error.message}\n`);
  return exitCodeOfAuthError(error);
};

/** Whether `command` is an executable on PATH. */
const onPath = (command: string, env: Io["env"]): boolean =>
  (env.PATH ?? "").split(delimiter).some((folder) => {
    try {
      accessSync(join(folder, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });

/** Opens `url` with xdg-open when there is a display; failures are silent (the URL is printed). */
const openBrowser = (url: string, env: Io["env"]): boolean => {
  if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return false;
  if (!onPath("xdg-open", env)) return false;
  try {
    const child = spawn("xdg-open", [url], { detached: true, stdio: "ignore" });
    child.on("error", () => undefined);
    child.unref();
    return true;
  } catch {
    return false;
  }
};

/** Prints the authorize URL and what happens next, on stderr (stdout stays for results). */
export const showLoginUrl =
  (io: Io, localServer: boolean) =>
  (url: string, redirectUri: string): void => {
    const err = makeStyle(io.stderr, io.env);
    const opened = openBrowser(url, io.env);
    io.stderr.write(
      `${opened ? "Opening a browser to log in to Globus. If none opens, visit" : "Log in to Globus in a browser at"} this URL${localServer ? "" : " (on any machine)"}:\n\n  ${url}\n\n`,
    );
    io.stderr.write(
      localServer
        ? `${err.dim(`Waiting for Globus to send the browser back to ${redirectUri} (Ctrl-C gives up; --no-local-server pastes a code instead)…`)}\n`
        : "Then paste the authorization code Globus shows and press Enter:\n",
    );
  };

/** Lines of `stream`, one per call; undefined at the end. `close` lets the process exit. */
export const lineReader = (stream: NodeJS.ReadableStream) => {
  const lines = createInterface({ input: stream, terminal: false });
  const iterator = lines[Symbol.asyncIterator]();
  return {
    readLine: async (): Promise<string | undefined> => {
      const next = await iterator.next();
      return next.done === true ? undefined : next.value;
    },
    close: () => lines.close(),
  };
};

/** The success lines of a login, on stdout. */
export const reportLogin = (io: Io, result: LoginResult, shadowedBy: string | undefined): void => {
  const out = makeStyle(io.stdout, io.env);
  io.stdout.write(
    `${out.green("✓")} logged in with client ${result.clientId}: tokens for ${result.resourceServers.join(", ")} stored in ${result.location}\n`,
  );
  io.stdout.write(`  consented scope: ${result.requestedScope}\n`);
  if (shadowedBy !== undefined) {
    const err = makeStyle(io.stderr, io.env);
    io.stderr.write(
      `${err.yellow("note")}: ${shadowedBy} is set, so transflow acts as that identity, not this login, until it is unset\n`,
    );
  }
};

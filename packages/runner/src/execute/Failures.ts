/**
 * What a failure that stops `run`, `wait`, `status` or `cancel` means for the user: one exit code
 * and one next step per kind of failure, shared so every command answers alike.
 */
import { isRetryable } from "../globus/GlobusErrors.ts";

/** Exit codes of `run`, `wait` and friends (documented in the README). */
export const RunExitCode = {
  succeeded: 0,
  failed: 1,
  invalid: 2,
  actionRequired: 3,
  globusUnavailable: 4,
  interrupted: 130,
} as const;

/** A tagged error, as the runner's services fail with. */
export interface TaggedFailure {
  readonly _tag: string;
  readonly message: string;
}

const CONFIG_TAGS = new Set(["GlobusConfigError", "CredentialsError", "RunNotFoundError"]);

/** Failures a login or a consent fixes. */
export const LOGIN_TAGS = new Set([
  "LoginRequiredError",
  "AuthenticationError",
  "OAuthError",
  "ConsentRequiredError",
]);

/** The exit code of a failure. */
export const failureExitCode = (error: TaggedFailure): number =>
  CONFIG_TAGS.has(error._tag)
    ? RunExitCode.invalid
    : // Out of retries on a transient failure (no answer, or 429/5xx every time): Globus is down.
      error._tag === "GlobusUnavailableError" || isRetryable(error)
      ? RunExitCode.globusUnavailable
      : LOGIN_TAGS.has(error._tag)
        ? RunExitCode.actionRequired
        : RunExitCode.failed;

/** What to do next about a failure, when there is something to say. */
export const failureHint = (error: TaggedFailure): string | undefined => {
  if (failureExitCode(error) === RunExitCode.globusUnavailable) {
    return "Globus did not answer after several retries: run the same command again later; the run resumes where it stopped";
  }
  switch (error._tag) {
    case "LoginRequiredError":
    case "AuthenticationError":
      return "log in (transflow login) or set TRANSFLOW_CLIENT_ID and TRANSFLOW_CLIENT_SECRET";
    case "JournalCorruptError":
      return "the run's journal is damaged: add --fresh to start a new run (check Globus's Activity page for tasks it had started)";
    case "RunLockedError":
      return "another transflow process is driving this run: wait for it, or stop it";
    default:
      return undefined;
  }
};

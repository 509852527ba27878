/**
 * `transflow logout`: revokes every stored token of the configured Globus environment at Globus
 * Auth, then deletes them. Exit 0 done (or nothing stored); 1 some revocation failed (those tokens
 * are kept so logout can be retried).
 */
import { identityVariableBeforeStore, runLogout } from "@transflow/runner";
import { ExitCode, type Io } from "../Io.ts";
import { makeStyle } from "../render/Style.ts";
import { reportAuthError } from "./loginFlow.ts";

export const logoutCommand = async (io: Io): Promise<number> => {
  const outcome = await runLogout(io.env);
  if (!outcome.ok) return reportAuthError(io, outcome.error);
  const { revoked, failed, location } = outcome.value;
  const out = makeStyle(io.stdout, io.env);
  const err = makeStyle(io.stderr, io.env);
  if (revoked.length === 0 && failed.length === 0) {
    io.stdout.write(`not logged in: no tokens stored in ${location}\n`);
  } else if (revoked.length > 0) {
    io.stdout.write(
      `${out.green("✓")} logged out: revoked the tokens for ${revoked.join(", ")} at Globus Auth and deleted them from ${location}\n`,
    );
  }
  for (const failure of failed) {
    io.stderr.write(
      `${err.red("error")}: could not revoke the tokens for ${failure.resourceServer}: ${failure.message}; they are kept, run transflow logout again\n`,
    );
  }
  const variable = identityVariableBeforeStore(io.env);
  if (variable !== undefined) {
    io.stderr.write(
      `${err.yellow("note")}: ${variable} is still set in the environment; logout does not touch it\n`,
    );
  }
  return failed.length > 0 ? ExitCode.failed : ExitCode.ok;
};

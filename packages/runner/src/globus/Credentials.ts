/**
 * Which identity transflow acts as, read from an environment record: a confidential client's id
 * and secret, or a user's refresh token with its client id. When the environment names neither,
 * `identityTokensLayer` (auth/StoredAuthTokens.ts) falls back to `transflow login`'s stored tokens.
 */
import { Data, Either, Redacted } from "effect";

/** Where tokens come from. */
export type CredentialSource =
  | {
      /** A confidential client acting as itself (client_credentials grant). */
      readonly kind: "client";
      readonly clientId: string;
      readonly clientSecret: Redacted.Redacted<string>;
      /** The variable the client id came from, for messages. */
      readonly clientIdVariable: string;
    }
  | {
      /** A user, through a refresh token issued to `clientId` (a native app: no secret). */
      readonly kind: "refreshToken";
      readonly clientId: string;
      readonly refreshToken: Redacted.Redacted<string>;
    }
  | { readonly kind: "none" };

/** Half of a credential is set: one variable is there, its partner is not. */
export class CredentialsError extends Data.TaggedError("CredentialsError")<{
  /** The variable that is set. */
  readonly present: string;
  /** The variable that must be set with it. */
  readonly missing: string;
  /** What else would make the environment usable. */
  readonly alternative: string | undefined;
}> {
  override get message(): string {
    const alternative = this.alternative === undefined ? "" : `, ${this.alternative}`;
    return `${this.present} is set but ${this.missing} is not: set ${this.missing}${alternative}, or unset ${this.present}`;
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** A variable's value, with empty and blank values counting as unset. */
const read = (env: Env, name: string): string | undefined => {
  const value = env[name]?.trim();
  return value === undefined || value === "" ? undefined : value;
};

/**
 * The credential source an environment describes, in this order: a client id + secret
 * (`TRANSFLOW_CLIENT_ID`/`TRANSFLOW_CLIENT_SECRET`, else globus-cli's `GLOBUS_CLI_CLIENT_ID`/
 * `GLOBUS_CLI_CLIENT_SECRET`); else `TRANSFLOW_REFRESH_TOKEN` with `TRANSFLOW_NATIVE_CLIENT_ID`
 * (or `TRANSFLOW_CLIENT_ID` without a secret); else none. A half-set pair is an error.
 */
export const credentialsFromEnv = (env: Env): Either.Either<CredentialSource, CredentialsError> => {
  const clientId = read(env, "TRANSFLOW_CLIENT_ID");
  const clientSecret = read(env, "TRANSFLOW_CLIENT_SECRET");
  const cliId = read(env, "GLOBUS_CLI_CLIENT_ID");
  const cliSecret = read(env, "GLOBUS_CLI_CLIENT_SECRET");
  const refreshToken = read(env, "TRANSFLOW_REFRESH_TOKEN");
  const nativeId = read(env, "TRANSFLOW_NATIVE_CLIENT_ID");
  const half = (present: string, missing: string, alternative?: string) =>
    Either.left(new CredentialsError({ present, missing, alternative }));

  if (clientId !== undefined && clientSecret !== undefined) {
    return Either.right({
      kind: "client",
      clientId,
      clientSecret: Redacted.make(clientSecret),
      clientIdVariable: "TRANSFLOW_CLIENT_ID",
    });
  }
  if (clientSecret !== undefined) return half("TRANSFLOW_CLIENT_SECRET", "TRANSFLOW_CLIENT_ID");
  if (cliId !== undefined && cliSecret !== undefined) {
    return Either.right({
      kind: "client",
      clientId: cliId,
      clientSecret: Redacted.make(cliSecret),
      clientIdVariable: "GLOBUS_CLI_CLIENT_ID",
    });
  }
  if (cliId !== undefined) return half("GLOBUS_CLI_CLIENT_ID", "GLOBUS_CLI_CLIENT_SECRET");
  if (cliSecret !== undefined) return half("GLOBUS_CLI_CLIENT_SECRET", "GLOBUS_CLI_CLIENT_ID");
  if (refreshToken !== undefined) {
    const id = nativeId ?? clientId;
    if (id === undefined) return half("TRANSFLOW_REFRESH_TOKEN", "TRANSFLOW_NATIVE_CLIENT_ID");
    return Either.right({
      kind: "refreshToken",
      clientId: id,
      refreshToken: Redacted.make(refreshToken),
    });
  }
  if (clientId !== undefined) {
    return half(
      "TRANSFLOW_CLIENT_ID",
      "TRANSFLOW_CLIENT_SECRET",
      "or TRANSFLOW_REFRESH_TOKEN to act as a user of that client",
    );
  }
  return Either.right({ kind: "none" });
};

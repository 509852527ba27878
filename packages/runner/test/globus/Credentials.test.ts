import { Either, Redacted } from "effect";
import { describe, expect, it } from "vitest";
import { credentialsFromEnv } from "../../src/globus/Credentials.ts";

const source = (env: Record<string, string>) => {
  const result = Either.getOrThrow(credentialsFromEnv(env));
  return result.kind === "none"
    ? result
    : result.kind === "client"
      ? { ...result, clientSecret: Redacted.value(result.clientSecret) }
      : { ...result, refreshToken: Redacted.value(result.refreshToken) };
};
const failure = (env: Record<string, string>) =>
  Either.getOrThrow(Either.flip(credentialsFromEnv(env)));

describe("credentialsFromEnv", () => {
  it("takes TRANSFLOW_CLIENT_ID + TRANSFLOW_CLIENT_SECRET as a client", () => {
    expect(
      source({
        TRANSFLOW_CLIENT_ID: "id",
        TRANSFLOW_CLIENT_SECRET: "secret",
        TRANSFLOW_REFRESH_TOKEN: "rt",
        TRANSFLOW_NATIVE_CLIENT_ID: "native",
        GLOBUS_CLI_CLIENT_ID: "cli",
      }),
    ).toEqual({
      kind: "client",
      clientId: "id",
      clientSecret: "secret",
      clientIdVariable: "TRANSFLOW_CLIENT_ID",
    });
  });

  it("accepts globus-cli's GLOBUS_CLI_CLIENT_ID + GLOBUS_CLI_CLIENT_SECRET", () => {
    expect(source({ GLOBUS_CLI_CLIENT_ID: "cli", GLOBUS_CLI_CLIENT_SECRET: "s" })).toEqual({
      kind: "client",
      clientId: "cli",
      clientSecret: "s",
      clientIdVariable: "GLOBUS_CLI_CLIENT_ID",
    });
  });

  it("takes a refresh token with TRANSFLOW_NATIVE_CLIENT_ID, else TRANSFLOW_CLIENT_ID", () => {
    expect(
      source({
        TRANSFLOW_REFRESH_TOKEN: "rt",
        TRANSFLOW_NATIVE_CLIENT_ID: "native",
        TRANSFLOW_CLIENT_ID: "id",
      }),
    ).toEqual({
      kind: "refreshToken",
      clientId: "native",
      refreshToken: "rt",
    });
    expect(source({ TRANSFLOW_REFRESH_TOKEN: "rt", TRANSFLOW_CLIENT_ID: "id" })).toEqual({
      kind: "refreshToken",
      clientId: "id",
      refreshToken: "rt",
    });
  });

  it("finds no identity in an empty environment, or with blank values or only a native client id", () => {
    expect(source({})).toEqual({ kind: "none" });
    expect(source({ TRANSFLOW_CLIENT_ID: " ", TRANSFLOW_CLIENT_SECRET: "" })).toEqual({
      kind: "none",
    });
    expect(source({ TRANSFLOW_NATIVE_CLIENT_ID: "native" })).toEqual({ kind: "none" });
  });

  it.each([
    [{ TRANSFLOW_CLIENT_SECRET: "s" }, "TRANSFLOW_CLIENT_SECRET", "TRANSFLOW_CLIENT_ID"],
    [{ TRANSFLOW_CLIENT_ID: "id" }, "TRANSFLOW_CLIENT_ID", "TRANSFLOW_CLIENT_SECRET"],
    [{ GLOBUS_CLI_CLIENT_ID: "id" }, "GLOBUS_CLI_CLIENT_ID", "GLOBUS_CLI_CLIENT_SECRET"],
    [{ GLOBUS_CLI_CLIENT_SECRET: "s" }, "GLOBUS_CLI_CLIENT_SECRET", "GLOBUS_CLI_CLIENT_ID"],
    [{ TRANSFLOW_REFRESH_TOKEN: "rt" }, "TRANSFLOW_REFRESH_TOKEN", "TRANSFLOW_NATIVE_CLIENT_ID"],
  ])("refuses a half-set pair %j", (env, present, missing) => {
    const error = failure(env);
    expect(error._tag).toBe("CredentialsError");
    expect(error.present).toBe(present);
    expect(error.missing).toBe(missing);
    expect(error.message).toContain(`${present} is set but ${missing} is not`);
    for (const value of Object.values(env)) expect(error.message).not.toContain(`=${value}`);
  });

  it("suggests a refresh token when only TRANSFLOW_CLIENT_ID is set", () => {
    expect(failure({ TRANSFLOW_CLIENT_ID: "id" }).message).toBe(
      "TRANSFLOW_CLIENT_ID is set but TRANSFLOW_CLIENT_SECRET is not: set TRANSFLOW_CLIENT_SECRET, or TRANSFLOW_REFRESH_TOKEN to act as a user of that client, or unset TRANSFLOW_CLIENT_ID",
    );
  });
});

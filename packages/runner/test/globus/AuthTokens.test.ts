import { describe, expect, it } from "@effect/vitest";
import { TRANSFER_ALL_SCOPE } from "@transflow/core";
import { Effect, Exit, Layer, Redacted, TestClock } from "effect";
import { AuthApi } from "../../src/globus/AuthApi.ts";
import { AuthTokens } from "../../src/globus/AuthTokens.ts";
import {
  CLIENT_ID,
  CLIENT_SECRET,
  clientEnv,
  type FakeHttp,
  type Handler,
  httpLayer,
  makeFakeHttp,
  tokenResponse,
} from "./support.ts";

const TRANSFER = "transfer.api.globus.org";
const TOKEN_PATH = "/v2/oauth2/token";
const DATA_ACCESS = `${TRANSFER_ALL_SCOPE}[*https://auth.globus.org/scopes/c0ffee00-0000-4000-8000-000000000002/data_access]`;

/** Numbered tokens: the n-th grant hands out `token-n`. */
const numberedTokens =
  (overrides: Parameters<typeof tokenResponse>[1] = {}): Handler =>
  (_, attempt) => ({ status: 200, json: tokenResponse(`token-${attempt}`, overrides) });

const withTokens = <A, E>(
  handler: Handler,
  env: Record<string, string>,
  use: (tokens: AuthTokens["Type"], fake: FakeHttp) => Effect.Effect<A, E>,
) =>
  Effect.gen(function* () {
    const fake = yield* makeFakeHttp(handler);
    const layer = AuthTokens.layerFromEnv(env).pipe(
      Layer.provide(AuthApi.layer),
      Layer.provide(httpLayer(fake)),
    );
    return yield* Effect.flatMap(AuthTokens, (tokens) => use(tokens, fake)).pipe(
      Effect.provide(layer),
    );
  });

const value = (token: Redacted.Redacted<string>) => Redacted.value(token);

describe("AuthTokens for a client", () => {
  it.effect("gets a token once and reuses it until 60 s before it expires", () =>
    withTokens(numberedTokens({ expires_in: 3600 }), clientEnv, (tokens, fake) =>
      Effect.gen(function* () {
        expect(tokens.identity).toBe("client");
        expect(value(yield* tokens.accessTokenFor(TRANSFER))).toBe("token-1");
        yield* TestClock.adjust("3539 seconds");
        expect(value(yield* tokens.accessTokenFor(TRANSFER))).toBe("token-1");
        yield* TestClock.adjust("1 second");
        expect(value(yield* tokens.accessTokenFor(TRANSFER))).toBe("token-2");
        expect(yield* fake.count(TOKEN_PATH)).toBe(2);
        const [first] = yield* fake.requests.get;
        expect(new URLSearchParams(first?.body).get("scope")).toBe(TRANSFER_ALL_SCOPE);
      }),
    ),
  );

  it.effect("uses a token shorter-lived than the margin for half its life", () =>
    withTokens(numberedTokens({ expires_in: 30 }), clientEnv, (tokens) =>
      Effect.gen(function* () {
        expect(value(yield* tokens.accessTokenFor(TRANSFER))).toBe("token-1");
        yield* TestClock.adjust("14 seconds");
        expect(value(yield* tokens.accessTokenFor(TRANSFER))).toBe("token-1");
        yield* TestClock.adjust("1 second");
        expect(value(yield* tokens.accessTokenFor(TRANSFER))).toBe("token-2");
      }),
    ),
  );

  it.effect("shares one token request among 20 concurrent callers", () =>
    withTokens(numberedTokens(), clientEnv, (tokens, fake) =>
      Effect.gen(function* () {
        const got = yield* Effect.all(
          Array.from({ length: 20 }, () => tokens.accessTokenFor(TRANSFER)),
          { concurrency: "unbounded" },
        );
        expect(new Set(got.map(value))).toEqual(new Set(["token-1"]));
        expect(yield* fake.count(TOKEN_PATH)).toBe(1);
      }),
    ),
  );

  it.effect("invalidates only the token that was rejected", () =>
    withTokens(numberedTokens(), clientEnv, (tokens, fake) =>
      Effect.gen(function* () {
        const first = yield* tokens.accessTokenFor(TRANSFER);
        yield* tokens.invalidate(TRANSFER, first);
        const second = yield* tokens.accessTokenFor(TRANSFER);
        expect(value(second)).toBe("token-2");
        // A caller still holding token-1 reports its 401 late: token-2 stays.
        yield* tokens.invalidate(TRANSFER, first);
        expect(value(yield* tokens.accessTokenFor(TRANSFER))).toBe("token-2");
        yield* tokens.invalidate(TRANSFER);
        expect(value(yield* tokens.accessTokenFor(TRANSFER))).toBe("token-3");
        expect(yield* fake.count(TOKEN_PATH)).toBe(3);
      }),
    ),
  );

  it.effect("requests a dependent scope, records it as granted and renews with it", () =>
    withTokens(numberedTokens({ expires_in: 600 }), clientEnv, (tokens, fake) =>
      Effect.gen(function* () {
        expect(yield* tokens.grantedScopes).toEqual([TRANSFER_ALL_SCOPE]);
        yield* tokens.requestScope(DATA_ACCESS);
        expect(yield* tokens.grantedScopes).toEqual([TRANSFER_ALL_SCOPE, DATA_ACCESS]);
        expect(value(yield* tokens.accessTokenFor(TRANSFER))).toBe("token-2");
        yield* TestClock.adjust("10 minutes");
        expect(value(yield* tokens.accessTokenFor(TRANSFER))).toBe("token-3");
        const scopes = (yield* fake.requests.get).map((r) =>
          new URLSearchParams(r.body).get("scope"),
        );
        expect(scopes).toEqual([TRANSFER_ALL_SCOPE, DATA_ACCESS, DATA_ACCESS]);
      }),
    ),
  );

  it.effect("fails with the token endpoint's refusal, without the secret", () =>
    withTokens(
      () => ({ status: 401, json: { error: "invalid_client" } }),
      clientEnv,
      (tokens) =>
        Effect.gen(function* () {
          const error = yield* Effect.flip(tokens.accessTokenFor(TRANSFER));
          expect(error._tag).toBe("AuthenticationError");
          for (const text of [error.message, String(error), JSON.stringify(error)]) {
            expect(text).not.toContain(CLIENT_SECRET);
          }
        }),
    ),
  );

  it.effect("knows no scope to ask for an unfamiliar resource server", () =>
    withTokens(numberedTokens(), clientEnv, (tokens) =>
      Effect.gen(function* () {
        const error = yield* Effect.flip(tokens.accessTokenFor("flows.globus.org"));
        expect(error._tag).toBe("LoginRequiredError");
        expect(error.message).toContain("flows.globus.org");
      }),
    ),
  );
});

describe("AuthTokens for a user", () => {
  const userEnv = {
    TRANSFLOW_REFRESH_TOKEN: "first-refresh-token",
    TRANSFLOW_NATIVE_CLIENT_ID: CLIENT_ID,
  };

  it.effect("refreshes, keeps a rotated refresh token, and reports the refreshed scope", () =>
    withTokens(
      (_, attempt) => ({
        status: 200,
        json: tokenResponse(`token-${attempt}`, {
          expires_in: 120,
          scope: `${TRANSFER_ALL_SCOPE} extra:scope`,
          refresh_token: `rotated-${attempt}`,
        }),
      }),
      userEnv,
      (tokens, fake) =>
        Effect.gen(function* () {
          expect(tokens.identity).toBe("user");
          expect(yield* tokens.grantedScopes).toEqual([TRANSFER_ALL_SCOPE, "extra:scope"]);
          expect(value(yield* tokens.accessTokenFor(TRANSFER))).toBe("token-1");
          yield* TestClock.adjust("61 seconds");
          expect(value(yield* tokens.accessTokenFor(TRANSFER))).toBe("token-2");
          const sent = (yield* fake.requests.get).map((r) =>
            Object.fromEntries(new URLSearchParams(r.body)),
          );
          expect(sent).toEqual([
            {
              grant_type: "refresh_token",
              refresh_token: "first-refresh-token",
              client_id: CLIENT_ID,
            },
            { grant_type: "refresh_token", refresh_token: "rotated-1", client_id: CLIENT_ID },
          ]);
        }),
    ),
  );

  it.effect("says when the refresh token is for another resource server", () =>
    withTokens(
      numberedTokens({ resource_server: "auth.globus.org", scope: "openid" }),
      userEnv,
      (tokens) =>
        Effect.gen(function* () {
          const first = yield* Effect.flip(tokens.accessTokenFor(TRANSFER));
          expect(first._tag).toBe("LoginRequiredError");
          expect(first.message).toContain("the refresh token is for auth.globus.org");
          const second = yield* Effect.flip(tokens.accessTokenFor(TRANSFER));
          expect(second.message).toContain("TRANSFLOW_REFRESH_TOKEN is for auth.globus.org");
        }),
    ),
  );

  it.effect("cannot add consent by itself", () =>
    withTokens(numberedTokens(), userEnv, (tokens) =>
      Effect.gen(function* () {
        const error = yield* Effect.flip(tokens.requestScope(DATA_ACCESS));
        expect(error._tag).toBe("LoginRequiredError");
      }),
    ),
  );
});

describe("AuthTokens without an identity", () => {
  it.effect("asks for credentials and names the variables", () =>
    withTokens(numberedTokens(), {}, (tokens, fake) =>
      Effect.gen(function* () {
        expect(tokens.identity).toBe("none");
        const error = yield* Effect.flip(tokens.accessTokenFor(TRANSFER));
        expect(error._tag).toBe("LoginRequiredError");
        expect(error.message).toContain("TRANSFLOW_CLIENT_ID and TRANSFLOW_CLIENT_SECRET");
        expect(error.message).toContain("TRANSFLOW_REFRESH_TOKEN");
        expect(yield* tokens.grantedScopes).toEqual([]);
        expect(yield* fake.count(TOKEN_PATH)).toBe(0);
      }),
    ),
  );

  it.effect("fails to build from a half-set pair", () =>
    Effect.gen(function* () {
      const fake = yield* makeFakeHttp(numberedTokens());
      const exit = yield* Effect.exit(
        Effect.provide(
          AuthTokens,
          AuthTokens.layerFromEnv({ TRANSFLOW_CLIENT_SECRET: "s" }).pipe(
            Layer.provide(AuthApi.layer),
            Layer.provide(httpLayer(fake)),
          ),
        ),
      );
      expect(Exit.isFailure(exit)).toBe(true);
      if (Exit.isFailure(exit)) expect(String(exit.cause)).toContain("CredentialsError");
    }),
  );
});

describe("AuthTokens.layerStatic", () => {
  it.effect("serves fixed tokens and records requested scopes", () =>
    Effect.gen(function* () {
      const tokens = yield* AuthTokens;
      expect(value(yield* tokens.accessTokenFor(TRANSFER))).toBe("static");
      yield* tokens.requestScope(DATA_ACCESS);
      expect(yield* tokens.grantedScopes).toEqual([TRANSFER_ALL_SCOPE, DATA_ACCESS]);
      expect((yield* Effect.flip(tokens.accessTokenFor("other")))._tag).toBe("LoginRequiredError");
    }).pipe(
      Effect.provide(
        AuthTokens.layerStatic({
          tokens: { [TRANSFER]: "static" },
          grantedScopes: [TRANSFER_ALL_SCOPE],
        }),
      ),
    ),
  );
});

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "@effect/vitest";
import { TRANSFER_ALL_SCOPE } from "@transflow/core";
import { Effect, Layer, Redacted, TestClock } from "effect";
import { identityTokensLayer, makeStoredAuthTokens } from "../../src/auth/StoredAuthTokens.ts";
import { type StoredToken, TokenStore } from "../../src/auth/TokenStore.ts";
import { AuthApi } from "../../src/globus/AuthApi.ts";
import { AuthTokens } from "../../src/globus/AuthTokens.ts";
import {
  AUTH_BASE,
  clientEnv,
  type FakeHttp,
  type Handler,
  httpLayer,
  makeFakeHttp,
  testConfig,
  tokenResponse,
} from "../globus/support.ts";

const TRANSFER = "transfer.api.globus.org";
const TOKEN_PATH = "/v2/oauth2/token";
const NATIVE = "5ad1c3f0-6e4b-4c1a-9a36-7f0d2b1e8c02";
/** What `storeEnvironment` files the fake hosts' tokens under. */
const ENVIRONMENT = AUTH_BASE;
const REQUESTED = `openid profile email ${TRANSFER_ALL_SCOPE}[*https://auth.globus.org/scopes/c0ffee00-0000-4000-8000-000000000002/data_access]`;

/** A stored Transfer token that expires `expiresInMs` after the TestClock's start (0). */
const stored = (expiresInMs: number, overrides: Partial<StoredToken> = {}): StoredToken => ({
  environment: ENVIRONMENT,
  clientId: NATIVE,
  resourceServer: TRANSFER,
  accessToken: Redacted.make("stored-access"),
  issuedAt: expiresInMs - 172_800_000,
  expiresAt: expiresInMs,
  refreshToken: Redacted.make("stored-refresh"),
  scope: TRANSFER_ALL_SCOPE,
  requestedScope: REQUESTED,
  ...overrides,
});

/** Numbered refreshed tokens: the n-th refresh hands out `refreshed-n`, valid 48 h. */
const refreshes: Handler = (_, attempt) => ({
  status: 200,
  json: tokenResponse(`refreshed-${attempt}`, { refresh_token: "stored-refresh" }),
});

const value = (token: Redacted.Redacted<string>) => Redacted.value(token);

const authLayer = (fake: FakeHttp) => AuthApi.layer.pipe(Layer.provide(httpLayer(fake)));

/** Stored tokens over `store`, with the fake token endpoint. */
const tokensOver = (fake: FakeHttp, store: Layer.Layer<TokenStore>) =>
  makeStoredAuthTokens({ environment: ENVIRONMENT, clientId: NATIVE }).pipe(
    Effect.provide(Layer.merge(authLayer(fake), store)),
  );

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "transflow-stored-"));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe("AuthTokens from the token store", () => {
  it.effect("uses the stored token until 60 s before it expires, then refreshes and stores", () =>
    Effect.gen(function* () {
      const fake = yield* makeFakeHttp(refreshes);
      const memory = TokenStore.layerMemory([stored(3_600_000)]);
      // One store instance shared by the tokens and the assertions.
      const store = yield* Effect.provide(TokenStore, memory);
      const tokens = yield* tokensOver(fake, Layer.succeed(TokenStore, store));
      expect(tokens.identity).toBe("user");
      expect(value(yield* tokens.accessTokenFor(TRANSFER))).toBe("stored-access");
      yield* TestClock.adjust("3539 seconds");
      expect(value(yield* tokens.accessTokenFor(TRANSFER))).toBe("stored-access");
      expect(yield* fake.count(TOKEN_PATH)).toBe(0);
      yield* TestClock.adjust("1 second");
      expect(value(yield* tokens.accessTokenFor(TRANSFER))).toBe("refreshed-1");
      expect(yield* fake.count(TOKEN_PATH)).toBe(1);
      const [request] = yield* fake.requests.get;
      const form = new URLSearchParams(request?.body);
      expect(form.get("grant_type")).toBe("refresh_token");
      expect(form.get("refresh_token")).toBe("stored-refresh");
      expect(form.get("client_id")).toBe(NATIVE);
      // Written back, keeping the consented scope tree and the refresh token.
      const [entry] = yield* store.load;
      expect(value(entry?.accessToken ?? Redacted.make(""))).toBe("refreshed-1");
      expect(entry?.requestedScope).toBe(REQUESTED);
      expect(entry?.expiresAt).toBe(3_540_000 + 172_800_000);
      expect(value(entry?.refreshToken ?? Redacted.make(""))).toBe("stored-refresh");
    }),
  );

  it.effect("shares one refresh among 20 concurrent callers", () =>
    Effect.gen(function* () {
      const fake = yield* makeFakeHttp(refreshes);
      const tokens = yield* tokensOver(fake, TokenStore.layerMemory([stored(0)]));
      const got = yield* Effect.all(
        Array.from({ length: 20 }, () => tokens.accessTokenFor(TRANSFER)),
        { concurrency: "unbounded" },
      );
      expect(new Set(got.map(value))).toEqual(new Set(["refreshed-1"]));
      expect(yield* fake.count(TOKEN_PATH)).toBe(1);
    }),
  );

  it.effect("several processes on one token file refresh once (the file lock orders them)", () =>
    Effect.gen(function* () {
      const fake = yield* makeFakeHttp(refreshes);
      yield* Effect.provide(
        Effect.flatMap(TokenStore, (store) =>
          store.modify(() => Effect.succeed({ result: undefined, entries: [stored(0)] })),
        ),
        TokenStore.layerAt(root),
      );
      // Four instances, each with its own store layer and cache, as four processes have.
      const processes = yield* Effect.all(
        Array.from({ length: 4 }, () => tokensOver(fake, TokenStore.layerAt(root))),
      );
      const got = yield* Effect.all(
        processes.map((tokens) => tokens.accessTokenFor(TRANSFER)),
        { concurrency: "unbounded" },
      );
      expect(new Set(got.map(value))).toEqual(new Set(["refreshed-1"]));
      expect(yield* fake.count(TOKEN_PATH)).toBe(1);
    }),
  );

  it.effect("uses a token another process refreshed meanwhile instead of refreshing again", () =>
    Effect.gen(function* () {
      const fake = yield* makeFakeHttp(refreshes);
      const memory = yield* Effect.provide(TokenStore, TokenStore.layerMemory([stored(120_000)]));
      const tokens = yield* tokensOver(fake, Layer.succeed(TokenStore, memory));
      expect(value(yield* tokens.accessTokenFor(TRANSFER))).toBe("stored-access");
      // Another process renews the token in the file.
      yield* memory.modify(() =>
        Effect.succeed({
          result: undefined,
          entries: [
            stored(172_800_000, { accessToken: Redacted.make("other-process"), issuedAt: 0 }),
          ],
        }),
      );
      yield* TestClock.adjust("61 seconds");
      expect(value(yield* tokens.accessTokenFor(TRANSFER))).toBe("other-process");
      expect(yield* fake.count(TOKEN_PATH)).toBe(0);
    }),
  );

  it.effect("refreshes after a 401 even though the token has not expired", () =>
    Effect.gen(function* () {
      const fake = yield* makeFakeHttp(refreshes);
      const tokens = yield* tokensOver(fake, TokenStore.layerMemory([stored(172_800_000)]));
      const first = yield* tokens.accessTokenFor(TRANSFER);
      yield* tokens.invalidate(TRANSFER, first);
      expect(value(yield* tokens.accessTokenFor(TRANSFER))).toBe("refreshed-1");
      expect(yield* fake.count(TOKEN_PATH)).toBe(1);
    }),
  );

  it.effect("a refused refresh token asks for a new login, without any token value", () =>
    Effect.gen(function* () {
      const fake = yield* makeFakeHttp(() => ({ status: 401, json: { error: "invalid_grant" } }));
      const tokens = yield* tokensOver(fake, TokenStore.layerMemory([stored(0)]));
      const error = yield* Effect.flip(tokens.accessTokenFor(TRANSFER));
      expect(error._tag).toBe("LoginRequiredError");
      expect(error.message).toContain("transflow login");
      expect(error.message).not.toContain("stored-refresh");
      expect(error.message).not.toContain("stored-access");
    }),
  );

  it.effect("a resource server the login did not cover asks for a new login", () =>
    Effect.gen(function* () {
      const fake = yield* makeFakeHttp(refreshes);
      const tokens = yield* tokensOver(fake, TokenStore.layerMemory([stored(172_800_000)]));
      const error = yield* Effect.flip(tokens.accessTokenFor("auth.globus.org"));
      expect(error._tag).toBe("LoginRequiredError");
      expect(error.message).toContain("no token for auth.globus.org");
    }),
  );

  it.effect("grants what the login asked for: the scope trees with data_access", () =>
    Effect.gen(function* () {
      const fake = yield* makeFakeHttp(refreshes);
      const tokens = yield* tokensOver(
        fake,
        TokenStore.layerMemory([
          stored(0),
          stored(0, { resourceServer: "auth.globus.org", scope: "openid profile email" }),
          stored(0, { clientId: "someone-else", requestedScope: "other" }),
        ]),
      );
      expect(yield* tokens.grantedScopes).toEqual([REQUESTED]);
      expect(yield* fake.count(TOKEN_PATH)).toBe(0);
      const refused = yield* Effect.flip(tokens.requestScope(TRANSFER_ALL_SCOPE));
      expect(refused.message).toContain("transflow consent");
    }),
  );
});

describe("identityTokensLayer: which identity, in order", () => {
  const identityWith = (env: Record<string, string>, entries: readonly StoredToken[]) =>
    Effect.gen(function* () {
      const fake = yield* makeFakeHttp(refreshes);
      const layer = identityTokensLayer(env).pipe(
        Layer.provide(authLayer(fake)),
        Layer.provide(testConfig()),
        Layer.provide(TokenStore.layerMemory(entries)),
      );
      return yield* Effect.provide(AuthTokens, layer);
    });

  it.effect("client credentials in the environment come before a stored login", () =>
    Effect.gen(function* () {
      expect((yield* identityWith(clientEnv, [stored(0)])).identity).toBe("client");
    }),
  );

  it.effect("TRANSFLOW_REFRESH_TOKEN comes before a stored login", () =>
    Effect.gen(function* () {
      const env = { TRANSFLOW_REFRESH_TOKEN: "r", TRANSFLOW_NATIVE_CLIENT_ID: NATIVE };
      const tokens = yield* identityWith(env, [stored(172_800_000)]);
      expect(tokens.identity).toBe("user");
      // The environment's refresh token is used, not the stored access token.
      expect(yield* tokens.grantedScopes).toEqual([TRANSFER_ALL_SCOPE]);
    }),
  );

  it.effect("the stored login when the environment names no identity", () =>
    Effect.gen(function* () {
      const tokens = yield* identityWith({}, [stored(172_800_000)]);
      expect(tokens.identity).toBe("user");
      expect(yield* tokens.grantedScopes).toEqual([REQUESTED]);
    }),
  );

  it.effect("nobody when the store has no login for this environment", () =>
    Effect.gen(function* () {
      const elsewhere = stored(172_800_000, { environment: "production" });
      const tokens = yield* identityWith({}, [elsewhere]);
      expect(tokens.identity).toBe("none");
      const error = yield* Effect.flip(tokens.accessTokenFor(TRANSFER));
      expect(error.message).toContain("transflow login");
    }),
  );
});

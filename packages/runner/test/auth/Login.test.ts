/**
 * The native-app login against the real sandbox, started in-process with auto-approval: the
 * one-shot listener, the pasted code, PKCE and state as the sandbox checks them, and what is stored.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest";
import { TRANSFER_ALL_SCOPE } from "@transflow/core";
import { defaultConfig, defaultIds, type RunningSandbox, startSandbox } from "@transflow/sandbox";
import { Effect, Layer } from "effect";
import { login, loginScope } from "../../src/auth/Login.ts";
import { makeStoredAuthTokens } from "../../src/auth/StoredAuthTokens.ts";
import { storeEnvironment, TokenStore } from "../../src/auth/TokenStore.ts";
import { AuthApi } from "../../src/globus/AuthApi.ts";
import { GlobusConfig } from "../../src/globus/GlobusConfig.ts";
import { GlobusHttp } from "../../src/globus/GlobusHttp.ts";

let sandbox: RunningSandbox;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "transflow-login-"));
  sandbox = await startSandbox(
    { ...defaultConfig, autoApprove: true },
    { port: 0, dataDir, checkResponses: true },
  );
});
afterAll(async () => {
  await sandbox?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const NATIVE = defaultIds.nativeClient;
const DATA_ACCESS = `https://auth.globus.org/scopes/${defaultIds.mappedCollection}/data_access`;

const layer = () => {
  const config = GlobusConfig.layerFromEnv({
    GLOBUS_SDK_SERVICE_URL_AUTH: sandbox.env.GLOBUS_SDK_SERVICE_URL_AUTH,
    GLOBUS_SDK_SERVICE_URL_TRANSFER: sandbox.env.GLOBUS_SDK_SERVICE_URL_TRANSFER,
  }).pipe(Layer.orDie);
  return AuthApi.layer.pipe(
    Layer.provideMerge(GlobusHttp.layerFetch),
    Layer.provideMerge(config),
    Layer.provideMerge(TokenStore.layerMemory()),
  );
};

/** Plays the browser: follows the authorize URL (auto-approved) to wherever it redirects. */
const browse = (url: string) =>
  Effect.promise(() => fetch(url).then(async (r) => ({ status: r.status, text: await r.text() })));

describe("login through the one-shot local listener", () => {
  it.live("stores every resource server's tokens with the consented scope", () =>
    Effect.gen(function* () {
      const scope = yield* loginScope([`${TRANSFER_ALL_SCOPE}[*${DATA_ACCESS}]`]);
      let shown: { url: URL; redirectUri: string } | undefined;
      const result = yield* login({
        clientId: NATIVE,
        scope,
        mode: { kind: "localServer" },
        showUrl: (url, redirectUri) =>
          Effect.gen(function* () {
            shown = { url: new URL(url), redirectUri };
            yield* Effect.forkDaemon(browse(url));
          }),
      });
      const query = shown?.url.searchParams;
      expect(shown?.redirectUri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
      expect(query?.get("code_challenge_method")).toBe("S256");
      expect(query?.get("access_type")).toBe("offline");
      expect(query?.get("state")?.length).toBeGreaterThanOrEqual(16);
      expect(query?.get("scope")).toBe(scope);
      expect(result.resourceServers.slice().sort()).toEqual([
        "auth.globus.org",
        "transfer.api.globus.org",
      ]);
      const store = yield* TokenStore;
      const entries = yield* store.load;
      expect(entries.every((e) => e.requestedScope === scope)).toBe(true);
      expect(entries.every((e) => e.refreshToken !== undefined)).toBe(true);
      expect(entries.every((e) => e.clientId === NATIVE)).toBe(true);
      // The listener answered once and is gone.
      const again = yield* Effect.either(
        Effect.tryPromise(() => fetch(shown?.redirectUri ?? "http://127.0.0.1:1/")),
      );
      expect(again._tag).toBe("Left");
      // The stored login works: userinfo with the Auth token.
      const environment = storeEnvironment(yield* GlobusConfig);
      const tokens = yield* makeStoredAuthTokens({ environment, clientId: NATIVE });
      const info = yield* (yield* AuthApi).userinfo(
        yield* tokens.accessTokenFor("auth.globus.org"),
      );
      expect(info.sub).toBe(sandbox.info.identity.id);
      expect(yield* tokens.grantedScopes).toEqual([scope]);
    }).pipe(Effect.provide(layer())),
  );

  it.live("ignores an answer with another state and takes the right one", () =>
    Effect.gen(function* () {
      const statuses: number[] = [];
      yield* login({
        clientId: NATIVE,
        scope: yield* loginScope([]),
        mode: { kind: "localServer" },
        showUrl: (url, redirectUri) =>
          Effect.forkDaemon(
            Effect.gen(function* () {
              const forged = yield* browse(`${redirectUri}?code=forged&state=not-the-state`);
              statuses.push(forged.status);
              const real = yield* browse(url);
              statuses.push(real.status);
            }),
          ),
      });
      expect(statuses).toEqual([400, 200]);
    }).pipe(Effect.provide(layer())),
  );

  it.live("fails when the consent is declined", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        login({
          clientId: NATIVE,
          scope: yield* loginScope([]),
          mode: { kind: "localServer" },
          showUrl: (url, redirectUri) => {
            const state = new URL(url).searchParams.get("state") ?? "";
            return Effect.forkDaemon(
              browse(`${redirectUri}?error=access_denied&state=${encodeURIComponent(state)}`),
            );
          },
        }),
      );
      expect(error._tag).toBe("LoginFailedError");
      expect(error.message).toContain("declined");
      expect(yield* (yield* TokenStore).load).toEqual([]);
    }).pipe(Effect.provide(layer())),
  );
});

describe("login with a pasted code", () => {
  it.live("uses Globus's code page as redirect and reads the code from a line", () =>
    Effect.gen(function* () {
      let code: string | undefined;
      let redirect: string | undefined;
      const result = yield* login({
        clientId: NATIVE,
        scope: yield* loginScope([]),
        mode: {
          kind: "paste",
          readLine: Effect.suspend(() => Effect.succeed(code === undefined ? "" : `  ${code}  `)),
        },
        showUrl: (url, redirectUri) =>
          Effect.promise(async () => {
            redirect = redirectUri;
            const answer = await fetch(url, { redirect: "manual" });
            const location = new URL(answer.headers.get("location") ?? "http://x/");
            code = location.searchParams.get("code") ?? undefined;
          }),
      });
      expect(redirect).toBe(`${sandbox.env.GLOBUS_SDK_SERVICE_URL_AUTH}v2/web/auth-code`);
      expect(result.resourceServers).toContain("transfer.api.globus.org");
    }).pipe(Effect.provide(layer())),
  );

  it.live("fails when the input ends without a code", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        login({
          clientId: NATIVE,
          scope: yield* loginScope([]),
          mode: { kind: "paste", readLine: Effect.succeed(undefined) },
          showUrl: () => Effect.void,
        }),
      );
      expect(error._tag).toBe("LoginFailedError");
      expect(error.message).toContain("no authorization code");
    }).pipe(Effect.provide(layer())),
  );

  it.live("a wrong code is refused by Globus Auth and nothing is stored", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        login({
          clientId: NATIVE,
          scope: yield* loginScope([]),
          mode: { kind: "paste", readLine: Effect.succeed("not-a-code") },
          showUrl: () => Effect.void,
        }),
      );
      expect(error._tag).toBe("AuthenticationError");
      expect(error.message).toContain("authorization code");
      expect(yield* (yield* TokenStore).load).toEqual([]);
    }).pipe(Effect.provide(layer())),
  );
});

describe("loginScope", () => {
  it.effect("asks for the base scopes, the extra ones and everything held, merged", () =>
    Effect.gen(function* () {
      expect(yield* loginScope([])).toBe(`openid profile email ${TRANSFER_ALL_SCOPE}`);
      const held = `openid ${TRANSFER_ALL_SCOPE}[*${DATA_ACCESS}]`;
      expect(yield* loginScope([], [held])).toBe(
        `openid profile email ${TRANSFER_ALL_SCOPE}[*${DATA_ACCESS}]`,
      );
      const other =
        "https://auth.globus.org/scopes/c0ffee00-0000-4000-8000-000000000009/data_access";
      expect(yield* loginScope([`${TRANSFER_ALL_SCOPE}[*${other}]`], [held])).toBe(
        `openid profile email ${TRANSFER_ALL_SCOPE}[*${other} *${DATA_ACCESS}]`,
      );
    }),
  );

  it.effect("refuses an unreadable --scope and ignores an unreadable stored one", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(loginScope(["foo[bar"]));
      expect(error._tag).toBe("InvalidScopeError");
      expect(yield* loginScope([], ["foo[bar"])).toBe(`openid profile email ${TRANSFER_ALL_SCOPE}`);
    }),
  );
});

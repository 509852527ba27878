/**
 * Test support for the sandbox's Auth without an HTTP server: a context with a fake clock, requests
 * built as `SandboxRequest` values and sent to the matched route's handler, and the login flows
 * the tests share (native PKCE login, client credentials).
 */
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { expect } from "vitest";
import { makeAuthService } from "../../src/auth/AuthService.ts";
import type { AuthService } from "../../src/auth/AuthTypes.ts";
import { defaultConfig, defaultIds } from "../../src/config/defaultConfig.ts";
import { SandboxConfig, type SandboxConfigInput } from "../../src/config/SandboxConfig.ts";
import { makeContext, type SandboxContext } from "../../src/server/Context.ts";
import {
  type HtmlResponse,
  type JsonResponse,
  matchRoute,
  type RedirectResponse,
  type SandboxResponse,
} from "../../src/server/Http.ts";

export { defaultIds };

/** The Host the fake requests carry, and the Auth base URL it implies. */
export const HOST = "127.0.0.1:8765";
export const AUTH_BASE = `http://${HOST}/auth`;
export const NATIVE_DEFAULT_REDIRECT = `${AUTH_BASE}/v2/web/auth-code`;
export const CONFIDENTIAL_SECRET = "sandbox-secret-not-for-real-use-0001";
export const TRANSFER_ALL = "urn:globus:auth:scope:transfer.api.globus.org:all";
export const dataAccess = (collectionId: string): string =>
  `https://auth.globus.org/scopes/${collectionId}/data_access`;
export const transferWithDataAccess = (collectionId: string): string =>
  `${TRANSFER_ALL}[*${dataAccess(collectionId)}]`;

/** Epoch of the fake clock: 2026-01-01T00:00:00Z. */
export const START = Date.UTC(2026, 0, 1);

export interface RequestOptions {
  readonly query?: Readonly<Record<string, string>>;
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent form-encoded. */
  readonly form?: Readonly<Record<string, string>>;
}

export interface Harness {
  readonly ctx: SandboxContext;
  readonly auth: AuthService;
  /** Milliseconds since the epoch, as the context's `now()` sees it. */
  now(): number;
  advance(ms: number): void;
  call(method: string, path: string, options?: RequestOptions): Promise<SandboxResponse>;
}

/** A sandbox Auth on the default configuration, with `overrides` merged in at the top level. */
export const makeHarness = (overrides: Partial<SandboxConfigInput> = {}): Harness => {
  let fakeNow = START;
  const ctx = makeContext(
    SandboxConfig.parse({ ...defaultConfig, ...overrides }),
    tmpdir(),
    () => fakeNow,
  );
  const auth = makeAuthService(ctx);
  return {
    ctx,
    auth,
    now: () => fakeNow,
    advance: (ms) => {
      fakeNow += ms;
    },
    call: async (method, path, options = {}) => {
      const matched = matchRoute(auth.routes, method, path);
      if (!("route" in matched)) {
        throw new Error(
          `no route for ${method} ${path} (method not allowed: ${matched.methodNotAllowed})`,
        );
      }
      const body =
        options.form === undefined ? "" : new URLSearchParams({ ...options.form }).toString();
      return matched.route.handler({
        method,
        path,
        service: "auth",
        query: new URLSearchParams({ ...options.query }),
        headers: {
          host: HOST,
          ...(options.form === undefined
            ? {}
            : { "content-type": "application/x-www-form-urlencoded" }),
          ...Object.fromEntries(
            Object.entries(options.headers ?? {}).map(([name, value]) => [
              name.toLowerCase(),
              value,
            ]),
          ),
        },
        body: Buffer.from(body, "utf8"),
        params: matched.params,
        requestId: "TestReq01",
        now: fakeNow,
      });
    },
  };
};

/** `Authorization: Basic …` for a client id and secret. */
export const basic = (id: string, secret: string): Record<string, string> => ({
  authorization: `Basic ${Buffer.from(`${id}:${secret}`, "utf8").toString("base64")}`,
});

/** `Authorization: Bearer …`. */
export const bearer = (token: string): Record<string, string> => ({
  authorization: `Bearer ${token}`,
});

export const expectJson = (response: SandboxResponse, status: number): Record<string, unknown> => {
  expect(response.kind).toBe("json");
  const json = response as JsonResponse;
  expect(json.status).toBe(status);
  expect(typeof json.body).toBe("object");
  return json.body as Record<string, unknown>;
};

export const expectHtml = (response: SandboxResponse, status: number): string => {
  expect(response.kind).toBe("html");
  const page = response as HtmlResponse;
  expect(page.status).toBe(status);
  return page.html;
};

/** The redirect target, parsed. */
export const expectRedirect = (response: SandboxResponse): URL => {
  expect(response.kind).toBe("redirect");
  return new URL((response as RedirectResponse).location);
};

/** A fresh PKCE verifier and its S256 challenge, computed independently of the sandbox. */
export const pkcePair = (): { verifier: string; challenge: string } => {
  const verifier = randomBytes(32).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  return { verifier, challenge };
};

/** The one-time request id in a consent page's form. */
export const pendingRequestId = (page: string): string => {
  const match = /name="request_id" value="([^"]+)"/.exec(page);
  if (match?.[1] === undefined) throw new Error("no request_id in the consent page");
  return match[1];
};

export interface NativeLogin {
  readonly clientId: string;
  readonly code: string;
  readonly verifier: string;
  readonly redirectUri: string;
  readonly redirect: URL;
}

/**
 * A native app's login up to the code: authorize, the consent page (unless it is skipped) and
 * Allow. Redirects to a loopback URI, as the Python SDK's local-server flow does.
 */
export const nativeLogin = async (
  harness: Harness,
  options: {
    readonly scope: string;
    readonly state?: string;
    readonly offline?: boolean;
    readonly redirectUri?: string;
    readonly clientId?: string;
    readonly extra?: Readonly<Record<string, string>>;
  },
): Promise<NativeLogin> => {
  const { verifier, challenge } = pkcePair();
  const clientId = options.clientId ?? defaultIds.nativeClient;
  const redirectUri = options.redirectUri ?? "http://127.0.0.1:51234/callback";
  const authorize = await harness.call("GET", "/v2/oauth2/authorize", {
    query: {
      client_id: clientId,
      redirect_uri: redirectUri,
      scope: options.scope,
      response_type: "code",
      code_challenge: challenge,
      code_challenge_method: "S256",
      access_type: options.offline === true ? "offline" : "online",
      ...(options.state === undefined ? {} : { state: options.state }),
      ...options.extra,
    },
  });
  const decided =
    authorize.kind === "html"
      ? await harness.call("POST", "/v2/oauth2/authorize/decision", {
          form: { request_id: pendingRequestId(authorize.html), decision: "allow" },
        })
      : authorize;
  const redirect = expectRedirect(decided);
  const code = redirect.searchParams.get("code");
  if (code === null)
    throw new Error(`no code in the redirect ${redirect.origin}${redirect.pathname}`);
  return { clientId, code, verifier, redirectUri, redirect };
};

/** Exchanges a native login's code, as the Python SDK and globus-cli do (client_id in the form). */
export const exchangeNative = (harness: Harness, login: NativeLogin, verifier = login.verifier) =>
  harness.call("POST", "/v2/oauth2/token", {
    form: {
      grant_type: "authorization_code",
      code: login.code,
      code_verifier: verifier,
      redirect_uri: login.redirectUri,
      client_id: login.clientId,
    },
  });

/** A client_credentials grant of the default confidential client. */
export const clientCredentials = (harness: Harness, scope: string, secret = CONFIDENTIAL_SECRET) =>
  harness.call("POST", "/v2/oauth2/token", {
    headers: basic(defaultIds.confidentialClient, secret),
    form: { grant_type: "client_credentials", scope },
  });

const FIXTURES = new URL("../../../../test/fixtures/globus/", import.meta.url);

/** The body of a recorded Globus response from `test/fixtures/globus/`. */
export const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(name, FIXTURES), "utf8")) as Record<string, unknown>;

/** Sorted keys, for comparing a body's shape with a fixture's. */
export const keysOf = (value: unknown): string[] =>
  typeof value === "object" && value !== null ? Object.keys(value).sort() : [];

/** The access token a token response issued for `resourceServer` (top level or other_tokens). */
export const tokenFor = (body: Record<string, unknown>, resourceServer: string): string => {
  const all = [body, ...((body.other_tokens as Record<string, unknown>[] | undefined) ?? [])];
  const found = all.find((token) => token.resource_server === resourceServer);
  if (typeof found?.access_token !== "string") throw new Error(`no token for ${resourceServer}`);
  return found.access_token;
};

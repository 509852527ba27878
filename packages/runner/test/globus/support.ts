/**
 * Test support for the Globus clients: a fake `HttpClient` that answers with canned responses and
 * records every request, the layers over it, TestClock helpers and the recorded fixtures.
 */
import { readFileSync } from "node:fs";
import { HttpClient, HttpClientResponse } from "@effect/platform";
import { RequestError } from "@effect/platform/HttpClientError";
import type { TokenResponse } from "@transflow/core/globus";
import { type Duration, Effect, Fiber, Layer, Ref, TestClock } from "effect";
import { AuthApi } from "../../src/globus/AuthApi.ts";
import { AuthTokens } from "../../src/globus/AuthTokens.ts";
import { GlobusConfig, type GlobusConfigShape } from "../../src/globus/GlobusConfig.ts";
import { GlobusHttp } from "../../src/globus/GlobusHttp.ts";
import { TransferApi } from "../../src/globus/TransferApi.ts";

const FIXTURES = new URL("../../../../test/fixtures/globus/", import.meta.url);

/** A recorded Globus body from `test/fixtures/globus/<name>.json`. */
export const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURES), "utf8"));

export const AUTH_BASE = "https://auth.test.example/";
export const TRANSFER_BASE = "https://transfer.test.example/";

/** A request as the fake server saw it. */
export interface SeenRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** What the fake server answers: a response, a dropped connection, or no answer at all. */
export type Canned =
  | {
      readonly status: number;
      /** Sent as JSON. */
      readonly json?: unknown;
      /** Sent as is (wins over `json`). */
      readonly text?: string;
      readonly headers?: Readonly<Record<string, string>>;
    }
  | "reset"
  | "hang";

/** Answers one request; `attempt` counts the requests to the same method and path, from 1. */
export type Handler = (request: SeenRequest, attempt: number) => Canned;

export interface FakeHttp {
  readonly layer: Layer.Layer<HttpClient.HttpClient>;
  readonly requests: Ref.Ref<readonly SeenRequest[]>;
  /** How many requests went to `path` (a pathname, e.g. `/v2/oauth2/token`). */
  readonly count: (path: string) => Effect.Effect<number>;
}

const bodyText = (body: { readonly _tag: string }): string => {
  if (body._tag === "Uint8Array") {
    return new TextDecoder().decode((body as unknown as { body: Uint8Array }).body);
  }
  if (body._tag === "Raw") return String((body as unknown as { body: unknown }).body);
  return "";
};

export const makeFakeHttp = (handler: Handler): Effect.Effect<FakeHttp> =>
  Effect.gen(function* () {
    const requests = yield* Ref.make<readonly SeenRequest[]>([]);
    const client = HttpClient.make((request, url) =>
      Effect.gen(function* () {
        const seen: SeenRequest = {
          method: request.method,
          url,
          headers: { ...request.headers },
          body: bodyText(request.body),
        };
        const before = yield* Ref.getAndUpdate(requests, (all) => [...all, seen]);
        const attempt =
          before.filter((r) => r.method === seen.method && r.url.pathname === url.pathname).length +
          1;
        const canned = handler(seen, attempt);
        if (canned === "hang") return yield* Effect.never;
        if (canned === "reset") {
          return yield* new RequestError({
            request,
            reason: "Transport",
            cause: new TypeError("fetch failed", { cause: new Error("ECONNRESET") }),
          });
        }
        const text = canned.text ?? (canned.json === undefined ? "" : JSON.stringify(canned.json));
        return HttpClientResponse.fromWeb(
          request,
          new Response(text === "" ? null : text, {
            status: canned.status,
            headers: { "content-type": "application/json", ...canned.headers },
          }),
        );
      }),
    );
    return {
      layer: Layer.succeed(HttpClient.HttpClient, client),
      requests,
      count: (path) =>
        Effect.map(Ref.get(requests), (all) => all.filter((r) => r.url.pathname === path).length),
    };
  });

/** Config pointing at the fake hosts. */
export const testConfig = (config: Partial<GlobusConfigShape> = {}) =>
  GlobusConfig.layerStatic({
    baseUrls: { auth: AUTH_BASE, transfer: TRANSFER_BASE },
    ...config,
  });

/** GlobusHttp over the fake client. */
export const httpLayer = (fake: FakeHttp, config: Partial<GlobusConfigShape> = {}) =>
  GlobusHttp.layer.pipe(Layer.provide(Layer.merge(fake.layer, testConfig(config))));

/** Every service, over the fake client, with the identity `env` describes. */
export const servicesLayer = (
  fake: FakeHttp,
  env: Readonly<Record<string, string>>,
  config: Partial<GlobusConfigShape> = {},
) => {
  const auth = AuthApi.layer.pipe(Layer.provideMerge(httpLayer(fake, config)));
  const tokens = AuthTokens.layerFromEnv(env).pipe(Layer.provideMerge(auth));
  return TransferApi.layer.pipe(Layer.provideMerge(tokens));
};

export const CLIENT_ID = "11111111-2222-4333-8444-555555555555";
export const CLIENT_SECRET = "very-secret-client-password";
export const clientEnv = { TRANSFLOW_CLIENT_ID: CLIENT_ID, TRANSFLOW_CLIENT_SECRET: CLIENT_SECRET };

/** A token response for one resource server, checked against the wire type. */
export const tokenResponse = (
  accessToken: string,
  overrides: Partial<TokenResponse> = {},
): TokenResponse =>
  ({
    access_token: accessToken,
    scope: "urn:globus:auth:scope:transfer.api.globus.org:all",
    expires_in: 172800,
    token_type: "Bearer",
    resource_server: "transfer.api.globus.org",
    other_tokens: [],
    ...overrides,
  }) satisfies TokenResponse;

/**
 * Runs `effect` in a fiber while moving the TestClock forward `step` at a time until it ends:
 * every backoff and Retry-After sleep passes without real waiting.
 */
export const runWithClock = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  step: Duration.DurationInput = "10 seconds",
  maxSteps = 100,
) =>
  Effect.gen(function* () {
    const fiber = yield* Effect.fork(effect);
    for (let i = 0; i < maxSteps; i++) {
      if ((yield* Fiber.poll(fiber))._tag === "Some") break;
      yield* TestClock.adjust(step);
    }
    return yield* Fiber.join(fiber);
  });

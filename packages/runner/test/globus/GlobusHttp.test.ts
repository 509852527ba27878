import { describe, expect, it } from "@effect/vitest";
import { EndpointDocument } from "@transflow/core/globus";
import { Duration, Effect, Fiber, Option, Redacted, TestClock } from "effect";
import type { GlobusConfigShape } from "../../src/globus/GlobusConfig.ts";
import { GlobusHttp, type GlobusRequest } from "../../src/globus/GlobusHttp.ts";
import {
  type Canned,
  fixture,
  type Handler,
  httpLayer,
  makeFakeHttp,
  runWithClock,
} from "./support.ts";

const ID = "c0ffee00-0000-4000-8000-000000000002";
const PATH = `/v0.10/endpoint/${ID}`;
const DOCUMENT = fixture("transfer/get_endpoint_mapped_collection");
const TOKEN = "Bearer AgSecretTransferToken0123456789";

const getEndpoint: GlobusRequest = {
  service: "transfer",
  method: "GET",
  path: PATH,
  authorization: Redacted.make(TOKEN),
};

/** Sends `request` through GlobusHttp over a fake server answering with `handler`. */
import { documentJson } from "@transflow/core";

const send = (
  handler: Handler,
  request: GlobusRequest = getEndpoint,
  config: Partial<GlobusConfigShape> = {},
) =>
  Effect.gen(function* () {
    const fake = yield* makeFakeHttp(handler);
    const result = yield* Effect.gen(function* () {
      const http = yield* GlobusHttp;
      return yield* runWithClock(Effect.either(http.request(request, EndpointDocument)));
    }).pipe(Effect.provide(httpLayer(fake, config)));
    return {
      result,
      attempts: yield* fake.count(new URL(`https://x${request.path}`).pathname),
      fake,
    };
  });

const ok: Canned = { status: 200, json: DOCUMENT };
const status = (
  code: number,
  json: unknown = { code: "X", message: "m", request_id: "r" },
  headers?: Record<string, string>,
): Canned => (headers === undefined ? { status: code, json } : { status: code, json, headers });

describe("GlobusHttp.request", () => {
  it.effect("decodes a 2xx body and sends the headers Globus expects", () =>
    Effect.gen(function* () {
      const { result, fake } = yield* send(() => ok, {
        ...getEndpoint,
        query: { fields: "id,entity_type", limit: 10, skip: undefined },
      });
      expect(result._tag).toBe("Right");
      const [request] = yield* fake.requests.get;
      expect(request?.url.href).toBe(
        `https://transfer.test.example/v0.10/endpoint/${ID}?fields=id%2Centity_type&limit=10`,
      );
      expect(request?.headers.accept).toBe("application/json");
      expect(request?.headers["user-agent"]).toMatch(/^transflow\//);
      expect(request?.headers.authorization).toBe(TOKEN);
      expect(request?.headers).not.toHaveProperty("traceparent");
    }),
  );

  it.effect("sends JSON and form bodies", () =>
    Effect.gen(function* () {
      const json = yield* send(() => ok, {
        service: "transfer",
        method: "POST",
        path: "/v0.10/transfer",
        body: { json: documentJson({ DATA_TYPE: "transfer", DATA: [] }) },
      });
      const [jsonRequest] = yield* json.fake.requests.get;
      expect(jsonRequest?.headers["content-type"]).toBe("application/json");
      expect(JSON.parse(jsonRequest?.body ?? "")).toEqual({ DATA_TYPE: "transfer", DATA: [] });

      const form = yield* send(() => ok, {
        service: "auth",
        method: "POST",
        path: "/v2/oauth2/token",
        body: { form: { grant_type: "refresh_token", refresh_token: Redacted.make("rt") } },
      });
      const [formRequest] = yield* form.fake.requests.get;
      expect(formRequest?.url.href).toBe("https://auth.test.example/v2/oauth2/token");
      expect(formRequest?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
      expect(formRequest?.body).toBe("grant_type=refresh_token&refresh_token=rt");
    }),
  );

  it.effect("retries 500, 502, 503, 504 and 429 until one succeeds", () =>
    Effect.gen(function* () {
      const sequence = [500, 502, 503, 504, 429];
      const { result, attempts } = yield* send((_, attempt) => {
        const code = sequence[attempt - 1];
        return code === undefined ? ok : status(code);
      });
      expect(result._tag).toBe("Right");
      expect(attempts).toBe(6);
    }),
  );

  it.effect("gives up after 5 retries with the last answer", () =>
    Effect.gen(function* () {
      const { result, attempts } = yield* send(() =>
        status(503, { code: "ServiceUnavailable", request_id: "last" }),
      );
      expect(attempts).toBe(6);
      expect(result._tag === "Left" && result.left._tag).toBe("GlobusApiError");
      expect(result._tag === "Left" && result.left.message).toBe(
        "Transfer answered 503 ServiceUnavailable (request_id last)",
      );
    }),
  );

  it.effect.each([400, 401, 403, 404, 409])("does not retry %i", (code) =>
    Effect.gen(function* () {
      const { result, attempts } = yield* send(() => status(code));
      expect(attempts).toBe(1);
      expect(result._tag === "Left" && result.left._tag).toBe("GlobusApiError");
    }),
  );

  it.effect("does not retry a 403 ConsentRequired", () =>
    Effect.gen(function* () {
      const { result, attempts } = yield* send(() =>
        status(403, fixture("errors/consent_required")),
      );
      expect(attempts).toBe(1);
      expect(result._tag === "Left" && result.left._tag).toBe("ConsentRequiredError");
    }),
  );

  it.effect("does not retry a 502 ExternalError (the collection's side failed)", () =>
    Effect.gen(function* () {
      const { result, attempts } = yield* send(() =>
        status(502, fixture("errors/transfer_gcp_disconnected")),
      );
      expect(attempts).toBe(1);
      expect(result._tag === "Left" && result.left._tag).toBe("GlobusApiError");
    }),
  );

  it.effect("retries a dropped connection as GlobusUnavailableError", () =>
    Effect.gen(function* () {
      const always = yield* send(() => "reset");
      expect(always.attempts).toBe(6);
      const error = always.result._tag === "Left" ? always.result.left : undefined;
      expect(error?._tag).toBe("GlobusUnavailableError");
      expect(error?.message).toBe(
        `Transfer could not be reached: fetch failed (ECONNRESET) (GET https://transfer.test.example${PATH})`,
      );
      const once = yield* send((_, attempt) => (attempt === 1 ? "reset" : ok));
      expect(once.result._tag).toBe("Right");
      expect(once.attempts).toBe(2);
    }),
  );

  it.effect("times an attempt out by the configured timeout and tries again", () =>
    Effect.gen(function* () {
      const { result, attempts } = yield* send(
        (_, attempt) => (attempt === 1 ? "hang" : ok),
        getEndpoint,
        {
          timeout: Option.some(Duration.seconds(5)),
        },
      );
      expect(result._tag).toBe("Right");
      expect(attempts).toBe(2);
      const never = yield* send(() => "hang", getEndpoint, {
        timeout: Option.some(Duration.seconds(5)),
      });
      expect(never.attempts).toBe(6);
      expect(never.result._tag === "Left" && never.result.left.message).toMatch(
        /did not answer in time/,
      );
    }),
  );

  it.effect(
    "fails with GlobusResponseError (not retried) when a 2xx body is not the document",
    () =>
      Effect.gen(function* () {
        const { result, attempts } = yield* send(() => ({
          status: 200,
          json: { DATA_TYPE: "endpoint" },
        }));
        expect(attempts).toBe(1);
        const error = result._tag === "Left" ? result.left : undefined;
        expect(error?._tag).toBe("GlobusResponseError");
        expect(error?.message).toContain("Transfer sent an unexpected 200 response");
        expect(error?.message).toMatch(/✖ .*\n {2}→ at id/);
        const notJson = yield* send(() => ({ status: 200, text: "<html>hello</html>" }));
        expect(notJson.result._tag === "Left" && notJson.result.left.message).toContain(
          "✖ the body is not JSON: <html>hello</html>",
        );
      }),
  );

  it.effect("never puts the token in an error", () =>
    Effect.gen(function* () {
      for (const canned of [
        status(401),
        status(500),
        "reset" as const,
        { status: 200, json: {} },
      ]) {
        const { result } = yield* send(() => canned);
        expect(result._tag).toBe("Left");
        if (result._tag === "Left") {
          const error = result.left;
          for (const text of [error.message, String(error), JSON.stringify(error)]) {
            expect(text).not.toContain("AgSecretTransferToken");
          }
        }
      }
    }),
  );
});

describe("GlobusHttp retry timing", () => {
  /** Forks a request and reports how many attempts were made as the TestClock moves. */
  const timeline = (handler: Handler, checkpoints: readonly number[]) =>
    Effect.gen(function* () {
      const fake = yield* makeFakeHttp(handler);
      return yield* Effect.gen(function* () {
        const http = yield* GlobusHttp;
        const fiber = yield* Effect.fork(
          Effect.either(http.request(getEndpoint, EndpointDocument)),
        );
        const seen: number[] = [];
        let now = 0;
        for (const at of checkpoints) {
          yield* TestClock.adjust(Duration.millis(at - now));
          now = at;
          seen.push(yield* fake.count(PATH));
        }
        yield* Fiber.interrupt(fiber);
        return seen;
      }).pipe(Effect.provide(httpLayer(fake)));
    });

  it.effect("waits the Retry-After of a 429 instead of the backoff", () =>
    Effect.gen(function* () {
      const seen = yield* timeline(
        (_, attempt) => (attempt === 1 ? status(429, { code: "X" }, { "retry-after": "7" }) : ok),
        [0, 6_999, 7_000],
      );
      expect(seen).toEqual([1, 1, 2]);
    }),
  );

  it.effect("caps Retry-After at 10 s", () =>
    Effect.gen(function* () {
      const seen = yield* timeline(
        (_, attempt) => (attempt === 1 ? status(503, { code: "X" }, { "retry-after": "120" }) : ok),
        [0, 9_999, 10_000],
      );
      expect(seen).toEqual([1, 1, 2]);
    }),
  );

  it.effect("ignores a Retry-After of 0 or a date and backs off ≈0.5 s (±50 %)", () =>
    Effect.gen(function* () {
      for (const header of ["0", "Wed, 21 Oct 2015 07:28:00 GMT"]) {
        const seen = yield* timeline(
          (_, attempt) =>
            attempt === 1 ? status(429, { code: "X" }, { "retry-after": header }) : ok,
          [0, 249, 750],
        );
        expect(seen).toEqual([1, 1, 2]);
      }
    }),
  );

  it.effect("backs off exponentially: about 0.5, 1, 2, 4, 8 s, never more than 10 s", () =>
    Effect.gen(function* () {
      // Each retry sleeps 0.25·2ⁿ to 0.75·2ⁿ s (capped at 10 s); read the sleeps off the TestClock.
      const fake = yield* makeFakeHttp(() => status(500));
      const gaps = yield* Effect.gen(function* () {
        const http = yield* GlobusHttp;
        const fiber = yield* Effect.fork(
          Effect.either(http.request(getEndpoint, EndpointDocument)),
        );
        const found: number[] = [];
        for (let spins = 0; spins < 1_000; spins++) {
          if (Option.isSome(yield* Fiber.poll(fiber))) break;
          const now = yield* TestClock.currentTimeMillis;
          const pending = [...(yield* TestClock.sleeps())].filter((at) => at > now);
          const next = pending.length === 0 ? undefined : Math.min(...pending);
          if (next === undefined) {
            yield* Effect.yieldNow();
            continue;
          }
          found.push(next - now);
          yield* TestClock.adjust(Duration.millis(next - now));
        }
        return found;
        // No timeout: its sleep would be on the clock beside the backoff's.
      }).pipe(Effect.provide(httpLayer(fake, { timeout: Option.none() })));
      expect(yield* fake.count(PATH)).toBe(6);
      expect(gaps).toHaveLength(5);
      gaps.forEach((gap, n) => {
        expect(gap).toBeGreaterThanOrEqual(Math.min(250 * 2 ** n, 10_000));
        expect(gap).toBeLessThanOrEqual(Math.min(750 * 2 ** n, 10_000));
      });
    }),
  );
});

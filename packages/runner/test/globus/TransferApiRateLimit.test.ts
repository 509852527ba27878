/**
 * Request spacing on the TestClock: `TransferApi.layer` starts at most 20 Transfer requests per
 * second however many fibers call it; `layerWith({ maxRequestsPerSecond: undefined })` never waits.
 */
import { HttpClient } from "@effect/platform";
import { describe, expect, it } from "@effect/vitest";
import { Clock, Effect, Fiber, Layer, Ref, TestClock } from "effect";
import { AuthApi } from "../../src/globus/AuthApi.ts";
import { AuthTokens } from "../../src/globus/AuthTokens.ts";
import { makeRequestSpacing } from "../../src/globus/RateLimit.ts";
import { TransferApi, type TransferApiOptions } from "../../src/globus/TransferApi.ts";
import {
  clientEnv,
  type FakeHttp,
  fixture,
  httpLayer,
  makeFakeHttp,
  tokenResponse,
} from "./support.ts";

const TOKEN_PATH = "/v2/oauth2/token";

/** Lets promise-based work (the fake's response bodies) finish: an event-loop turn, no timer. */
const settle = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)));

/** Moves the TestClock 50 ms at a time, letting fibers run in between, until `fiber` ends. */
const drive = <A, E>(fiber: Fiber.Fiber<A, E>, maxSteps = 1000) =>
  Effect.gen(function* () {
    for (let step = 0; step < maxSteps; step++) {
      for (let i = 0; i < 3; i++) yield* settle;
      if ((yield* Fiber.poll(fiber))._tag === "Some") break;
      yield* TestClock.adjust("50 millis");
    }
    return yield* Fiber.join(fiber);
  });

/** The fake server, with the TestClock time at which each Transfer request was sent. */
const setup = (options: TransferApiOptions | "default") =>
  Effect.gen(function* () {
    const fake = yield* makeFakeHttp((request, attempt) =>
      request.url.pathname === TOKEN_PATH
        ? { status: 200, json: tokenResponse(`token-${attempt}`) }
        : { status: 200, json: fixture("transfer/get_submission_id") },
    );
    const sentAt = yield* Ref.make<readonly number[]>([]);
    const timed: FakeHttp = {
      ...fake,
      layer: Layer.effect(
        HttpClient.HttpClient,
        Effect.map(HttpClient.HttpClient, (client) =>
          HttpClient.tapRequest(client, (request) =>
            request.url.includes("/v0.10/")
              ? Effect.flatMap(Clock.currentTimeMillis, (now) =>
                  Ref.update(sentAt, (all) => [...all, now]),
                )
              : Effect.void,
          ),
        ),
      ).pipe(Layer.provide(fake.layer)),
    };
    const auth = AuthApi.layer.pipe(Layer.provideMerge(httpLayer(timed)));
    const tokens = AuthTokens.layerFromEnv(clientEnv).pipe(Layer.provideMerge(auth));
    const transfer = options === "default" ? TransferApi.layer : TransferApi.layerWith(options);
    return { layer: transfer.pipe(Layer.provideMerge(tokens)), sentAt };
  });

/** Most request starts within any one-second window [t, t + 1000). */
const busiestSecond = (times: readonly number[]): number =>
  Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + 1000).length));

describe("TransferApi request spacing", () => {
  it.effect("41 concurrent requests take at least 2 s, never more than 20 in a second", () =>
    Effect.gen(function* () {
      const { layer, sentAt } = yield* setup("default");
      const ids = yield* Effect.gen(function* () {
        const transfer = yield* TransferApi;
        const all = Effect.forEach(Array.from({ length: 41 }), () => transfer.submissionId(), {
          concurrency: "unbounded",
        });
        return yield* drive(yield* Effect.fork(all));
      }).pipe(Effect.provide(layer));
      expect(ids).toHaveLength(41);
      const times = [...(yield* Ref.get(sentAt))].sort((a, b) => a - b);
      expect(times).toHaveLength(41);
      const first = times[0] ?? 0;
      expect((times.at(-1) ?? 0) - first).toBeGreaterThanOrEqual(2000);
      for (let i = 1; i < times.length; i++) {
        expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(50);
      }
      expect(busiestSecond(times)).toBeLessThanOrEqual(20);
    }),
  );

  it.effect("spaces one caller's sequential requests too", () =>
    Effect.gen(function* () {
      const { layer, sentAt } = yield* setup("default");
      yield* Effect.gen(function* () {
        const transfer = yield* TransferApi;
        const all = Effect.forEach(Array.from({ length: 21 }), () => transfer.submissionId());
        return yield* drive(yield* Effect.fork(all));
      }).pipe(Effect.provide(layer));
      const times = yield* Ref.get(sentAt);
      expect((times.at(-1) ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(1000);
      expect(busiestSecond(times)).toBeLessThanOrEqual(20);
    }),
  );

  it.effect("a configured rate is honoured (5/s: 11 requests take 2 s)", () =>
    Effect.gen(function* () {
      const { layer, sentAt } = yield* setup({ maxRequestsPerSecond: 5 });
      yield* Effect.gen(function* () {
        const transfer = yield* TransferApi;
        const all = Effect.forEach(Array.from({ length: 11 }), () => transfer.submissionId(), {
          concurrency: "unbounded",
        });
        return yield* drive(yield* Effect.fork(all));
      }).pipe(Effect.provide(layer));
      const times = [...(yield* Ref.get(sentAt))].sort((a, b) => a - b);
      expect((times.at(-1) ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(2000);
      expect(busiestSecond(times)).toBeLessThanOrEqual(5);
    }),
  );

  it.effect("maxRequestsPerSecond: undefined never waits", () =>
    Effect.gen(function* () {
      const { layer, sentAt } = yield* setup({ maxRequestsPerSecond: undefined });
      yield* Effect.gen(function* () {
        const transfer = yield* TransferApi;
        const all = Effect.forEach(Array.from({ length: 41 }), () => transfer.submissionId(), {
          concurrency: "unbounded",
        });
        return yield* drive(yield* Effect.fork(all));
      }).pipe(Effect.provide(layer));
      const times = yield* Ref.get(sentAt);
      expect(times).toHaveLength(41);
      expect(new Set(times)).toEqual(new Set([0]));
      expect(yield* Clock.currentTimeMillis).toBe(0);
    }),
  );
});

describe("makeRequestSpacing", () => {
  it.effect("hands out slots 1/rate apart from the first call, in call order", () =>
    Effect.gen(function* () {
      const spacing = yield* makeRequestSpacing(20);
      const starts = yield* Ref.make<readonly number[]>([]);
      const one = Effect.zipRight(
        spacing.take,
        Effect.flatMap(Clock.currentTimeMillis, (now) => Ref.update(starts, (s) => [...s, now])),
      );
      const fiber = yield* Effect.fork(
        Effect.forEach(Array.from({ length: 5 }), () => one, { concurrency: "unbounded" }),
      );
      yield* TestClock.adjust("199 millis");
      expect(yield* Ref.get(starts)).toEqual([0, 50, 100, 150]);
      yield* TestClock.adjust("1 millis");
      yield* Fiber.join(fiber);
      expect(yield* Ref.get(starts)).toEqual([0, 50, 100, 150, 200]);
    }),
  );

  it.effect("does not wait after a quiet period", () =>
    Effect.gen(function* () {
      const spacing = yield* makeRequestSpacing(20);
      yield* spacing.take;
      yield* TestClock.adjust("5 seconds");
      const before = yield* Clock.currentTimeMillis;
      yield* spacing.take;
      expect((yield* Clock.currentTimeMillis) - before).toBe(0);
    }),
  );

  it.effect("refuses a rate that is not a positive number", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(makeRequestSpacing(0));
      expect(exit._tag).toBe("Failure");
    }),
  );
});

import { describe, expect, it } from "@effect/vitest";
import type { EndpointDocument } from "@transflow/core/globus";
import { Effect, Fiber, Ref, TestClock } from "effect";
import { lookupCollections } from "../../src/globus/CollectionLookup.ts";
import { GlobusApiError, GlobusUnavailableError } from "../../src/globus/GlobusErrors.ts";
import { TransferApi } from "../../src/globus/TransferApi.ts";
import { fixture } from "./support.ts";

const document = (name: string) => fixture(`transfer/get_endpoint_${name}`) as EndpointDocument;
const MAPPED = document("mapped_collection");
const GUEST = document("guest_collection");
const ENDPOINT = document("gcsv5_endpoint");

const transferError = (status: number, code: string) =>
  new GlobusApiError({
    service: "transfer",
    status,
    code,
    globusMessage: undefined,
    requestId: "r",
    resource: undefined,
    method: "GET",
    url: "https://transfer.test.example/",
    retryAfterSeconds: undefined,
    body: undefined,
  });

const DELETED = "7b123e08-6638-11eb-8282-0275e0cda761";
const UNKNOWN = "00000000-0000-4000-8000-00000000dead";
const FORBIDDEN = "00000000-0000-4000-8000-00000000f403";
const DOWN = "00000000-0000-4000-8000-00000000d0d0";
const unavailable = new GlobusUnavailableError({
  service: "transfer",
  method: "GET",
  url: "https://transfer.test.example/",
  reason: "timeout",
  cause: undefined,
});

describe("lookupCollections", () => {
  it.effect("sorts ids into documents, not found and failures, in input order", () =>
    Effect.gen(function* () {
      const result = yield* lookupCollections([
        GUEST.id,
        UNKNOWN,
        FORBIDDEN,
        MAPPED.id,
        DELETED,
        DOWN,
        ENDPOINT.id,
      ]);
      expect(result.documents.map((d) => d.id)).toEqual([GUEST.id, MAPPED.id, ENDPOINT.id]);
      expect(result.notFound).toEqual([UNKNOWN, DELETED]);
      expect(result.failures.map(({ id, error }) => [id, error._tag])).toEqual([
        [FORBIDDEN, "GlobusApiError"],
        [DOWN, "GlobusUnavailableError"],
      ]);
    }).pipe(
      Effect.provide(
        TransferApi.layerMemory({
          endpoints: [MAPPED, GUEST, ENDPOINT],
          errors: {
            [DELETED]: transferError(404, "EndpointDeleted"),
            [FORBIDDEN]: transferError(403, "EndpointPermissionDenied"),
            [DOWN]: unavailable,
          },
        }),
      ),
    ),
  );

  it.effect("counts only EndpointNotFound/EndpointDeleted as not found", () =>
    Effect.gen(function* () {
      const result = yield* lookupCollections([UNKNOWN]);
      expect(result.notFound).toEqual([]);
      expect(result.failures).toHaveLength(1);
    }).pipe(
      Effect.provide(
        TransferApi.layerMemory({
          errors: { [UNKNOWN]: transferError(404, "ClientError.NotFound") },
        }),
      ),
    ),
  );

  it.effect("looks each id up once and at most 4 at a time", () =>
    Effect.gen(function* () {
      const calls = yield* Ref.make<string[]>([]);
      const inFlight = yield* Ref.make(0);
      const peak = yield* Ref.make(0);
      const slow = TransferApi.layerMemory({
        overrides: {
          getEndpoint: (id) =>
            Effect.gen(function* () {
              yield* Ref.update(calls, (all) => [...all, id]);
              const now = yield* Ref.updateAndGet(inFlight, (n) => n + 1);
              yield* Ref.update(peak, (p) => Math.max(p, now));
              yield* Effect.sleep("1 second");
              yield* Ref.update(inFlight, (n) => n - 1);
              return { ...MAPPED, id };
            }),
        },
      });
      const ids = Array.from(
        { length: 10 },
        (_, i) => `00000000-0000-4000-8000-0000000000${10 + i}`,
      );
      const fiber = yield* Effect.fork(
        lookupCollections([...ids, ...ids, ids[0]?.toUpperCase() ?? ""]).pipe(Effect.provide(slow)),
      );
      for (let i = 0; i < 3; i++) yield* TestClock.adjust("1 second");
      const result = yield* Fiber.join(fiber);
      expect(result.documents.map((d) => d.id)).toEqual(ids);
      expect((yield* Ref.get(calls)).sort()).toEqual([...ids].sort());
      expect(yield* Ref.get(peak)).toBe(4);
    }),
  );
});

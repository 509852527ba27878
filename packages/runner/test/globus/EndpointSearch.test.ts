/**
 * `TransferApi.endpointSearch` and `searchEndpoints` over a fake HttpClient: the query each
 * request sends (§5.3 names), the recorded response it decodes, and paging by `limit`/`offset`
 * following `has_next_page` up to the results asked for or the 1000-result ceiling. Also the
 * in-memory Transfer's search.
 */
import { describe, expect, it } from "@effect/vitest";
import { EndpointDocument, type EndpointList } from "@transflow/core/globus";
import { Effect, Layer } from "effect";
import { AuthApi } from "../../src/globus/AuthApi.ts";
import { AuthTokens } from "../../src/globus/AuthTokens.ts";
import { TransferApi } from "../../src/globus/TransferApi.ts";
import { SEARCH_MAX_RESULTS, searchEndpoints } from "../../src/globus/TransferSearch.ts";
import {
  type Canned,
  clientEnv,
  type FakeHttp,
  fixture,
  type Handler,
  httpLayer,
  makeFakeHttp,
  runWithClock,
  type SeenRequest,
  tokenResponse,
} from "./support.ts";

const TOKEN_PATH = "/v2/oauth2/token";
const SEARCH_PATH = "/v0.10/endpoint_search";
const RECORDED = fixture("transfer/endpoint_search") as EndpointList;
const MAPPED = EndpointDocument.parse(fixture("transfer/get_endpoint_mapped_collection"));

const layerOver = (fake: FakeHttp) => {
  const auth = AuthApi.layer.pipe(Layer.provideMerge(httpLayer(fake)));
  const tokens = AuthTokens.layerFromEnv(clientEnv).pipe(Layer.provideMerge(auth));
  return TransferApi.layerWith({ maxRequestsPerSecond: undefined }).pipe(
    Layer.provideMerge(tokens),
  );
};

/** Runs `use` against a fake Transfer; returns its outcome and the Transfer requests seen. */
const exchange = <A, E>(handler: Handler, use: Effect.Effect<A, E, TransferApi>) =>
  Effect.gen(function* () {
    const fake = yield* makeFakeHttp((request, attempt) =>
      request.url.pathname === TOKEN_PATH
        ? { status: 200, json: tokenResponse(`token-${attempt}`) }
        : handler(request, attempt),
    );
    const result = yield* runWithClock(Effect.either(use)).pipe(Effect.provide(layerOver(fake)));
    const requests = (yield* fake.requests.get).filter((r) => r.url.pathname !== TOKEN_PATH);
    return { result, requests };
  });

const query = (request: SeenRequest | undefined) =>
  Object.fromEntries(request?.url.searchParams.entries() ?? []);

const right = <A, E>(result: { _tag: "Right"; right: A } | { _tag: "Left"; left: E }): A => {
  if (result._tag === "Left") throw new Error(`expected success, got ${String(result.left)}`);
  return result.right;
};

/** Item `n` of a fake result set: the recorded mapped collection with its own id. */
const item = (n: number) => ({
  ...MAPPED,
  id: `c0ffee00-0000-4000-8000-${n.toString(16).padStart(12, "0")}`,
  display_name: `Result ${n}`,
  _rank: 1 / (n + 1),
});

/**
 * A Transfer with `total` results that honours `limit` (default 25, capped at `pageCap`) and
 * `offset`, and says `has_next_page` as Transfer does.
 */
const pagedSearch =
  (total: number, pageCap = 100): Handler =>
  (request): Canned => {
    const limit = Math.min(Number(request.url.searchParams.get("limit") ?? 25), pageCap);
    const offset = Number(request.url.searchParams.get("offset") ?? 0);
    const end = Math.min(offset + limit, total);
    const DATA = Array.from({ length: Math.max(0, end - offset) }, (_, i) => item(offset + i));
    return {
      status: 200,
      json: {
        DATA_TYPE: "endpoint_list",
        limit,
        offset,
        has_next_page: end < total,
        DATA,
      } satisfies EndpointList,
    };
  };

const pages = (requests: readonly SeenRequest[]) =>
  requests.map((r) => [r.url.searchParams.get("limit"), r.url.searchParams.get("offset")]);

describe("TransferApi.endpointSearch", () => {
  it.effect("GETs /v0.10/endpoint_search with filter_fulltext, filter_scope, limit, offset", () =>
    Effect.gen(function* () {
      const { result, requests } = yield* exchange(
        () => ({ status: 200, json: RECORDED }),
        Effect.flatMap(TransferApi, (t) =>
          t.endpointSearch({ fulltext: "tutorial", scope: "my-endpoints", limit: 25, offset: 50 }),
        ),
      );
      const list = right(result);
      expect(list.DATA.map((d) => d.display_name)).toEqual([
        "Globus S3 Tutorial Endpoint",
        "Globus Tutorial Endpoint 1",
        "Globus Tutorial Endpoint 2",
      ]);
      expect(list.DATA.every((d) => typeof d._rank === "number")).toBe(true);
      expect(requests).toHaveLength(1);
      expect(requests[0]?.method).toBe("GET");
      expect(requests[0]?.url.pathname).toBe(SEARCH_PATH);
      expect(query(requests[0])).toEqual({
        filter_fulltext: "tutorial",
        filter_scope: "my-endpoints",
        limit: "25",
        offset: "50",
      });
      expect(requests[0]?.headers.authorization).toBe("Bearer token-1");
    }),
  );

  it.effect("sends filter_entity_type and filter_owner_id; leaves unset filters out", () =>
    Effect.gen(function* () {
      const owner = "b0a5e1d2-3c4f-4a6b-8d7e-9f0a1b2c3d01";
      const { requests } = yield* exchange(
        () => ({ status: 200, json: RECORDED }),
        Effect.flatMap(TransferApi, (t) =>
          t.endpointSearch({ entityType: "GCSv5_guest_collection", ownerId: owner }),
        ),
      );
      expect(query(requests[0])).toEqual({
        filter_entity_type: "GCSv5_guest_collection",
        filter_owner_id: owner,
      });
    }),
  );

  it.effect("passes Transfer's 400 on as a GlobusApiError with its code, without retrying", () =>
    Effect.gen(function* () {
      const { result, requests } = yield* exchange(
        () => ({
          status: 400,
          json: {
            code: "BadRequest",
            message: "filter_fulltext is required when filter_scope is 'all'",
            request_id: "aBcD3fGh1",
            resource: "/endpoint_search",
          },
        }),
        Effect.flatMap(TransferApi, (t) => t.endpointSearch({})),
      );
      expect(result._tag).toBe("Left");
      const error = result._tag === "Left" ? result.left : undefined;
      expect(error).toMatchObject({
        _tag: "GlobusApiError",
        status: 400,
        code: "BadRequest",
        requestId: "aBcD3fGh1",
      });
      expect(requests).toHaveLength(1);
    }),
  );
});

describe("searchEndpoints paging", () => {
  it.effect("asks for pages of 100 and a last partial page, up to the results wanted", () =>
    Effect.gen(function* () {
      const { result, requests } = yield* exchange(
        pagedSearch(250),
        searchEndpoints({ fulltext: "result", limit: 230 }),
      );
      const { items, more } = right(result);
      expect(pages(requests)).toEqual([
        ["100", "0"],
        ["100", "100"],
        ["30", "200"],
      ]);
      expect(items).toHaveLength(230);
      expect(items[0]?.display_name).toBe("Result 0");
      expect(items[229]?.display_name).toBe("Result 229");
      expect(more).toBe(true);
      expect(requests.every((r) => r.url.searchParams.get("filter_fulltext") === "result")).toBe(
        true,
      );
    }),
  );

  it.effect("stops where has_next_page is false", () =>
    Effect.gen(function* () {
      const { result, requests } = yield* exchange(
        pagedSearch(130),
        searchEndpoints({ fulltext: "result", limit: 1000 }),
      );
      expect(pages(requests)).toEqual([
        ["100", "0"],
        ["100", "100"],
      ]);
      expect(right(result).items).toHaveLength(130);
      expect(right(result).more).toBe(false);
    }),
  );

  it.effect("one small page when fewer results are wanted than a page holds", () =>
    Effect.gen(function* () {
      const { result, requests } = yield* exchange(
        pagedSearch(3),
        searchEndpoints({ fulltext: "result", scope: "shared-with-me", limit: 25 }),
      );
      expect(pages(requests)).toEqual([["25", "0"]]);
      expect(query(requests[0]).filter_scope).toBe("shared-with-me");
      expect(right(result)).toMatchObject({ more: false });
      expect(right(result).items).toHaveLength(3);
    }),
  );

  it.effect("never asks beyond the 1000 results one query can reach", () =>
    Effect.gen(function* () {
      const { result, requests } = yield* exchange(
        pagedSearch(5000),
        searchEndpoints({ fulltext: "result", limit: 5000 }),
      );
      expect(requests).toHaveLength(10);
      expect(pages(requests).at(-1)).toEqual(["100", "900"]);
      expect(right(result).items).toHaveLength(SEARCH_MAX_RESULTS);
      expect(right(result).more).toBe(true);
    }),
  );

  it.effect("follows the offset Transfer actually served when a page is shorter than asked", () =>
    Effect.gen(function* () {
      const { result, requests } = yield* exchange(
        pagedSearch(120, 50),
        searchEndpoints({ fulltext: "result", limit: 200 }),
      );
      expect(pages(requests)).toEqual([
        ["100", "0"],
        ["100", "50"],
        ["100", "100"],
      ]);
      expect(right(result).items.map((d) => d.display_name)).toEqual(
        Array.from({ length: 120 }, (_, i) => `Result ${i}`),
      );
    }),
  );

  it.effect("ends on an empty page that still claims more, and keeps no extra items", () =>
    Effect.gen(function* () {
      const { result, requests } = yield* exchange(
        (request) => {
          const offset = Number(request.url.searchParams.get("offset"));
          const DATA = offset === 0 ? [item(0), item(1), item(2)] : [];
          return {
            status: 200,
            json: { DATA_TYPE: "endpoint_list", limit: 100, offset, has_next_page: true, DATA },
          };
        },
        searchEndpoints({ fulltext: "result", limit: 2 }),
      );
      // Transfer sent three for a limit of two: two are kept, and "more" says so.
      expect(requests).toHaveLength(1);
      expect(right(result).items).toHaveLength(2);
      expect(right(result).more).toBe(true);

      const again = yield* exchange(
        (request) => {
          const offset = Number(request.url.searchParams.get("offset"));
          const DATA = offset === 0 ? [item(0)] : [];
          return {
            status: 200,
            json: { DATA_TYPE: "endpoint_list", limit: 100, offset, has_next_page: true, DATA },
          };
        },
        searchEndpoints({ fulltext: "result", limit: 50 }),
      );
      expect(pages(again.requests)).toEqual([
        ["50", "0"],
        ["49", "1"],
      ]);
      expect(right(again.result)).toMatchObject({ more: false });
    }),
  );
});

describe("TransferApi.layerMemory endpointSearch", () => {
  const guest = { ...MAPPED, id: "c0ffee00-0000-4000-8000-000000000003" };
  const documents = [
    { ...MAPPED, display_name: "Lab Mapped Storage", keywords: "lab,posix" },
    {
      ...guest,
      display_name: "Lab Shared Results",
      entity_type: "GCSv5_guest_collection" as const,
    },
  ];

  it.effect("matches every word as a prefix, filters the entity type, and pages", () =>
    Effect.gen(function* () {
      const transfer = yield* TransferApi;
      const both = yield* transfer.endpointSearch({ fulltext: "lab" });
      expect(both.DATA.map((d) => d.display_name)).toEqual([
        "Lab Mapped Storage",
        "Lab Shared Results",
      ]);
      const one = yield* transfer.endpointSearch({ fulltext: "lab sha" });
      expect(one.DATA.map((d) => d.display_name)).toEqual(["Lab Shared Results"]);
      const guests = yield* transfer.endpointSearch({
        fulltext: "lab",
        entityType: "GCSv5_guest_collection",
      });
      expect(guests.DATA).toHaveLength(1);
      const first = yield* transfer.endpointSearch({ fulltext: "lab", limit: 1 });
      expect([first.DATA.length, first.has_next_page]).toEqual([1, true]);
      const paged = yield* searchEndpoints({ fulltext: "lab", limit: 10 });
      expect(paged.items).toHaveLength(2);
    }).pipe(Effect.provide(TransferApi.layerMemory({ endpoints: documents }))),
  );
});

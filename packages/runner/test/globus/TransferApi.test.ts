import { describe, expect, it } from "@effect/vitest";
import type { EndpointDocument } from "@transflow/core/globus";
import { Effect } from "effect";
import { TransferApi } from "../../src/globus/TransferApi.ts";
import {
  clientEnv,
  fixture,
  type Handler,
  makeFakeHttp,
  runWithClock,
  servicesLayer,
  tokenResponse,
} from "./support.ts";

const TOKEN_PATH = "/v2/oauth2/token";
const MAPPED = fixture("transfer/get_endpoint_mapped_collection") as EndpointDocument;
const ENDPOINT_PATH = `/v0.10/endpoint/${MAPPED.id}`;

/** Auth hands out `token-n`; Transfer answers with `transfer(request, attempt)`. */
const server =
  (transfer: Handler): Handler =>
  (request, attempt) =>
    request.url.pathname === TOKEN_PATH
      ? { status: 200, json: tokenResponse(`token-${attempt}`) }
      : transfer(request, attempt);

const getEndpoint = (handler: Handler, env: Record<string, string> = clientEnv) =>
  Effect.gen(function* () {
    const fake = yield* makeFakeHttp(server(handler));
    const result = yield* Effect.gen(function* () {
      const transfer = yield* TransferApi;
      return yield* runWithClock(Effect.either(transfer.getEndpoint(MAPPED.id)));
    }).pipe(Effect.provide(servicesLayer(fake, env)));
    const requests = yield* fake.requests.get;
    return {
      result,
      grants: requests.filter((r) => r.url.pathname === TOKEN_PATH).length,
      transferCalls: requests.filter((r) => r.url.pathname === ENDPOINT_PATH),
    };
  });

const authenticationFailed = {
  status: 401,
  json: fixture("errors/transfer_authentication_failed"),
} as const;

describe("TransferApi.getEndpoint", () => {
  it.effect("GETs /v0.10/endpoint/<id> with the bearer token and decodes the document", () =>
    Effect.gen(function* () {
      const { result, grants, transferCalls } = yield* getEndpoint(() => ({
        status: 200,
        json: MAPPED,
      }));
      expect(result._tag === "Right" && result.right.entity_type).toBe("GCSv5_mapped_collection");
      expect(grants).toBe(1);
      expect(transferCalls.map((r) => [r.method, r.url.href, r.headers.authorization])).toEqual([
        ["GET", `https://transfer.test.example${ENDPOINT_PATH}`, "Bearer token-1"],
      ]);
    }),
  );

  it.effect("after a 401 gets a new token and tries once more", () =>
    Effect.gen(function* () {
      const { result, grants, transferCalls } = yield* getEndpoint((_, attempt) =>
        attempt === 1 ? authenticationFailed : { status: 200, json: MAPPED },
      );
      expect(result._tag).toBe("Right");
      expect(grants).toBe(2);
      expect(transferCalls.map((r) => r.headers.authorization)).toEqual([
        "Bearer token-1",
        "Bearer token-2",
      ]);
    }),
  );

  it.effect("gives up on a second 401", () =>
    Effect.gen(function* () {
      const { result, grants, transferCalls } = yield* getEndpoint(() => authenticationFailed);
      expect(grants).toBe(2);
      expect(transferCalls).toHaveLength(2);
      const error = result._tag === "Left" ? result.left : undefined;
      expect(error?._tag).toBe("GlobusApiError");
      expect(error?.message).toBe(
        "Transfer answered 401 ClientError.AuthenticationFailed: foo bar (request_id abc123)",
      );
      for (const text of [error?.message, String(error), JSON.stringify(error)]) {
        expect(text).not.toContain("token-");
      }
    }),
  );

  it.effect("reports 404 EndpointNotFound without retrying", () =>
    Effect.gen(function* () {
      const { result, transferCalls } = yield* getEndpoint(() => ({
        status: 404,
        json: {
          code: "EndpointNotFound",
          message: `No such endpoint '${MAPPED.id}'`,
          request_id: "r1",
        },
      }));
      expect(transferCalls).toHaveLength(1);
      expect(result._tag === "Left" && result.left._tag).toBe("GlobusApiError");
    }),
  );

  it.effect("fails with LoginRequiredError and sends nothing when no identity is configured", () =>
    Effect.gen(function* () {
      const { result, grants, transferCalls } = yield* getEndpoint(
        () => ({ status: 200, json: MAPPED }),
        {},
      );
      expect(result._tag === "Left" && result.left._tag).toBe("LoginRequiredError");
      expect(grants + transferCalls.length).toBe(0);
    }),
  );
});

describe("TransferApi.layerMemory", () => {
  it.effect("serves documents and answers 404 EndpointNotFound for the rest", () =>
    Effect.gen(function* () {
      const transfer = yield* TransferApi;
      expect((yield* transfer.getEndpoint(MAPPED.id.toUpperCase())).id).toBe(MAPPED.id);
      const error = yield* Effect.flip(transfer.getEndpoint("nope"));
      expect(error._tag === "GlobusApiError" && [error.status, error.code]).toEqual([
        404,
        "EndpointNotFound",
      ]);
    }).pipe(Effect.provide(TransferApi.layerMemory({ endpoints: [MAPPED] }))),
  );
});

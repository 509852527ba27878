/**
 * Globus Transfer v0.10 calls with the identity's bearer token; a 401 forgets the token and tries
 * once more with a fresh one (the SDKs' run-once refresh). For now only `getEndpoint`; each new call
 * is one more method on the shape and one more `call(...)` in `make`.
 */
import { TRANSFER_RESOURCE_SERVER } from "@transflow/core";
import { EndpointDocument } from "@transflow/core/globus";
import { Context, Effect, Layer, Redacted } from "effect";
import { AuthTokens, type AuthTokensError } from "./AuthTokens.ts";
import { GlobusConfig, serviceUrl } from "./GlobusConfig.ts";
import { GlobusApiError, type GlobusHttpError } from "./GlobusErrors.ts";
import { GlobusHttp, type GlobusRequest, type WireSchema } from "./GlobusHttp.ts";

export type TransferApiError = GlobusHttpError | AuthTokensError;

export interface TransferApiShape {
  /** `GET /v0.10/endpoint/<id>`: the endpoint or collection document. */
  readonly getEndpoint: (id: string) => Effect.Effect<EndpointDocument, TransferApiError>;
}

const endpointPath = (id: string): string => `/v0.10/endpoint/${encodeURIComponent(id)}`;

const make = Effect.gen(function* () {
  const http = yield* GlobusHttp;
  const tokens = yield* AuthTokens;

  /** One Transfer request with a bearer token, refreshed and resent once after a 401. */
  const call = <A>(
    request: Omit<GlobusRequest, "service" | "authorization">,
    schema: WireSchema<A>,
  ): Effect.Effect<A, TransferApiError> => {
    const attempt = (isRetry: boolean): Effect.Effect<A, TransferApiError> =>
      Effect.gen(function* () {
        const token = yield* tokens.accessTokenFor(TRANSFER_RESOURCE_SERVER);
        const authorization = Redacted.make(`Bearer ${Redacted.value(token)}`);
        return yield* http
          .request({ ...request, service: "transfer", authorization }, schema)
          .pipe(
            Effect.catchTag("GlobusApiError", (error) =>
              error.status === 401 && !isRetry
                ? Effect.zipRight(tokens.invalidate(TRANSFER_RESOURCE_SERVER, token), attempt(true))
                : Effect.fail(error),
            ),
          );
      });
    return attempt(false);
  };

  const getEndpoint = Effect.fn("TransferApi.getEndpoint")(function* (id: string) {
    return yield* call({ method: "GET", path: endpointPath(id) }, EndpointDocument);
  });

  return { getEndpoint } satisfies TransferApiShape;
});

/** What `TransferApi.layerMemory` serves. */
export interface MemoryTransfer {
  /** Endpoint documents, found by `id` (case does not matter). */
  readonly endpoints?: Iterable<EndpointDocument>;
  /** Ids that fail with the given error instead. */
  readonly errors?: Readonly<Record<string, TransferApiError>>;
}

/** A 404 `EndpointNotFound` as Transfer words it. */
export const endpointNotFound = (id: string, url: string): GlobusApiError =>
  new GlobusApiError({
    service: "transfer",
    status: 404,
    code: "EndpointNotFound",
    globusMessage: `No such endpoint '${id}'`,
    requestId: undefined,
    resource: `/endpoint/${id}`,
    method: "GET",
    url,
    retryAfterSeconds: undefined,
    body: undefined,
  });

const makeMemory = (options: MemoryTransfer) =>
  Effect.gen(function* () {
    const config = yield* GlobusConfig;
    const endpoints = new Map<string, EndpointDocument>();
    for (const document of options.endpoints ?? [])
      endpoints.set(document.id.toLowerCase(), document);
    const errors = new Map<string, TransferApiError>();
    for (const [id, error] of Object.entries(options.errors ?? {}))
      errors.set(id.toLowerCase(), error);
    const getEndpoint = (id: string) => {
      const error = errors.get(id.toLowerCase());
      if (error !== undefined) return Effect.fail(error);
      const document = endpoints.get(id.toLowerCase());
      return document === undefined
        ? Effect.fail(endpointNotFound(id, serviceUrl(config, "transfer", endpointPath(id))))
        : Effect.succeed(document);
    };
    return { getEndpoint } satisfies TransferApiShape;
  });

/** Globus Transfer. */
export class TransferApi extends Context.Tag("transflow/TransferApi")<
  TransferApi,
  TransferApiShape
>() {
  static readonly layer: Layer.Layer<TransferApi, never, GlobusHttp | AuthTokens> = Layer.effect(
    this,
    make,
  );

  /** Canned documents and errors, no HTTP; unknown ids answer 404 `EndpointNotFound`. */
  static readonly layerMemory = (options: MemoryTransfer): Layer.Layer<TransferApi> =>
    Layer.effect(TransferApi, makeMemory(options)).pipe(
      Layer.provide(GlobusConfig.layerStatic({})),
    );
}

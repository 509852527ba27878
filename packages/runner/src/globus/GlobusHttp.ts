/**
 * One HTTP exchange with a Globus service: builds the request (JSON or form body, `Accept`,
 * `User-Agent`, a redacted `Authorization`), retries what `isRetryable` allows on the one shared
 * schedule, and turns the answer into a decoded document or one of our tagged errors.
 */
import { FetchHttpClient, HttpClient, HttpClientRequest } from "@effect/platform";
import type { HttpClientError } from "@effect/platform/HttpClientError";
import type { DocumentJson } from "@transflow/core";
import {
  AuthErrorBody,
  isConsentRequired,
  OAuthErrorBody,
  requiredScopesOf,
  TransferErrorBody,
} from "@transflow/core/globus";
import { Context, Duration, Effect, Layer, Option, Redacted, Schedule } from "effect";
import { GlobusConfig, type GlobusService, serviceUrl } from "./GlobusConfig.ts";
import {
  ConsentRequiredError,
  GlobusApiError,
  type GlobusHttpError,
  GlobusResponseError,
  GlobusUnavailableError,
  isRetryable,
  retryAfterStatuses,
} from "./GlobusErrors.ts";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** A request to one Globus service; `path` is relative to the service's base URL. */
export interface GlobusRequest {
  readonly service: GlobusService;
  readonly method: HttpMethod;
  readonly path: string;
  /** Query parameters; undefined values are left out. */
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
  /**
   * A JSON body is sent as the text given (`documentJson`), so a large document is serialised
   * once, by whoever built it. Form values may be `Redacted` (refresh tokens): they are unwrapped
   * only when sent.
   */
  readonly body?:
    | { readonly json: DocumentJson<unknown> }
    | { readonly form: Readonly<Record<string, string | Redacted.Redacted<string>>> };
  /** The whole `Authorization` value (`Bearer …`, `Basic …`), kept redacted until it is sent. */
  readonly authorization?: Redacted.Redacted<string>;
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Retry transient failures here (the default). A caller whose retries must rebuild the request
   * (a bearer token that may expire during a `Retry-After` wait) turns this off and retries itself
   * on `retrySchedule`.
   * @default true
   */
  readonly retry?: boolean;
}

/** One problem a wire schema found; zod's issues have this shape. */
export interface WireIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/**
 * What decoding needs of a schema: zod's `safeParse` (the schemas of `@transflow/core/globus`),
 * typed structurally so the runner does not import zod itself.
 */
export interface WireSchema<A> {
  safeParse(
    data: unknown,
  ):
    | { readonly success: true; readonly data: A }
    | { readonly success: false; readonly error: { readonly issues: readonly WireIssue[] } };
}

/** A path as zod's `prettifyError` writes it: `DATA[0].id`, `["odd key"]`. */
const dotPath = (path: readonly PropertyKey[]): string =>
  path
    .map((key, index) => {
      if (typeof key === "number") return `[${key}]`;
      const name = String(key);
      if (/^[A-Za-z_$][\w$]*$/.test(name)) return index === 0 ? name : `.${name}`;
      return `[${JSON.stringify(name)}]`;
    })
    .join("");

/** zod's `prettifyError` layout: one `✖ message` line per issue, its path below. */
export const prettifyIssues = (issues: readonly WireIssue[]): string =>
  [...issues]
    .sort((a, b) => a.path.length - b.path.length)
    .flatMap((issue) => [
      `✖ ${issue.message}`,
      ...(issue.path.length > 0 ? [`  → at ${dotPath(issue.path)}`] : []),
    ])
    .join("\n");

/** Retries after the first attempt (so at most six attempts), as the Globus SDKs do. */
export const MAX_RETRIES = 5;
/** The longest sleep between attempts, also the cap on `Retry-After`. */
export const MAX_RETRY_SLEEP = Duration.seconds(10);

/**
 * The one retry schedule: sleeps of 0.5·2ⁿ s jittered ±50 % (≈0.5, 1, 2, 4, 8 s), each at most
 * 10 s; a usable `Retry-After` on a 429/503 replaces the sleep (Effect's `retryTransient` ignores
 * it); stops after 5 retries or at the first error `isRetryable` refuses.
 */
export const retrySchedule: Schedule.Schedule<unknown, unknown> = Schedule.exponential(
  Duration.millis(500),
).pipe(
  Schedule.jitteredWith({ min: 0.5, max: 1.5 }),
  Schedule.modifyDelay((_, delay) => Duration.min(delay, MAX_RETRY_SLEEP)),
  Schedule.intersect(Schedule.identity<unknown>()),
  Schedule.modifyDelay(([, error], delay) =>
    error instanceof GlobusApiError && error.retryAfterSeconds !== undefined
      ? Duration.min(Duration.seconds(error.retryAfterSeconds), MAX_RETRY_SLEEP)
      : delay,
  ),
  Schedule.intersect(Schedule.recurs(MAX_RETRIES)),
  Schedule.whileInput((error: unknown) => isRetryable(error)),
);

/** An integer number of seconds above zero; dates, zero and fractions are ignored (§6.1). */
const parseRetryAfter = (value: string | undefined): number | undefined => {
  const text = value?.trim();
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  const seconds = Number(text);
  return seconds > 0 ? seconds : undefined;
};

const parseJson = (text: string): { readonly ok: true; readonly value: unknown } | undefined => {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return undefined;
  }
};

/** Up to 200 characters of a body that is not JSON, on one line. */
const excerpt = (text: string): string | undefined => {
  const line = text.replace(/\s+/g, " ").trim();
  if (line === "") return undefined;
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
};

interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly text: string;
}

interface Exchange {
  readonly service: GlobusService;
  readonly method: string;
  readonly url: string;
}

/** Auth's request id: the `id` its sub-errors share, as the Python SDK reads it. */
const authRequestId = (ids: readonly string[]): string | undefined => {
  const [first, ...rest] = ids;
  return first !== undefined && rest.every((id) => id === first) ? first : undefined;
};

/** The tagged error for a non-2xx answer. */
export const errorOfAnswer = (
  exchange: Exchange,
  answer: Answer,
): GlobusApiError | ConsentRequiredError => {
  const json = parseJson(answer.text);
  const body = json?.value;
  const retryAfterSeconds = retryAfterStatuses.includes(answer.status)
    ? parseRetryAfter(answer.headers["retry-after"])
    : undefined;
  const base = {
    ...exchange,
    status: answer.status,
    retryAfterSeconds,
    body,
  };
  if (exchange.service === "transfer") {
    if (isConsentRequired(body)) {
      const parsed = TransferErrorBody.safeParse(body);
      return new ConsentRequiredError({
        requiredScopes: requiredScopesOf(body),
        globusMessage: parsed.success ? parsed.data.message : undefined,
        requestId: parsed.success ? parsed.data.request_id : undefined,
        resource: parsed.success ? parsed.data.resource : undefined,
        method: exchange.method,
        url: exchange.url,
      });
    }
    const parsed = TransferErrorBody.safeParse(body);
    if (parsed.success) {
      return new GlobusApiError({
        ...base,
        code: parsed.data.code,
        globusMessage: parsed.data.message,
        requestId: parsed.data.request_id,
        resource: parsed.data.resource,
      });
    }
  } else {
    const oauth = OAuthErrorBody.safeParse(body);
    const api = AuthErrorBody.safeParse(body);
    const items = oauth.success ? (oauth.data.errors ?? []) : api.success ? api.data.errors : [];
    const first = items[0];
    const code = oauth.success ? oauth.data.error : first?.code;
    if (code !== undefined) {
      return new GlobusApiError({
        ...base,
        code,
        globusMessage:
          (oauth.success ? oauth.data.error_description : undefined) ??
          first?.detail ??
          first?.title,
        requestId: authRequestId(items.map((item) => item.id)),
        resource: undefined,
      });
    }
  }
  // Not a Globus error document (a proxy's HTML page, an empty body): keep what can be shown.
  return new GlobusApiError({
    ...base,
    code: "Error",
    globusMessage: json === undefined ? excerpt(answer.text) : undefined,
    requestId: undefined,
    resource: undefined,
  });
};

/** The decoded document of a 2xx answer. */
const decodeAnswer = <A>(
  exchange: Exchange,
  answer: Answer,
  schema: WireSchema<A>,
): Effect.Effect<A, GlobusResponseError> => {
  const fail = (issues: string) =>
    Effect.fail(new GlobusResponseError({ ...exchange, status: answer.status, issues }));
  const json = parseJson(answer.text);
  if (json === undefined) {
    return fail(`✖ the body is not JSON: ${excerpt(answer.text) ?? "(empty)"}`);
  }
  const parsed = schema.safeParse(json.value);
  return parsed.success ? Effect.succeed(parsed.data) : fail(prettifyIssues(parsed.error.issues));
};

const queryString = (query: GlobusRequest["query"]): string => {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined) params.append(name, String(value));
  }
  const text = params.toString();
  return text === "" ? "" : `?${text}`;
};

export interface GlobusHttpShape {
  /**
   * Sends `request` (retrying transient failures on `retrySchedule`) and decodes a 2xx JSON body
   * with `schema`. A 401 is returned as a `GlobusApiError`: refreshing is the caller's job.
   */
  readonly request: <A>(
    request: GlobusRequest,
    schema: WireSchema<A>,
  ) => Effect.Effect<A, GlobusHttpError>;
}

const make = Effect.gen(function* () {
  const config = yield* GlobusConfig;
  // No trace headers to Globus: nothing there reads them.
  const client = (yield* HttpClient.HttpClient).pipe(HttpClient.withTracerPropagation(false));

  const toUnavailable =
    (exchange: Exchange) =>
    (error: HttpClientError): Effect.Effect<never, GlobusUnavailableError> => {
      // Only the network's own error is kept: the platform error holds the request and headers.
      if (error._tag === "RequestError" && error.reason !== "Transport") {
        // A bad URL or an unencodable body is a bug, not an outage.
        return Effect.die(new Error(`${error.reason} error (${exchange.method} ${exchange.url})`));
      }
      return Effect.fail(
        new GlobusUnavailableError({ ...exchange, reason: "transport", cause: error.cause }),
      );
    };

  const attempt = <A>(request: GlobusRequest, schema: WireSchema<A>, exchange: Exchange) => {
    let outgoing = HttpClientRequest.make(request.method)(exchange.url, {
      headers: {
        ...request.headers,
        accept: "application/json",
        "user-agent": config.userAgent,
      },
    });
    if (request.authorization !== undefined) {
      outgoing = HttpClientRequest.setHeader(
        outgoing,
        "authorization",
        Redacted.value(request.authorization),
      );
    }
    if (request.body !== undefined) {
      outgoing =
        "json" in request.body
          ? HttpClientRequest.bodyText(outgoing, request.body.json, "application/json")
          : HttpClientRequest.bodyUrlParams(
              outgoing,
              Object.entries(request.body.form).map(
                ([name, value]) =>
                  [name, Redacted.isRedacted(value) ? Redacted.value(value) : value] as const,
              ),
            );
    }
    const answer = client.execute(outgoing).pipe(
      Effect.flatMap((response) =>
        Effect.map(
          response.text,
          (text): Answer => ({ status: response.status, headers: response.headers, text }),
        ),
      ),
      Effect.catchAll(toUnavailable(exchange)),
    );
    const timed = Option.match(config.timeout, {
      onNone: () => answer,
      onSome: (duration) =>
        Effect.timeoutFail(answer, {
          duration,
          onTimeout: () =>
            new GlobusUnavailableError({ ...exchange, reason: "timeout", cause: undefined }),
        }),
    });
    return Effect.flatMap(
      timed,
      (got): Effect.Effect<A, GlobusHttpError> =>
        got.status >= 200 && got.status < 300
          ? decodeAnswer(exchange, got, schema)
          : Effect.fail(errorOfAnswer(exchange, got)),
    );
  };

  const request = <A>(request: GlobusRequest, schema: WireSchema<A>) => {
    const exchange: Exchange = {
      service: request.service,
      method: request.method,
      url: `${serviceUrl(config, request.service, request.path)}${queryString(request.query)}`,
    };
    const once = attempt(request, schema, exchange);
    return (request.retry === false ? once : Effect.retry(once, retrySchedule)).pipe(
      Effect.withSpan("GlobusHttp.request", {
        attributes: { method: exchange.method, url: exchange.url },
      }),
    );
  };

  return { request } satisfies GlobusHttpShape;
});

/** Sends requests to Globus; the one place that knows about HTTP. */
export class GlobusHttp extends Context.Tag("transflow/GlobusHttp")<GlobusHttp, GlobusHttpShape>() {
  /** Over whichever `HttpClient` is provided (tests give a fake one). */
  static readonly layer: Layer.Layer<GlobusHttp, never, GlobusConfig | HttpClient.HttpClient> =
    Layer.effect(this, make);
  /** Over `fetch`. */
  static readonly layerFetch: Layer.Layer<GlobusHttp, never, GlobusConfig> = GlobusHttp.layer.pipe(
    Layer.provide(FetchHttpClient.layer),
  );
}

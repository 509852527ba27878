/**
 * Where the Globus services live and how long one HTTP exchange may take, resolved from an
 * environment record the way the Globus SDKs do (`GLOBUS_SDK_SERVICE_URL_*`, `GLOBUS_SDK_ENVIRONMENT`,
 * `GLOBUS_SDK_HTTP_TIMEOUT`). The caller passes the record in; nothing here reads `process.env`.
 */
import { Context, Data, Duration, Effect, Either, Layer, Option } from "effect";

/** The Globus services transflow talks to. */
export type GlobusService = "auth" | "transfer";

/** The version sent in `User-Agent` unless the caller gives its own. */
export const TRANSFLOW_VERSION = "0.1.0";

/** Environment names and the domain their services live under (reference §1). */
const environmentDomains: Readonly<Record<string, string>> = {
  production: "globus.org",
  preview: "preview.globus.org",
  sandbox: "sandbox.globuscs.info",
  integration: "integration.globuscs.info",
  test: "test.globuscs.info",
  staging: "staging.globuscs.info",
};

/** The Globus environments `GLOBUS_SDK_ENVIRONMENT` may name. */
export const globusEnvironments = Object.keys(environmentDomains);

/** Seconds, as in the Python SDK; `-1` means no timeout. */
const DEFAULT_TIMEOUT_SECONDS = 60;

export interface GlobusConfigShape {
  /** The environment the base URLs came from (`production` unless overridden). */
  readonly environment: string;
  /** Base URLs, each ending in `/`. */
  readonly baseUrls: Readonly<Record<GlobusService, string>>;
  /** Per-attempt limit for one request and its response body; `None` waits forever. */
  readonly timeout: Option.Option<Duration.Duration>;
  readonly userAgent: string;
}

/** An environment variable holds a value transflow cannot use. */
export class GlobusConfigError extends Data.TaggedError("GlobusConfigError")<{
  readonly variable: string;
  readonly value: string;
  readonly reason: string;
}> {
  override get message(): string {
    return `${this.variable}=${JSON.stringify(this.value)} is not usable: ${this.reason}`;
  }
}

/** `base` and `path` joined with exactly one slash. */
export const joinUrl = (base: string, path: string): string =>
  `${base.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`;

const serviceUrlVariables: Readonly<Record<GlobusService, string>> = {
  auth: "GLOBUS_SDK_SERVICE_URL_AUTH",
  transfer: "GLOBUS_SDK_SERVICE_URL_TRANSFER",
};

/** The Python SDK's URL scheme: `auth.<domain>`, every other service `<svc>.api.<domain>`. */
const environmentUrl = (service: GlobusService, domain: string): string =>
  service === "auth" ? `https://auth.${domain}/` : `https://${service}.api.${domain}/`;

const setValue = (env: Readonly<Record<string, string | undefined>>, name: string) => {
  const value = env[name]?.trim();
  return value === undefined || value === "" ? undefined : value;
};

const parseTimeout = (
  raw: string | undefined,
): Either.Either<Option.Option<Duration.Duration>, GlobusConfigError> => {
  if (raw === undefined)
    return Either.right(Option.some(Duration.seconds(DEFAULT_TIMEOUT_SECONDS)));
  const seconds = Number(raw);
  if (seconds === -1) return Either.right(Option.none());
  if (!Number.isFinite(seconds) || seconds <= 0) {
    return Either.left(
      new GlobusConfigError({
        variable: "GLOBUS_SDK_HTTP_TIMEOUT",
        value: raw,
        reason: "give a number of seconds greater than 0, or -1 for no timeout",
      }),
    );
  }
  return Either.right(Option.some(Duration.millis(Math.round(seconds * 1000))));
};

const parseBaseUrl = (variable: string, raw: string): Either.Either<string, GlobusConfigError> => {
  try {
    const url = new URL(raw);
    if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error(url.protocol);
    return Either.right(url.href.endsWith("/") ? url.href : `${url.href}/`);
  } catch {
    return Either.left(
      new GlobusConfigError({ variable, value: raw, reason: "give an http(s) URL" }),
    );
  }
};

/**
 * Resolves the configuration from an environment record. Per-service overrides win over the
 * environment; the environment name is checked even when both services are overridden, so a typo
 * never goes unnoticed.
 */
export const resolveGlobusConfig = (
  env: Readonly<Record<string, string | undefined>>,
  options: { readonly userAgent?: string } = {},
): Either.Either<GlobusConfigShape, GlobusConfigError> =>
  Either.gen(function* () {
    const environment = setValue(env, "GLOBUS_SDK_ENVIRONMENT") ?? "production";
    const domain = environmentDomains[environment];
    if (domain === undefined) {
      return yield* Either.left(
        new GlobusConfigError({
          variable: "GLOBUS_SDK_ENVIRONMENT",
          value: environment,
          reason: `known environments are ${globusEnvironments.join(", ")}`,
        }),
      );
    }
    const baseUrl = (service: GlobusService) => {
      const variable = serviceUrlVariables[service];
      const override = setValue(env, variable);
      return override === undefined
        ? Either.right(environmentUrl(service, domain))
        : parseBaseUrl(variable, override);
    };
    const auth = yield* baseUrl("auth");
    const transfer = yield* baseUrl("transfer");
    const timeout = yield* parseTimeout(setValue(env, "GLOBUS_SDK_HTTP_TIMEOUT"));
    return {
      environment,
      baseUrls: { auth, transfer },
      timeout,
      userAgent: options.userAgent ?? `transflow/${TRANSFLOW_VERSION}`,
    };
  });

/** The resolved Globus configuration. */
export class GlobusConfig extends Context.Tag("transflow/GlobusConfig")<
  GlobusConfig,
  GlobusConfigShape
>() {
  /** From an environment record (the cli passes `process.env`). */
  static readonly layerFromEnv = (
    env: Readonly<Record<string, string | undefined>>,
    options: { readonly userAgent?: string } = {},
  ): Layer.Layer<GlobusConfig, GlobusConfigError> =>
    Layer.effect(
      GlobusConfig,
      Either.match(resolveGlobusConfig(env, options), {
        onLeft: Effect.fail,
        onRight: Effect.succeed,
      }),
    );

  /** Fixed base URLs, e.g. a sandbox's or a fake's; production defaults for the rest. */
  static readonly layerStatic = (config: Partial<GlobusConfigShape>): Layer.Layer<GlobusConfig> => {
    const defaults = Either.getOrThrow(resolveGlobusConfig({}));
    return Layer.succeed(GlobusConfig, { ...defaults, ...config });
  };
}

/** The full URL of `path` on `service`. */
export const serviceUrl = (config: GlobusConfigShape, service: GlobusService, path: string) =>
  joinUrl(config.baseUrls[service], path);

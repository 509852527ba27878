/**
 * The Globus services wired together over `fetch`, from one environment record: what the cli
 * provides at its edge (passing `process.env`), and what integration tests build against a sandbox.
 */
import { Layer } from "effect";
import { identityTokensLayer } from "../auth/StoredAuthTokens.ts";
import { TokenStore, type TokenStoreError } from "../auth/TokenStore.ts";
import { AuthApi } from "./AuthApi.ts";
import type { AuthTokens } from "./AuthTokens.ts";
import type { CredentialsError } from "./Credentials.ts";
import { GlobusConfig, type GlobusConfigError } from "./GlobusConfig.ts";
import { GlobusHttp } from "./GlobusHttp.ts";
import { TRANSFER_MAX_REQUESTS_PER_SECOND } from "./RateLimit.ts";
import { TransferApi } from "./TransferApi.ts";

const LOOPBACK = /^https?:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?\//;

/**
 * Requests a second to Transfer: Globus's 20, unless `TRANSFLOW_MAX_REQUESTS_PER_SECOND=off` and
 * Transfer is on this machine (a sandbox, for benchmarks): real Globus is never hammered.
 */
export const transferRequestSpacing = (
  env: Readonly<Record<string, string | undefined>>,
): number | undefined =>
  env.TRANSFLOW_MAX_REQUESTS_PER_SECOND === "off" &&
  LOOPBACK.test(env.GLOBUS_SDK_SERVICE_URL_TRANSFER ?? "")
    ? undefined
    : TRANSFER_MAX_REQUESTS_PER_SECOND;

/** Every Globus service, configured from `env`. */
export type GlobusServices =
  | GlobusConfig
  | GlobusHttp
  | AuthApi
  | AuthTokens
  | TransferApi
  | TokenStore;

/**
 * Config, HTTP over fetch, Auth, the token store (in `TRANSFLOW_HOME` or the XDG config folder),
 * the identity's tokens (client credentials, `TRANSFLOW_REFRESH_TOKEN`, else the stored login of
 * `transflow login`) and Transfer.
 */
export const globusLayerFromEnv = (
  env: Readonly<Record<string, string | undefined>>,
  options: { readonly userAgent?: string } = {},
): Layer.Layer<GlobusServices, GlobusConfigError | CredentialsError | TokenStoreError> => {
  const http = GlobusHttp.layerFetch.pipe(
    Layer.provideMerge(GlobusConfig.layerFromEnv(env, options)),
  );
  const auth = AuthApi.layer.pipe(
    Layer.provideMerge(http),
    Layer.provideMerge(TokenStore.layerFromEnv(env)),
  );
  const tokens = identityTokensLayer(env).pipe(Layer.provideMerge(auth));
  return TransferApi.layerWith({ maxRequestsPerSecond: transferRequestSpacing(env) }).pipe(
    Layer.provideMerge(tokens),
  );
};

/**
 * The Globus services wired together over `fetch`, from one environment record: what the cli
 * provides at its edge (passing `process.env`), and what integration tests build against a sandbox.
 */
import { Layer } from "effect";
import { AuthApi } from "./AuthApi.ts";
import { AuthTokens } from "./AuthTokens.ts";
import type { CredentialsError } from "./Credentials.ts";
import { GlobusConfig, type GlobusConfigError } from "./GlobusConfig.ts";
import { GlobusHttp } from "./GlobusHttp.ts";
import { TransferApi } from "./TransferApi.ts";

/** Every Globus service, configured from `env`. */
export type GlobusServices = GlobusConfig | GlobusHttp | AuthApi | AuthTokens | TransferApi;

/** Config, HTTP over fetch, Auth's token endpoint, the env identity's tokens and Transfer. */
export const globusLayerFromEnv = (
  env: Readonly<Record<string, string | undefined>>,
  options: { readonly userAgent?: string } = {},
): Layer.Layer<GlobusServices, GlobusConfigError | CredentialsError> => {
  const http = GlobusHttp.layerFetch.pipe(
    Layer.provideMerge(GlobusConfig.layerFromEnv(env, options)),
  );
  const auth = AuthApi.layer.pipe(Layer.provideMerge(http));
  const tokens = AuthTokens.layerFromEnv(env).pipe(Layer.provideMerge(auth));
  return TransferApi.layer.pipe(Layer.provideMerge(tokens));
};

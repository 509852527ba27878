/**
 * The runner's Globus clients: configuration, the HTTP exchange with retries, Auth's token
 * endpoint, the identity's tokens, Transfer, and collection lookups. Explicit exports only.
 */
export type {
  AuthApiShape,
  ClientCredentialsRequest,
  RefreshRequest,
  TokenRequestError,
} from "./AuthApi.ts";
export { AuthApi } from "./AuthApi.ts";
export type { AuthTokensError, AuthTokensShape, Identity, StaticTokens } from "./AuthTokens.ts";
export { AuthTokens, EXPIRY_MARGIN, makeAuthTokens } from "./AuthTokens.ts";
export type { CollectionLookupResult } from "./CollectionLookup.ts";
export { LOOKUP_CONCURRENCY, lookupCollections } from "./CollectionLookup.ts";
export type { CredentialSource } from "./Credentials.ts";
export { CredentialsError, credentialsFromEnv } from "./Credentials.ts";
export type { GlobusConfigShape, GlobusService } from "./GlobusConfig.ts";
export {
  GlobusConfig,
  GlobusConfigError,
  globusEnvironments,
  joinUrl,
  resolveGlobusConfig,
  serviceUrl,
  TRANSFLOW_VERSION,
} from "./GlobusConfig.ts";
export type { GlobusHttpError, TokenGrant } from "./GlobusErrors.ts";
export {
  AuthenticationError,
  ConsentRequiredError,
  GlobusApiError,
  GlobusResponseError,
  GlobusUnavailableError,
  isRetryable,
  LoginRequiredError,
  OAuthError,
} from "./GlobusErrors.ts";
export type { GlobusHttpShape, GlobusRequest, HttpMethod, WireSchema } from "./GlobusHttp.ts";
export { GlobusHttp, MAX_RETRIES, MAX_RETRY_SLEEP, retrySchedule } from "./GlobusHttp.ts";
export type { GlobusServices } from "./GlobusLayers.ts";
export { globusLayerFromEnv } from "./GlobusLayers.ts";
export type { RequestSpacing } from "./RateLimit.ts";
export { makeRequestSpacing, noSpacing, TRANSFER_MAX_REQUESTS_PER_SECOND } from "./RateLimit.ts";
export type {
  CancelCode,
  EndpointSearchOptions,
  ListTasksOptions,
  MemoryCall,
  MemoryTask,
  MemoryTransfer,
  MkdirOutcome,
  SubmitResult,
  TaskEventsOptions,
  TaskListFilter,
  TimeRange,
  TransferApiError,
  TransferApiOptions,
  TransferApiShape,
  TransferMemoryShape,
  TransferOperation,
} from "./TransferApi.ts";
export {
  MEMORY_OWNER_ID,
  MKDIR_EXISTS_CODE,
  TransferApi,
  TransferMemory,
  taskListFilter,
} from "./TransferApi.ts";
export type {
  EndpointSearchItem,
  SearchEndpointsQuery,
  SearchEndpointsResult,
} from "./TransferSearch.ts";
export { SEARCH_MAX_RESULTS, SEARCH_PAGE_SIZE, searchEndpoints } from "./TransferSearch.ts";

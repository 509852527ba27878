/**
 * A person's Globus login: the token store, stored-token `AuthTokens`, the native-app login flow
 * and the entry points of `transflow login`, `consent`, `logout`, `whoami` and `collections`.
 * Explicit exports only.
 */
export type {
  AuthCommandError,
  AuthOutcome,
  ConsentScope,
  LoginInput,
  LogoutResult,
  WhoamiResult,
} from "./AuthCommands.ts";
export {
  AUTH_RESOURCE_SERVER,
  identityVariableBeforeStore,
  runLogin,
  runLogout,
  runWhoami,
  workflowConsentScope,
} from "./AuthCommands.ts";
export type {
  CollectionDetails,
  CollectionSearchInput,
  CollectionSearchResult,
  CollectionSummary,
  SessionPolicy,
  WorkflowCollectionEntry,
} from "./CollectionsCommands.ts";
export {
  collectionAlias,
  collectionDetails,
  runCollectionSearch,
  runCollectionShow,
} from "./CollectionsCommands.ts";
export type { LoginError, LoginMode, LoginRequest, LoginResult } from "./Login.ts";
export {
  BASE_LOGIN_SCOPES,
  InvalidScopeError,
  LOGIN_TIMEOUT,
  LoginFailedError,
  login,
  loginScope,
  NativeClientMissingError,
  nativeClientId,
  rememberNativeClientId,
} from "./Login.ts";
export type { StoredIdentity } from "./StoredAuthTokens.ts";
export {
  identityTokensLayer,
  makeStoredAuthTokens,
  renewTime,
  storedIdentity,
} from "./StoredAuthTokens.ts";
export type {
  StoredToken,
  TokenStoreError,
  TokenStoreShape,
  TokenUpdate,
  TransflowConfig,
} from "./TokenStore.ts";
export {
  CONFIG_FILE,
  configDirectory,
  entriesOfResponse,
  isEntryFor,
  storeEnvironment,
  TOKENS_FILE,
  TokenFileError,
  TokenFileInsecureError,
  TokenStore,
  withEntries,
} from "./TokenStore.ts";

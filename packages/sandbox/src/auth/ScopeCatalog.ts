/**
 * The scopes the sandbox's Auth knows, the resource server each belongs to, and how the consent
 * page names them. A data_access scope exists only for a non-high-assurance GCSv5 mapped
 * collection, as in Globus (reference §4.1–4.2); everything else is an unknown scope.
 */
import { dataAccessScope, type Scope, TRANSFER_ALL_SCOPE } from "@transflow/core";
import type { ResolvedCollection, SandboxContext } from "../server/Context.ts";
import { AUTH_RESOURCE_SERVER, TRANSFER_RESOURCE_SERVER } from "./AuthTypes.ts";

const AUTH_URN = "urn:globus:auth:scope:auth.globus.org:";

/** Unlocks `identity_set` in userinfo and the id_token. */
export const VIEW_IDENTITY_SET_SCOPE = `${AUTH_URN}view_identity_set`;
/** Identity lookups on behalf of the user. */
export const VIEW_IDENTITIES_SCOPE = `${AUTH_URN}view_identities`;
/** Needed for `GET /v2/api/identities/<id>/consents?all=true`. */
export const VIEW_CONSENTS_SCOPE = `${AUTH_URN}view_consents`;

/**
 * The client that holds data_access consents under transfer:all (the Transfer service's own
 * client), as in the `client` of the data_access record in the Python SDK's get_consents fixture.
 */
export const TRANSFER_SERVICE_CLIENT_ID = "2fbdda78-a599-4cb5-ac3d-1fbcfbc6a754";
/** The client recorded for dependencies of Auth's own scopes (none are requested in practice). */
export const AUTH_SERVICE_CLIENT_ID = "5ad1c3f0-0000-4000-8000-0000000a0001";

/** A scope the sandbox knows. */
export type KnownScope =
  | { readonly kind: "transfer"; readonly name: string }
  | { readonly kind: "auth"; readonly name: string }
  | { readonly kind: "dataAccess"; readonly name: string; readonly collection: ResolvedCollection };

const AUTH_SCOPES: ReadonlyMap<string, string> = new Map([
  ["openid", "Know who you are in Globus"],
  ["profile", "View your name, username and organization"],
  ["email", "View your email address"],
  [VIEW_IDENTITY_SET_SCOPE, "View the identities linked to your Globus account"],
  [VIEW_IDENTITIES_SCOPE, "Look up Globus identities on your behalf"],
  [VIEW_CONSENTS_SCOPE, "View the consents you have granted"],
]);

const DATA_ACCESS = /^https:\/\/auth\.globus\.org\/scopes\/([^/]+)\/data_access$/;

/**
 * Whether a collection has a data_access scope: the rule of the SDK guide and the CLI
 * (`entity_type == "GCSv5_mapped_collection" and high_assurance is False`).
 */
export const hasDataAccessScope = (collection: ResolvedCollection): boolean =>
  collection.entityType === "GCSv5_mapped_collection" && !collection.highAssurance;

/** The scope `name` if the sandbox knows it; guest, personal, HA and endpoint data_access are unknown. */
export const knownScope = (ctx: SandboxContext, name: string): KnownScope | undefined => {
  if (name === TRANSFER_ALL_SCOPE) return { kind: "transfer", name };
  if (AUTH_SCOPES.has(name)) return { kind: "auth", name };
  const id = DATA_ACCESS.exec(name)?.[1];
  if (id === undefined) return undefined;
  const collection = ctx.collections.get(id);
  // Compare the rebuilt string too, so only the canonical spelling of a known collection counts.
  if (collection === undefined || dataAccessScope(collection.id) !== name) return undefined;
  return hasDataAccessScope(collection) ? { kind: "dataAccess", name, collection } : undefined;
};

/** The resource server whose token carries a scope (a collection's data_access: the collection). */
export const resourceServerOf = (scope: KnownScope): string => {
  switch (scope.kind) {
    case "transfer":
      return TRANSFER_RESOURCE_SERVER;
    case "auth":
      return AUTH_RESOURCE_SERVER;
    case "dataAccess":
      return scope.collection.id;
  }
};

/**
 * The client recorded on a dependent consent: the service of the parent scope, which is the one
 * that uses the dependency (reference §2.7: Transfer holds the data_access consents).
 */
export const dependencyClientId = (ctx: SandboxContext, parentName: string): string => {
  const parent = knownScope(ctx, parentName);
  if (parent === undefined) return AUTH_SERVICE_CLIENT_ID;
  switch (parent.kind) {
    case "transfer":
      return TRANSFER_SERVICE_CLIENT_ID;
    case "auth":
      return AUTH_SERVICE_CLIENT_ID;
    case "dataAccess":
      return parent.collection.id;
  }
};

/** Visits every node of the trees once per distinct `Scope` value, parents before children. */
const eachScope = (scopes: readonly Scope[], visit: (scope: Scope) => void): void => {
  const seen = new Set<Scope>();
  const stack = [...scopes].reverse();
  for (let scope = stack.pop(); scope !== undefined; scope = stack.pop()) {
    if (seen.has(scope)) continue;
    seen.add(scope);
    visit(scope);
    for (let i = scope.dependencies.length - 1; i >= 0; i--) {
      const dependency = scope.dependencies[i];
      if (dependency !== undefined) stack.push(dependency);
    }
  }
};

/**
 * Every distinct scope name anywhere in the trees that the sandbox does not know, in first-seen
 * order: what Globus lists on its "Unknown scope(s)" page (only the offending strings).
 */
export const unknownScopeNames = (ctx: SandboxContext, scopes: readonly Scope[]): string[] => {
  const unknown = new Set<string>();
  eachScope(scopes, (scope) => {
    if (knownScope(ctx, scope.name) === undefined) unknown.add(scope.name);
  });
  return [...unknown];
};

/**
 * At most this many consent records per request. Real requests have a handful; the cap stops a
 * short string whose shared sub-trees expand to millions of paths.
 */
export const MAX_CONSENT_NODES = 1000;

/**
 * How many consent records the trees expand to (one per path from a root), counted only up to
 * `limit + 1`. Parsed trees share nodes, so a short string can describe exponentially many paths;
 * callers refuse a request above the limit instead of expanding it.
 */
export const consentNodeCount = (scopes: readonly Scope[], limit: number): number => {
  let count = 0;
  const stack = [...scopes];
  for (let scope = stack.pop(); scope !== undefined && count <= limit; scope = stack.pop()) {
    count++;
    stack.push(...scope.dependencies);
  }
  return count;
};

/**
 * Top-level scope names grouped by resource server, both in first-requested order: one token per
 * resource server. Dependencies produce no token of their own.
 */
export const scopesByResourceServer = (
  ctx: SandboxContext,
  scopes: readonly Scope[],
): Map<string, string[]> => {
  const groups = new Map<string, string[]>();
  for (const scope of scopes) {
    const known = knownScope(ctx, scope.name);
    if (known === undefined) continue;
    const server = resourceServerOf(known);
    const names = groups.get(server) ?? [];
    if (!names.includes(scope.name)) names.push(scope.name);
    groups.set(server, names);
  }
  return groups;
};

/** What the consent page says a scope lets the app do. */
export const describeScope = (ctx: SandboxContext, name: string): string => {
  const known = knownScope(ctx, name);
  if (known === undefined) return "Unknown scope";
  switch (known.kind) {
    case "transfer":
      return "Transfer files using Globus Transfer";
    case "auth":
      return AUTH_SCOPES.get(name) ?? "Use Globus Auth";
    case "dataAccess":
      return `Access data on the collection “${known.collection.displayName}”`;
  }
};

/**
 * Endpoint and collection documents (`GET /endpoint/<id>`) built from the configured collections
 * with the full field set real GCSv5 documents carry, and `endpoint_search` over them.
 */
import type { ResolvedCollection, SandboxContext } from "../server/Context.ts";

/** The fixed GCS manager host the sandbox's GCSv5 documents name. */
const GCS_HOST = "sandbox.data.globus.org";

const isGcsV5 = (c: ResolvedCollection): boolean => c.entityType.startsWith("GCSv5_");
const isGcp = (c: ResolvedCollection): boolean => c.entityType.startsWith("GCP_");

/** The identity that owns a collection: for GCSv5, the endpoint's client identity (as recorded). */
const ownerOf = (ctx: SandboxContext, c: ResolvedCollection): { id: string; string: string } => {
  if (isGcsV5(c)) {
    const endpointId =
      c.entityType === "GCSv5_endpoint"
        ? c.id
        : (endpointOf(ctx, c)?.id ?? c.hostEndpointId ?? c.id);
    return { id: endpointId, string: `${endpointId}@clients.auth.globus.org` };
  }
  const person = ctx.config.identities[0];
  return { id: person?.id ?? c.id, string: person?.username ?? "sandbox" };
};

/** The GCSv5 endpoint a collection belongs to (following guest → mapped → endpoint). */
const endpointOf = (ctx: SandboxContext, c: ResolvedCollection): ResolvedCollection | undefined => {
  let current: ResolvedCollection | undefined = c;
  for (let hops = 0; current && hops < 4; hops++) {
    if (current.entityType === "GCSv5_endpoint") return current;
    current = current.hostEndpointId ? ctx.collections.get(current.hostEndpointId) : undefined;
  }
  return undefined;
};

/** The endpoint document Transfer returns for a collection or endpoint. */
export const endpointDocument = (
  ctx: SandboxContext,
  c: ResolvedCollection,
): Record<string, unknown> => {
  const owner = ownerOf(ctx, c);
  const v5 = isGcsV5(c);
  const gcp = isGcp(c);
  const endpoint = endpointOf(ctx, c);
  const host = c.hostEndpointId ? ctx.collections.get(c.hostEndpointId) : undefined;
  const mapped = c.entityType === "GCSv5_guest_collection" ? host : undefined;
  return {
    DATA_TYPE: "endpoint",
    DATA: v5
      ? [
          {
            DATA_TYPE: "server",
            hostname: GCS_HOST,
            id: 428930,
            incoming_data_port_end: null,
            incoming_data_port_start: null,
            is_connected: true,
            is_paused: false,
            outgoing_data_port_end: null,
            outgoing_data_port_start: null,
            port: 443,
            scheme: null,
            subject: null,
            uri: null,
          },
        ]
      : [],
    acl_available:
      c.entityType === "GCSv5_guest_collection" || c.entityType === "GCP_guest_collection",
    acl_editable: false,
    activated: false,
    authentication_assurance_timeout: c.highAssurance ? c.authenticationTimeoutMins * 60 : null,
    authentication_policy_id: null,
    authentication_timeout_mins: c.highAssurance ? c.authenticationTimeoutMins : null,
    canonical_name: `${owner.id}#${c.id}`,
    contact_email: null,
    contact_info: null,
    default_directory: c.home === "/" ? null : c.home,
    department: null,
    description: c.description || null,
    disable_anonymous_writes: false,
    disable_verify: false,
    display_name: c.displayName,
    entity_type: c.entityType,
    expire_time: null,
    expires_in: 0,
    force_encryption: false,
    force_verify: false,
    gcp_connected: gcp ? true : null,
    gcp_paused: gcp ? false : null,
    gcs_manager_url: v5 ? `https://${GCS_HOST}` : null,
    gcs_version: v5 ? "5.4.80" : null,
    globus_connect_setup_key: null,
    high_assurance: c.highAssurance,
    host_endpoint: null,
    host_endpoint_display_name: host?.displayName ?? null,
    host_endpoint_id: c.hostEndpointId ?? null,
    host_path: null,
    https_server: v5 && c.entityType !== "GCSv5_endpoint" ? `https://${GCS_HOST}` : null,
    id: c.id,
    in_use: false,
    info_link: null,
    is_globus_connect: gcp,
    keywords: c.keywords || null,
    last_accessed_time: null,
    local_user_info_available: v5 ? false : null,
    location: v5 ? "Automatic" : null,
    mapped_collection_display_name: mapped?.displayName ?? null,
    mapped_collection_id: mapped?.id ?? null,
    max_concurrency: 4,
    max_parallelism: 8,
    mfa_required: false,
    my_effective_roles: [],
    myproxy_dn: null,
    myproxy_server: null,
    name: c.id,
    network_use: "normal",
    non_functional: c.entityType === "GCSv5_endpoint",
    non_functional_endpoint_display_name:
      c.entityType === "GCSv5_endpoint" ? null : (endpoint?.displayName ?? null),
    non_functional_endpoint_id: c.entityType === "GCSv5_endpoint" ? null : (endpoint?.id ?? null),
    oauth_server: null,
    organization: c.organization,
    owner_id: owner.id,
    owner_string: owner.string,
    preferred_concurrency: 2,
    preferred_parallelism: 4,
    public: true,
    requester_pays: false,
    s3_owner_activated: false,
    s3_url: null,
    shareable: c.entityType === "GCSv5_mapped_collection" && !c.highAssurance,
    sharing_target_endpoint: null,
    sharing_target_root_path: null,
    storage_type: null,
    subscription_id: v5 ? "5a1db0c5-0000-4000-8000-00000000c0de" : null,
    tlsftp_server: v5 && c.entityType !== "GCSv5_endpoint" ? `tlsftp://${GCS_HOST}:443` : null,
    user_message: null,
    user_message_link: null,
    username: owner.string,
  };
};

/** Words of a document that full-text search looks at, lower-cased. */
const searchableWords = (c: ResolvedCollection): string[] =>
  [c.displayName, c.description, c.organization, c.keywords, c.id, `${c.entityType}`]
    .join(" ")
    .toLowerCase()
    .split(/[^a-z0-9-]+/)
    .filter((w) => w.length > 0);

/** Rough English stemming, as Globus's search does: enough that "collections" finds "collection". */
const stem = (word: string): string => word.replace(/(ies|es|s)$/, "");

export interface SearchQuery {
  readonly fulltext: string | undefined;
  readonly scope: string;
  readonly entityType: string | undefined;
  readonly ownerId: string | undefined;
  readonly identityId: string;
}

/**
 * Collections matching a search, best first, with `_rank`. Every term must match the start of a
 * word (prefix match, AND), as Globus documents. Scopes narrow the set by what the sandbox knows:
 * "my-*" are the caller's own (personal and guest collections belong to the person).
 */
export const searchCollections = (
  ctx: SandboxContext,
  query: SearchQuery,
): { collection: ResolvedCollection; rank: number }[] => {
  const terms = (query.fulltext ?? "")
    .toLowerCase()
    .split(/[^a-z0-9-]+/)
    .filter((t) => t.length > 0)
    .map(stem);
  const results: { collection: ResolvedCollection; rank: number }[] = [];
  for (const c of ctx.collections.values()) {
    const owner = ownerOf(ctx, c);
    if (query.ownerId !== undefined && owner.id !== query.ownerId) continue;
    if (query.entityType !== undefined && c.entityType !== query.entityType) continue;
    const mine = owner.id === query.identityId;
    if ((query.scope === "my-endpoints" || query.scope === "shared-by-me") && !mine) continue;
    if (query.scope === "my-gcp-endpoints" && !(mine && isGcp(c))) continue;
    if (query.scope === "shared-with-me" && !c.entityType.endsWith("guest_collection")) continue;
    if (query.scope === "administered-by-me" && !mine) continue;
    const words = searchableWords(c);
    let rank = 0;
    let all = true;
    for (const term of terms) {
      const hits = words.filter((w) => w.startsWith(term) || stem(w).startsWith(term)).length;
      if (hits === 0) {
        all = false;
        break;
      }
      rank += hits;
    }
    if (!all) continue;
    results.push({ collection: c, rank: terms.length === 0 ? 1 : rank / words.length + 1 });
  }
  return results.sort(
    (a, b) => b.rank - a.rank || a.collection.displayName.localeCompare(b.collection.displayName),
  );
};

/**
 * The entry points of `transflow collections search` and `collections show`: Transfer's endpoint
 * search and endpoint document, told in a workflow author's terms — is it a collection at all (a
 * GCS v5 endpoint is not), which workflow `kind` it is, whether a `data_access` consent is needed
 * and with which scope string, its session policy, and a `collections:` entry to paste. Run with
 * layers built from an environment record; they resolve to a value or one of our tagged errors.
 *
 * @see globus-api.md §4.1 (data_access), §5.3 (endpoint_search), §5.4 (endpoint document)
 */
import {
  type CollectionKindName,
  collectionKinds,
  dataAccessScope,
  entityTypeOfKind,
  needsDataAccess,
  serializeScope,
  transferScopeWithDataAccess,
} from "@transflow/core";
import type { EndpointDocument, EntityType, FilterScope } from "@transflow/core/globus";
import { Effect } from "effect";
import { globusLayerFromEnv } from "../globus/GlobusLayers.ts";
import { TransferApi } from "../globus/TransferApi.ts";
import { searchEndpoints } from "../globus/TransferSearch.ts";
import type { AuthCommandError, AuthOutcome } from "./AuthCommands.ts";

type Env = Readonly<Record<string, string | undefined>>;

/** One endpoint or collection, as a workflow author needs to know it. */
export interface CollectionSummary {
  readonly id: string;
  /** `display_name`, else the legacy `canonical_name`. */
  readonly displayName: string;
  /** Undefined when Transfer did not say (old GCS v4 documents). */
  readonly entityType: EntityType | undefined;
  /** The workflow's `kind` for it; undefined for a GCS v5 endpoint or an unknown entity type. */
  readonly kind: CollectionKindName | undefined;
  /** False for a GCS v5 endpoint: not a collection, so not usable in a workflow. */
  readonly isCollection: boolean;
  /** `owner_string` (for GCS v5, the endpoint's client identity). */
  readonly owner: string;
  readonly highAssurance: boolean | undefined;
  /** Whether a workflow using it needs its `data_access` consent (non-HA GCS v5 mapped only). */
  readonly dataAccessRequired: boolean;
}

/** The session policy Globus enforces on a collection (high-assurance ones mostly). */
export interface SessionPolicy {
  /** Minutes a login stays recent enough (`authentication_timeout_mins`). */
  readonly authenticationTimeoutMins: number | undefined;
  readonly mfaRequired: boolean | undefined;
  readonly authenticationPolicyId: string | undefined;
}

/** A `collections:` entry of a workflow, under an alias made from the display name. */
export interface WorkflowCollectionEntry {
  readonly alias: string;
  readonly collection: {
    readonly id: string;
    readonly name: string;
    readonly kind: CollectionKindName;
    readonly highAssurance: boolean;
  };
}

export interface CollectionDetails extends CollectionSummary {
  readonly description: string | undefined;
  /** For a collection on a GCS v5 endpoint: that endpoint. */
  readonly endpoint: { readonly id: string; readonly displayName: string | undefined } | undefined;
  readonly session: SessionPolicy;
  /** `https://auth.globus.org/scopes/<id>/data_access`, when needed. */
  readonly dataAccessScope: string | undefined;
  /** Transfer `all` with that consent as a dependency: what to log in with, when needed. */
  readonly transferScope: string | undefined;
  /** Undefined when it is not a collection a workflow can name. */
  readonly workflowEntry: WorkflowCollectionEntry | undefined;
}

export interface CollectionSearchInput {
  readonly env: Env;
  /** Words to look for (every one must match); Transfer requires them for the scope `all`. */
  readonly text: string | undefined;
  readonly scope?: FilterScope | undefined;
  /** Results wanted, 1 to 1000. */
  readonly limit: number;
}

export interface CollectionSearchResult {
  readonly collections: readonly CollectionSummary[];
  /** Whether Transfer found more than `limit`. */
  readonly more: boolean;
}

const kindOfEntityType: ReadonlyMap<string, CollectionKindName> = new Map(
  collectionKinds.map((kind) => [entityTypeOfKind[kind], kind]),
);

const isEndpoint = (document: EndpointDocument): boolean =>
  document.entity_type === "GCSv5_endpoint" || document.non_functional === true;

const summarize = (document: EndpointDocument): CollectionSummary => {
  const entityType = document.entity_type;
  const collection = !isEndpoint(document);
  return {
    id: document.id,
    displayName: document.display_name ?? document.canonical_name,
    entityType,
    kind: entityType === undefined || !collection ? undefined : kindOfEntityType.get(entityType),
    isCollection: collection,
    owner: document.owner_string,
    highAssurance: document.high_assurance,
    dataAccessRequired: needsDataAccess(entityType ?? null, document.high_assurance ?? null),
  };
};

/**
 * A workflow alias from a display name: lower-case words joined by `-`, starting with a letter,
 * at most 40 characters (`Sandbox Mapped Collection` → `sandbox-mapped-collection`).
 */
export const collectionAlias = (displayName: string): string => {
  const slug = displayName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+/, "")
    .slice(0, 40)
    .replace(/-+$/, "");
  if (slug === "") return "collection";
  return /^[a-z]/.test(slug) ? slug : `c-${slug}`.slice(0, 40).replace(/-+$/, "");
};

const orUndefined = <A>(value: A | null | undefined): A | undefined => value ?? undefined;

/** What `collections show` tells about one endpoint document. */
export const collectionDetails = (document: EndpointDocument): CollectionDetails => {
  const summary = summarize(document);
  const endpointId = orUndefined(document.non_functional_endpoint_id);
  return {
    ...summary,
    description: orUndefined(document.description),
    endpoint:
      endpointId === undefined
        ? undefined
        : {
            id: endpointId,
            displayName: orUndefined(document.non_functional_endpoint_display_name),
          },
    session: {
      authenticationTimeoutMins: orUndefined(document.authentication_timeout_mins),
      mfaRequired: orUndefined(document.mfa_required),
      authenticationPolicyId: orUndefined(document.authentication_policy_id),
    },
    dataAccessScope: summary.dataAccessRequired ? dataAccessScope(summary.id) : undefined,
    transferScope: summary.dataAccessRequired
      ? serializeScope(transferScopeWithDataAccess([summary.id]))
      : undefined,
    workflowEntry:
      summary.kind === undefined
        ? undefined
        : {
            alias: collectionAlias(summary.displayName),
            collection: {
              id: summary.id,
              name: summary.displayName,
              kind: summary.kind,
              highAssurance: summary.highAssurance === true,
            },
          },
  };
};

const run = <A>(
  env: Env,
  effect: Effect.Effect<A, AuthCommandError, TransferApi>,
): Promise<AuthOutcome<A>> =>
  Effect.runPromise(
    effect.pipe(
      Effect.provide(globusLayerFromEnv(env)),
      Effect.map((value): AuthOutcome<A> => ({ ok: true, value })),
      Effect.catchAll((error) => Effect.succeed<AuthOutcome<A>>({ ok: false, error })),
    ),
  );

/** `GET /endpoint_search`, paged up to `limit` results, with the identity the environment sets. */
export const runCollectionSearch = (
  input: CollectionSearchInput,
): Promise<AuthOutcome<CollectionSearchResult>> =>
  run(
    input.env,
    Effect.map(
      searchEndpoints({ fulltext: input.text, scope: input.scope, limit: input.limit }),
      ({ items, more }): CollectionSearchResult => ({ collections: items.map(summarize), more }),
    ),
  );

/** `GET /endpoint/<id>`, told as `CollectionDetails`. */
export const runCollectionShow = (input: {
  readonly env: Env;
  readonly id: string;
}): Promise<AuthOutcome<CollectionDetails>> =>
  run(
    input.env,
    Effect.flatMap(TransferApi, (transfer) =>
      Effect.map(transfer.getEndpoint(input.id), collectionDetails),
    ),
  );

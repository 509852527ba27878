/**
 * Collection facts and the consent rules: which collections need a `data_access` dependency on
 * Transfer `all` (only used, non-high-assurance GCS v5 mapped ones: asking for any other makes
 * Globus Auth refuse the whole login with "Unknown scope"), what is already granted, and the
 * session requirements to show. Pure: facts come in as data, problems go out as diagnostics.
 *
 * @see globus-api.md §3 (scopes), §4.1–4.2 (which collections need data_access)
 */
import { type Diagnostic, makeError, makeWarning } from "../diagnostics/Diagnostic.ts";
import type { EndpointDocument, EntityType } from "../globus/Transfer.ts";
import {
  dataAccessScope,
  makeScope,
  mergeScopes,
  parseScopes,
  type Scope,
  scopeContains,
  serializeScope,
  TRANSFER_ALL_SCOPE,
  transferScopeWithDataAccess,
} from "../scope/Scope.ts";
import type { InputValue } from "../workflow/Templates.ts";
import type { DataPath, Locator } from "../workflow/WorkflowDocument.ts";
import { entityTypeOfKind, type Workflow } from "../workflow/WorkflowSchema.ts";
import type {
  FactSource,
  PlanCollection,
  PlanConsents,
  PlanIdentity,
  RequiredConsent,
  SessionRequirement,
} from "./Plan.ts";

/** What the stored tokens carry, as the runner knows it. */
export interface GrantedConsents {
  /**
   * Scope strings the stored tokens were granted with, each possibly a tree
   * (`urn:…:transfer.api.globus.org:all[*https://auth.globus.org/scopes/<id>/data_access]`), e.g.
   * the scope string of the login that issued them. Unreadable strings are warned about and ignored.
   */
  readonly scopes: readonly string[];
  /**
   * Whether `scopes` show dependent consents. A token's own `scope` lists only top-level scopes
   * (Transfer `all`, never its `data_access` dependencies), so a bare refresh token cannot say
   * whether a `data_access` consent was given: with `false`, such consents are `unverified`
   * rather than missing. A login that records the scope tree it asked for knows them.
   * @default true
   */
  readonly dependenciesKnown?: boolean;
}

/** What the runner learned about collections before planning. */
export interface CollectionLookups {
  /** Transfer endpoint documents (`GET /v0.10/endpoint/<id>`), matched to collections by `id`. */
  readonly documents?: readonly EndpointDocument[];
  /** Ids Transfer answered `EndpointNotFound` / `EndpointDeleted` for. */
  readonly notFound?: readonly string[];
}

/**
 * Whether a collection needs a `data_access` dependency: a GCS v5 mapped collection that is not
 * high assurance. An unknown high-assurance flag counts as "not high assurance" (most mapped
 * collections are not), and the planner warns that it is unverified.
 *
 * @see globus-api.md §4.1
 */
export const needsDataAccess = (
  entityType: EntityType | null,
  highAssurance: boolean | null,
): boolean => entityType === "GCSv5_mapped_collection" && highAssurance !== true;

const sourceOf = (declared: boolean, lookedUp: boolean): FactSource =>
  declared ? (lookedUp ? "both" : "declared") : lookedUp ? "lookup" : "unknown";

const describeEntityType = (entityType: EntityType): string => {
  switch (entityType) {
    case "GCSv5_mapped_collection":
      return "a GCS v5 mapped collection (kind: mapped)";
    case "GCSv5_guest_collection":
      return "a GCS v5 guest collection (kind: guest)";
    case "GCSv5_endpoint":
      return "a GCS v5 endpoint";
    case "GCP_mapped_collection":
      return "a Globus Connect Personal collection (kind: personal)";
    case "GCP_guest_collection":
      return "a Globus Connect Personal guest collection (kind: personal-guest)";
    case "GCSv4_host":
      return "a GCS v4 endpoint (kind: gcsv4)";
    case "GCSv4_share":
      return "a GCS v4 shared endpoint (kind: gcsv4-share)";
  }
};

/** The facts of every declared collection, the problems with them, and the session requirements. */
export interface ResolvedCollections {
  readonly collections: readonly PlanCollection[];
  readonly sessions: readonly SessionRequirement[];
  readonly diagnostics: readonly Diagnostic[];
}

const sessionSummary = (
  highAssurance: boolean,
  timeout: number | null,
  mfa: boolean | null,
): string => {
  const parts = [
    highAssurance ? "high assurance: Globus asks for a recent login" : "Globus asks for a login",
    "with an identity the collection accepts",
  ];
  if (timeout !== null) parts.push(`within the last ${timeout} minutes`);
  if (mfa === true) parts.push("using multi-factor authentication");
  return parts.join(" ");
};

/**
 * Combines what the workflow declares (`kind`, `highAssurance`, `name`) with the looked-up
 * endpoint documents: a lookup wins, a declaration it contradicts is an error, and every fact
 * records where it came from. `uses` maps each alias a step uses to where it is first used.
 */
export const resolveCollections = (
  workflow: Workflow,
  lookups: CollectionLookups,
  uses: ReadonlyMap<string, DataPath>,
  identity: PlanIdentity,
  locate: Locator,
): ResolvedCollections => {
  const diagnostics: Diagnostic[] = [];
  const documents = new Map<string, EndpointDocument>();
  for (const document of lookups.documents ?? [])
    documents.set(document.id.toLowerCase(), document);
  const notFound = new Set((lookups.notFound ?? []).map((id) => id.toLowerCase()));
  /** Declared facts by id, so two aliases of one collection cannot disagree. */
  const declaredById = new Map<string, { alias: string; kind?: string; highAssurance?: boolean }>();
  const collections: PlanCollection[] = [];
  const sessions: SessionRequirement[] = [];

  for (const [alias, collection] of Object.entries(workflow.collections)) {
    const id = collection.id.toLowerCase();
    const at = (key?: string): DataPath =>
      key === undefined ? ["collections", alias] : ["collections", alias, key];
    const usedAt = uses.get(alias);
    const used = usedAt !== undefined;
    const document = documents.get(id);
    const declaredType =
      collection.kind === undefined ? undefined : (entityTypeOfKind[collection.kind] as EntityType);

    const earlier = declaredById.get(id);
    if (earlier !== undefined) {
      if (
        collection.kind !== undefined &&
        earlier.kind !== undefined &&
        collection.kind !== earlier.kind
      ) {
        diagnostics.push(
          makeError(
            "collection-facts-conflict",
            `collections "${earlier.alias}" and "${alias}" are the same collection (${id}) but declare kind ${earlier.kind} and ${collection.kind}`,
            locate(at("kind")),
            "declare the kind once, or make both agree",
          ),
        );
      }
      if (
        collection.highAssurance !== undefined &&
        earlier.highAssurance !== undefined &&
        collection.highAssurance !== earlier.highAssurance
      ) {
        diagnostics.push(
          makeError(
            "collection-facts-conflict",
            `collections "${earlier.alias}" and "${alias}" are the same collection (${id}) but disagree on highAssurance`,
            locate(at("highAssurance")),
          ),
        );
      }
    } else {
      declaredById.set(id, {
        alias,
        ...(collection.kind === undefined ? {} : { kind: collection.kind }),
        ...(collection.highAssurance === undefined
          ? {}
          : { highAssurance: collection.highAssurance }),
      });
    }

    if (notFound.has(id)) {
      const summary = `collection "${alias}" (${id}) does not exist: Globus Transfer has no collection with this id`;
      const hint = "check the id in the Globus web app (it is the collection's UUID)";
      diagnostics.push(
        used
          ? makeError("collection-not-found", summary, locate(at("id")), hint)
          : makeWarning("collection-not-found", summary, locate(at("id")), hint),
      );
    }

    // Entity type: the lookup wins; a declared kind that contradicts it is an error.
    const lookedUpType = document?.entity_type;
    if (declaredType !== undefined && lookedUpType !== undefined && declaredType !== lookedUpType) {
      diagnostics.push(
        makeError(
          "collection-kind-mismatch",
          `collection "${alias}" is declared kind: ${collection.kind}, but Globus says ${id} is ${describeEntityType(lookedUpType)}`,
          locate(at("kind")),
          lookedUpType === "GCSv5_endpoint"
            ? "use the id of one of the endpoint's collections"
            : "correct or remove kind: the looked-up type is what Globus uses",
        ),
      );
    }
    const entityType = lookedUpType ?? declaredType ?? null;

    // A GCS v5 endpoint (or anything marked non-functional) holds no data.
    if (
      used &&
      (lookedUpType === "GCSv5_endpoint" ||
        (document?.non_functional === true && lookedUpType !== undefined))
    ) {
      diagnostics.push(
        makeError(
          "not-a-collection",
          `collection "${alias}" (${id}) is ${describeEntityType(lookedUpType)}, not a collection: it holds no data to transfer`,
          locate(usedAt ?? at()),
          "use the id of one of its collections (the Globus web app lists them under the endpoint)",
        ),
      );
    }

    // High assurance: likewise.
    const lookedUpHighAssurance = document?.high_assurance;
    if (
      collection.highAssurance !== undefined &&
      lookedUpHighAssurance !== undefined &&
      collection.highAssurance !== lookedUpHighAssurance
    ) {
      diagnostics.push(
        makeError(
          "collection-high-assurance-mismatch",
          `collection "${alias}" is declared highAssurance: ${collection.highAssurance}, but Globus says it is ${lookedUpHighAssurance ? "" : "not "}high assurance`,
          locate(at("highAssurance")),
          "correct or remove highAssurance: the looked-up value is what Globus enforces",
        ),
      );
    }
    const highAssurance = lookedUpHighAssurance ?? collection.highAssurance ?? null;

    const lookedUpName = document?.display_name ?? undefined;
    const displayName = lookedUpName ?? collection.name ?? null;
    const needs = used && needsDataAccess(entityType, highAssurance);

    if (used && entityType === null) {
      diagnostics.push(
        makeWarning(
          "collection-kind-unknown",
          `collection "${alias}" (${id}) was not looked up and declares no kind: no data_access consent is asked for it`,
          locate(at()),
          "if it is a GCS v5 mapped collection the run will stop for consent; add kind: (mapped, guest, personal, …), or log in so transflow can look it up",
        ),
      );
    }
    if (needs && highAssurance === null) {
      diagnostics.push(
        makeWarning(
          "unverified-data-access",
          `collection "${alias}" is taken to be a GCS v5 mapped collection that is not high assurance, which nobody has checked: if it is high assurance, Globus Auth refuses the login with "Unknown scope" for its data_access scope`,
          locate(at()),
          "add highAssurance: false (or true) to the collection, or log in so transflow can look it up",
        ),
      );
    }

    const timeout = document?.authentication_timeout_mins ?? null;
    const policy = document?.authentication_policy_id ?? null;
    const mfa = document?.mfa_required ?? null;
    if (used && (highAssurance === true || timeout !== null || policy !== null || mfa === true)) {
      sessions.push({
        collection: alias,
        collectionId: id,
        highAssurance: highAssurance === true,
        authenticationTimeoutMins: timeout,
        authenticationPolicyId: policy,
        mfaRequired: mfa,
        summary: sessionSummary(highAssurance === true, timeout, mfa),
      });
      if (identity === "client" && highAssurance === true) {
        diagnostics.push(
          makeWarning(
            "client-high-assurance",
            `collection "${alias}" is high assurance: it needs a recent interactive login, which a client identity (service account) cannot give`,
            locate(usedAt ?? at()),
            "run this workflow as a user, or move the data through a collection that is not high assurance",
          ),
        );
      }
    }

    collections.push({
      alias,
      id,
      displayName,
      entityType,
      highAssurance,
      from: {
        entityType: sourceOf(declaredType !== undefined, lookedUpType !== undefined),
        highAssurance: sourceOf(
          collection.highAssurance !== undefined,
          lookedUpHighAssurance !== undefined,
        ),
        displayName: sourceOf(collection.name !== undefined, lookedUpName !== undefined),
      },
      used,
      needsDataAccess: needs,
    });
  }
  return { collections, sessions, diagnostics };
};

/** `data_access` collections of the required tree: ids in declaration order, with their aliases. */
const dataAccessCollections = (
  collections: readonly PlanCollection[],
): { id: string; aliases: string[] }[] => {
  const byId = new Map<string, string[]>();
  for (const collection of collections) {
    if (!collection.needsDataAccess) continue;
    const aliases = byId.get(collection.id);
    if (aliases === undefined) byId.set(collection.id, [collection.alias]);
    else aliases.push(collection.alias);
  }
  return [...byId].map(([id, aliases]) => ({ id, aliases }));
};

/**
 * The scope a plan's collections require: Transfer `all` with a `*data_access` dependency for
 * each collection with `needsDataAccess`, in declaration order, once per id.
 */
export const requiredScope = (collections: readonly PlanCollection[]): Scope =>
  transferScopeWithDataAccess(dataAccessCollections(collections).map((c) => c.id));

const SAFE_WORD = /^[A-Za-z0-9_./:=@%+,-]+$/;

/** One word for a POSIX shell: as is when safe, else single-quoted. */
const shellWord = (word: string): string =>
  SAFE_WORD.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;

/**
 * `transflow consent <file>`, with `--input name=value` for each input whose value differs from
 * its declared default (collection ids may come from inputs, so the consent must see the same).
 */
export const consentCommand = (
  file: string,
  workflow: Workflow,
  inputs: Readonly<Record<string, InputValue>>,
): string => {
  const words = ["transflow", "consent", shellWord(file)];
  for (const [name, declared] of Object.entries(workflow.inputs ?? {})) {
    const value = inputs[name];
    if (value === undefined || value === declared.default) continue;
    words.push("--input", shellWord(`${name}=${String(value)}`));
  }
  return words.join(" ");
};

/** The consents section: the scope tree, what is granted, what is missing and how to grant it. */
export const planConsents = (
  collections: readonly PlanCollection[],
  sessions: readonly SessionRequirement[],
  granted: GrantedConsents | undefined,
  command: string,
  locate: Locator,
): { consents: PlanConsents; diagnostics: Diagnostic[] } => {
  const diagnostics: Diagnostic[] = [];
  let forest: readonly Scope[] = [];
  for (const text of granted?.scopes ?? []) {
    const parsed = parseScopes(text);
    const merged = parsed.ok ? mergeScopes(forest, parsed.scopes) : parsed;
    if (merged.ok) {
      forest = merged.scopes;
    } else {
      diagnostics.push(
        makeWarning(
          "granted-scope-unreadable",
          `a stored token's scope cannot be read (${merged.error}); it is ignored`,
          locate([]),
          "log in again: transflow consent asks for the whole scope afresh",
        ),
      );
    }
  }
  const required: RequiredConsent[] = [{ scope: TRANSFER_ALL_SCOPE }];
  const grantedScopes: string[] = [];
  const missing: string[] = [];
  const unverified: string[] = [];
  const dependenciesKnown = granted?.dependenciesKnown !== false;
  const check = (scope: string, wanted: Scope, dependency: boolean): void => {
    if (scopeContains(forest, wanted)) grantedScopes.push(scope);
    else if (dependency && !dependenciesKnown) unverified.push(scope);
    else missing.push(scope);
  };
  check(TRANSFER_ALL_SCOPE, makeScope(TRANSFER_ALL_SCOPE), false);
  for (const { id, aliases } of dataAccessCollections(collections)) {
    const scope = dataAccessScope(id);
    required.push({ scope, parent: TRANSFER_ALL_SCOPE, collections: aliases });
    check(scope, transferScopeWithDataAccess([id]), true);
  }
  const checked = granted !== undefined;
  return {
    consents: {
      scope: serializeScope(requiredScope(collections)),
      required,
      checked,
      granted: checked ? grantedScopes : [],
      missing: checked ? missing : [],
      unverified: checked ? unverified : [],
      ...(checked && missing.length === 0 ? {} : { command }),
      sessions,
    },
    diagnostics,
  };
};

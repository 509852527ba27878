/**
 * `transflow collections search <words...>` and `transflow collections show <id>`: find a
 * collection to name in a workflow, and see what using it takes (entity type, high assurance,
 * session policy, the `data_access` consent) with a `collections:` entry to paste.
 * Exit 0 ok; 2 usage or unknown collection id; 3 not logged in (or a consent is missing);
 * 4 Globus did not answer; 1 any other failure.
 */
import { suggestion } from "@transflow/core";
import { type FilterScope, filterScopes } from "@transflow/core/globus";
import {
  type AuthCommandError,
  type CollectionDetails,
  type CollectionSummary,
  identityVariableBeforeStore,
  runCollectionSearch,
  runCollectionShow,
  SEARCH_MAX_RESULTS,
} from "@transflow/runner";
import { ExitCode, type Io } from "../Io.ts";
import { makeStyle, type Style } from "../render/Style.ts";
import { renderTable } from "../render/Table.ts";
import { exitCodeOfAuthError } from "./loginFlow.ts";

/** Exit code when Globus could not be reached after the retries (as `transflow run` uses it). */
const GLOBUS_UNAVAILABLE = 4;

/** Results shown when `--limit` is not given (globus-cli's default too). */
export const DEFAULT_SEARCH_LIMIT = 25;

export interface CollectionsSearchOptions {
  readonly filterScope?: string;
  readonly limit?: number;
  readonly json?: boolean;
}

export interface CollectionsShowOptions {
  readonly json?: boolean;
}

const ENDPOINT_WARNING =
  "Search also finds GCS endpoints (entity type GCSv5_endpoint): they are not collections and " +
  "cannot be used in a workflow. Pick one of the collections an endpoint hosts instead.";

/** The entity type in words; a GCS v5 endpoint is marked as not usable. */
export const entityTypeWords = (summary: CollectionSummary): string => {
  switch (summary.entityType) {
    case "GCSv5_mapped_collection":
      return summary.highAssurance === true
        ? "GCS v5 mapped collection, high assurance"
        : "GCS v5 mapped collection";
    case "GCSv5_guest_collection":
      return "GCS v5 guest collection";
    case "GCSv5_endpoint":
      return "GCS endpoint, not a collection";
    case "GCP_mapped_collection":
      return "Globus Connect Personal collection";
    case "GCP_guest_collection":
      return "Globus Connect Personal guest collection";
    case "GCSv4_host":
      return "GCS v4 endpoint";
    case "GCSv4_share":
      return "GCS v4 shared endpoint";
    case undefined:
      return summary.isCollection ? "unknown" : "endpoint, not a collection";
  }
};

const dataAccessCell = (summary: CollectionSummary): string =>
  !summary.isCollection ? "n/a" : summary.dataAccessRequired ? "needed" : "no";

/** The search results as a table, with the seed's warning about endpoints under it. */
export const renderSearch = (
  collections: readonly CollectionSummary[],
  more: boolean,
  style: Style,
): string => {
  if (collections.length === 0) return "no collections found\n";
  const lines = renderTable(
    ["id", "display name", "entity type", "owner", "data_access consent"],
    collections.map((c) => [c.id, c.displayName, entityTypeWords(c), c.owner, dataAccessCell(c)]),
  );
  const [header, ...rows] = lines;
  const out = [
    style.bold(header ?? ""),
    ...rows.map((row, i) => (collections[i]?.isCollection === false ? style.dim(row) : row)),
  ];
  if (more)
    out.push("", "More results: raise --limit (up to 1000) or add words to narrow the search.");
  out.push("", `${style.yellow("note")}: ${ENDPOINT_WARNING}`);
  return `${out.join("\n")}\n`;
};

const yamlString = (text: string): string => JSON.stringify(text);

/** What `collections show` prints for a terminal. */
export const renderDetails = (details: CollectionDetails, style: Style): string => {
  const out: string[] = [];
  const field = (name: string, value: string) => out.push(`  ${name.padEnd(20)} ${value}`);
  out.push(`${style.bold(details.displayName)} (${details.id})`);
  field("entity type", `${details.entityType ?? "unknown"} (${entityTypeWords(details)})`);
  if (details.kind !== undefined) field("workflow kind", details.kind);
  field(
    "high assurance",
    details.highAssurance === undefined ? "unknown" : details.highAssurance ? "yes" : "no",
  );
  const { endpoint } = details;
  if (endpoint !== undefined) {
    field(
      "endpoint",
      endpoint.displayName === undefined ? endpoint.id : `${endpoint.displayName} (${endpoint.id})`,
    );
  }
  field("owner", details.owner);
  if (details.description !== undefined) field("description", details.description);

  const { session } = details;
  out.push("", style.bold("Session policy"));
  field(
    "authentication",
    session.authenticationTimeoutMins === undefined
      ? "no timeout"
      : `a login within the last ${session.authenticationTimeoutMins} minutes`,
  );
  field("mfa required", session.mfaRequired === true ? "yes" : "no");
  field("policy id", session.authenticationPolicyId ?? "none");

  out.push("", style.bold("Consent"));
  if (!details.isCollection) {
    out.push("  none: a GCS endpoint holds no data (its collections have their own consents)");
  } else if (details.dataAccessScope !== undefined && details.transferScope !== undefined) {
    out.push("  data_access consent needed (a GCS v5 mapped collection, not high assurance)");
    field("data_access scope", details.dataAccessScope);
    field("transfer scope", details.transferScope);
    out.push(
      `  ${style.dim("transflow consent <workflow> asks for it with the rest of the workflow's scope")}`,
    );
  } else {
    out.push(
      details.highAssurance === true
        ? "  no data_access consent (high assurance: a recent login with an accepted identity instead)"
        : "  no data_access consent needed",
    );
  }

  out.push("");
  if (details.workflowEntry === undefined) {
    out.push(
      `${style.yellow("note")}: this is ${details.isCollection ? "a collection of unknown kind" : "a GCS endpoint, not a collection"}: it cannot be used in a workflow.`,
    );
  } else {
    const { alias, collection } = details.workflowEntry;
    out.push(
      style.bold("Workflow entry"),
      style.dim("  paste under collections: (rename the alias as you like)"),
    );
    out.push(
      "collections:",
      `  ${alias}: { id: ${collection.id}, name: ${yamlString(collection.name)}, kind: ${collection.kind}, highAssurance: ${collection.highAssurance} }`,
    );
  }
  return `${out.join("\n")}\n`;
};

/** Whether the identity comes from a confidential client's credentials (CI). */
const isClientIdentity = (env: Io["env"]): boolean => {
  const variable = identityVariableBeforeStore(env);
  return variable !== undefined && variable !== "TRANSFLOW_REFRESH_TOKEN";
};

/** The exit code of a failed collections command. */
export const exitCodeOfCollectionsError = (error: AuthCommandError): number => {
  switch (error._tag) {
    case "GlobusApiError":
      if (error.status === 404) return ExitCode.invalid;
      if (error.status === 503) return GLOBUS_UNAVAILABLE;
      return ExitCode.failed;
    case "GlobusUnavailableError":
      return GLOBUS_UNAVAILABLE;
    case "ConsentRequiredError":
      return ExitCode.consentRequired;
    default:
      return exitCodeOfAuthError(error);
  }
};

/** What to do about a failure, when its message does not already say. */
export const nextStep = (error: AuthCommandError, env: Io["env"]): string | undefined => {
  switch (error._tag) {
    case "GlobusApiError": {
      if (error.status === 404) {
        return "check the id; find collections with transflow collections search <words>";
      }
      if (error.status === 401) {
        return isClientIdentity(env)
          ? "Transfer refused the client's token: check TRANSFLOW_CLIENT_ID and TRANSFLOW_CLIENT_SECRET"
          : "Transfer refused the token: run transflow login to log in again";
      }
      if (error.status === 403) {
        return error.code === "AuthPolicyFailed"
          ? "log in again with an identity the collection accepts (transflow login); high-assurance collections need a recent login"
          : "this identity may not use the collection: ask its administrator for access, or use another identity";
      }
      if (error.status === 400) {
        return "check the search words and --filter-scope (the scope all needs words to search for)";
      }
      return "Globus is busy or failing: run the same command again in a few minutes";
    }
    case "GlobusUnavailableError":
      return "check the network (and GLOBUS_SDK_SERVICE_URL_TRANSFER if set), then run the same command again";
    case "GlobusResponseError":
      return "Globus answered something transflow does not understand: please report it with this output";
    case "ConsentRequiredError":
      return isClientIdentity(env)
        ? `the client identity needs this consent: grant it to the client (or give the client access to the collection), scope ${error.requiredScopes.join(" ")}`
        : `log in granting it: transflow login --scope '${error.requiredScopes.join(" ")}'`;
    default:
      return undefined;
  }
};

const reportError = (io: Io, error: AuthCommandError): number => {
  const err = makeStyle(io.stderr, io.env);
  io.stderr.write(`${err.red("error")}: ${error.message}\n`);
  const next = nextStep(error, io.env);
  if (next !== undefined) io.stderr.write(`  next: ${next}\n`);
  return exitCodeOfCollectionsError(error);
};

const usage = (io: Io, message: string): number => {
  const err = makeStyle(io.stderr, io.env);
  io.stderr.write(`${err.red("error")}: ${message}\n`);
  return ExitCode.invalid;
};

const isFilterScope = (scope: string): scope is FilterScope =>
  (filterScopes as readonly string[]).includes(scope);

export const collectionsSearchCommand = async (
  io: Io,
  words: readonly string[],
  options: CollectionsSearchOptions,
): Promise<number> => {
  const scope = options.filterScope ?? "all";
  if (!isFilterScope(scope)) {
    return usage(
      io,
      `--filter-scope "${scope}" is not a search scope: ${suggestion(scope, filterScopes) ?? ""}`,
    );
  }
  const text = words.join(" ").trim();
  if (text === "" && scope === "all") {
    return usage(
      io,
      "give words to search for (transflow collections search <words>), or a --filter-scope such as my-endpoints or shared-with-me",
    );
  }
  const limit = options.limit ?? DEFAULT_SEARCH_LIMIT;
  if (limit > SEARCH_MAX_RESULTS) {
    return usage(
      io,
      `--limit ${limit}: Transfer gives at most ${SEARCH_MAX_RESULTS} results per search`,
    );
  }
  const outcome = await runCollectionSearch({
    env: io.env,
    text: text === "" ? undefined : text,
    scope: options.filterScope === undefined ? undefined : scope,
    limit,
  });
  if (!outcome.ok) return reportError(io, outcome.error);
  const { collections, more } = outcome.value;
  io.stdout.write(
    options.json === true
      ? `${JSON.stringify({ query: { text, scope, limit }, collections, more }, null, 2)}\n`
      : renderSearch(collections, more, makeStyle(io.stdout, io.env)),
  );
  return ExitCode.ok;
};

export const collectionsShowCommand = async (
  io: Io,
  id: string,
  options: CollectionsShowOptions,
): Promise<number> => {
  const outcome = await runCollectionShow({ env: io.env, id });
  if (!outcome.ok) return reportError(io, outcome.error);
  io.stdout.write(
    options.json === true
      ? `${JSON.stringify(outcome.value, null, 2)}\n`
      : renderDetails(outcome.value, makeStyle(io.stdout, io.env)),
  );
  return ExitCode.ok;
};

/**
 * Looks up the collections a workflow names before planning: each id once, a few at a time,
 * sorted into documents, ids Transfer does not know (404 EndpointNotFound/EndpointDeleted) and
 * lookups that failed for another reason. Never fails itself: the planner decides what each means.
 */
import type { EndpointDocument } from "@transflow/core/globus";
import { Effect } from "effect";
import { TransferApi, type TransferApiError } from "./TransferApi.ts";

/** Lookups in flight at once: enough to be quick, few enough to stay far from rate limits. */
export const LOOKUP_CONCURRENCY = 4;

/** Transfer codes that mean "this id is not (or no longer) a collection". */
const notFoundCodes = ["EndpointNotFound", "EndpointDeleted"];

export interface CollectionLookupResult {
  /** The documents found, in input order. */
  readonly documents: EndpointDocument[];
  /** Ids Transfer answered EndpointNotFound/EndpointDeleted for, in input order. */
  readonly notFound: string[];
  /** Ids whose lookup failed otherwise (permission denied, Globus unavailable, …). */
  readonly failures: { readonly id: string; readonly error: TransferApiError }[];
}

const isNotFound = (error: TransferApiError): boolean =>
  error._tag === "GlobusApiError" && error.status === 404 && notFoundCodes.includes(error.code);

/** Looks up every distinct id once (at most `LOOKUP_CONCURRENCY` at a time). */
export const lookupCollections = (
  ids: readonly string[],
): Effect.Effect<CollectionLookupResult, never, TransferApi> =>
  Effect.gen(function* () {
    const transfer = yield* TransferApi;
    // Collection ids are UUIDs: the same id in another case is the same collection.
    const unique = [...new Map(ids.map((id) => [id.toLowerCase(), id])).values()];
    const outcomes = yield* Effect.forEach(
      unique,
      (id) =>
        Effect.either(transfer.getEndpoint(id)).pipe(Effect.map((outcome) => ({ id, outcome }))),
      { concurrency: LOOKUP_CONCURRENCY },
    );
    const result: CollectionLookupResult = { documents: [], notFound: [], failures: [] };
    for (const { id, outcome } of outcomes) {
      if (outcome._tag === "Right") result.documents.push(outcome.right);
      else if (isNotFound(outcome.left)) result.notFound.push(id);
      else result.failures.push({ id, error: outcome.left });
    }
    return result;
  }).pipe(Effect.withSpan("CollectionLookup.lookupCollections"));

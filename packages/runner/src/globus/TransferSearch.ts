/**
 * Endpoint and collection search over `TransferApi.endpointSearch`, paged: pages of at most 100
 * (the per-request cap the SDKs use) following `has_next_page`, stopping at the number of results
 * asked for, or at 1000, the most one query can reach.
 *
 * @see globus-api.md §5.2, §5.3
 */
import type { EndpointList } from "@transflow/core/globus";
import { Effect } from "effect";
import { type EndpointSearchOptions, TransferApi, type TransferApiError } from "./TransferApi.ts";

/** Results per `endpoint_search` request (the Python SDK's page size; Transfer's cap). */
export const SEARCH_PAGE_SIZE = 100;

/** Results one query can reach at most, whatever the paging. */
export const SEARCH_MAX_RESULTS = 1000;

/** What a search found: one `endpoint_search` item, with its relevance `_rank`. */
export type EndpointSearchItem = EndpointList["DATA"][number];

export interface SearchEndpointsQuery extends Omit<EndpointSearchOptions, "limit" | "offset"> {
  /** Results wanted, 1 to 1000. */
  readonly limit: number;
}

export interface SearchEndpointsResult {
  /** Best match first, at most `limit`. */
  readonly items: readonly EndpointSearchItem[];
  /** Whether Transfer has results beyond these (a larger limit or narrower words finds them). */
  readonly more: boolean;
}

/** Searches page by page until `limit` results, the last page, or the 1000-result ceiling. */
export const searchEndpoints = (
  query: SearchEndpointsQuery,
): Effect.Effect<SearchEndpointsResult, TransferApiError, TransferApi> =>
  Effect.gen(function* () {
    const transfer = yield* TransferApi;
    const { limit: wanted, ...filters } = query;
    const limit = Math.min(Math.max(1, Math.floor(wanted)), SEARCH_MAX_RESULTS);
    const items: EndpointSearchItem[] = [];
    let offset = 0;
    for (;;) {
      const page = yield* transfer.endpointSearch({
        ...filters,
        limit: Math.min(SEARCH_PAGE_SIZE, limit - items.length),
        offset,
      });
      const taken = Math.min(page.DATA.length, limit - items.length);
      items.push(...page.DATA.slice(0, taken));
      offset += page.DATA.length;
      // An empty page that claims more would loop forever: take it as the end.
      const last = !page.has_next_page || page.DATA.length === 0 || offset >= SEARCH_MAX_RESULTS;
      if (items.length >= limit || last) {
        const more = (page.has_next_page && page.DATA.length > 0) || page.DATA.length > taken;
        return { items, more } satisfies SearchEndpointsResult;
      }
    }
  }).pipe(Effect.withSpan("TransferSearch.searchEndpoints"));

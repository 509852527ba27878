/**
 * Globus Transfer v0.10 calls with the identity's bearer token: submission ids, transfer and
 * delete submissions, mkdir, task reads, cancel, events and successful transfers, endpoint
 * documents and endpoint search. A 401 forgets the token and tries once more with a fresh one (the SDKs' run-once
 * refresh); request starts are spaced to stay under Transfer's 20 requests/s. No retry logic of
 * its own beyond that: GlobusHttp retries transient failures, which is safe for a submission
 * because it always carries its `submission_id`.
 */
import { type DocumentJson, documentJson, TRANSFER_RESOURCE_SERVER } from "@transflow/core";
import {
  CancelResult,
  type DeleteRequest,
  EndpointDocument,
  EndpointList,
  type EntityType,
  EventList,
  type FilterScope,
  MkdirResult,
  requiredScopesOf,
  SubmissionId,
  SubmissionResult,
  SuccessfulTransfers,
  TaskDocument,
  type TaskEvent,
  TaskList,
  type TaskStatus,
  type TaskType,
  type TransferRequest,
} from "@transflow/core/globus";
import { Clock, Context, Effect, Layer, Redacted } from "effect";
import { AuthTokens, type AuthTokensError } from "./AuthTokens.ts";
import { GlobusConfig, serviceUrl } from "./GlobusConfig.ts";
import { ConsentRequiredError, GlobusApiError, type GlobusHttpError } from "./GlobusErrors.ts";
import { GlobusHttp, type GlobusRequest, retrySchedule, type WireSchema } from "./GlobusHttp.ts";
import { makeRequestSpacing, TRANSFER_MAX_REQUESTS_PER_SECOND } from "./RateLimit.ts";

export type TransferApiError = GlobusHttpError | AuthTokensError;

/**
 * What a transfer or delete submission came to. `Duplicate` is success: the submission id was
 * accepted before, and `taskId` is the task it created then.
 * @see globus-api.md §5.5, §5.8
 */
export interface SubmitResult {
  readonly taskId: string;
  readonly submissionId: string;
  readonly code: "Accepted" | "Duplicate";
  readonly requestId: string;
}

/** What a mkdir did: made the directory, or found something at that path already. */
export type MkdirOutcome = "created" | "exists";

/** What a cancel request answered. @see globus-api.md §5.10 */
export type CancelCode = CancelResult["code"];

/** A time range of a task-list filter, each side `YYYY-MM-DD HH:MM:SS` (UTC) or open. */
export interface TimeRange {
  readonly from?: string | undefined;
  readonly to?: string | undefined;
}

/**
 * The `filter` of `GET /task_list`, as globus-cli builds it; empty lists are left out.
 * @see globus-api.md §5.10
 */
export interface TaskListFilter {
  readonly taskIds?: readonly string[] | undefined;
  readonly statuses?: readonly TaskStatus[] | undefined;
  readonly types?: readonly TaskType[] | undefined;
  /** Label clauses as Transfer spells them: `=exact`, `!=not`, `~part`, `!~notpart`. */
  readonly labels?: readonly string[] | undefined;
  readonly requestTime?: TimeRange | undefined;
  readonly completionTime?: TimeRange | undefined;
}

export interface ListTasksOptions {
  readonly filter?: TaskListFilter | undefined;
  /** Page size (Transfer allows up to 1000). */
  readonly limit?: number | undefined;
  readonly offset?: number | undefined;
  /** e.g. `request_time DESC`. */
  readonly orderby?: string | undefined;
}

export interface TaskEventsOptions {
  /** Page size (Transfer allows up to 1000). */
  readonly limit?: number | undefined;
  readonly offset?: number | undefined;
  /** Only events with `is_error` (`filter=is_error:1`). */
  readonly errorsOnly?: boolean | undefined;
}

/**
 * One page of `GET /endpoint_search`. Transfer requires `fulltext` when `scope` is `all` (the
 * default); pages hold at most 100 results and only the first 1000 are reachable (§5.3).
 */
export interface EndpointSearchOptions {
  /** `filter_fulltext`: every word must prefix-match (display name, description, keywords, …). */
  readonly fulltext?: string | undefined;
  /** `filter_scope`; Transfer's default is `all`. */
  readonly scope?: FilterScope | undefined;
  /** `filter_entity_type`: only this kind of document. */
  readonly entityType?: EntityType | undefined;
  /** `filter_owner_id`: an identity id. */
  readonly ownerId?: string | undefined;
  /** Page size (at most 100). */
  readonly limit?: number | undefined;
  readonly offset?: number | undefined;
}

export interface TransferApiShape {
  /** `GET /v0.10/endpoint/<id>`: the endpoint or collection document. */
  readonly getEndpoint: (id: string) => Effect.Effect<EndpointDocument, TransferApiError>;
  /** `GET /v0.10/endpoint_search`: one page of endpoints and collections, best match first. */
  readonly endpointSearch: (
    options: EndpointSearchOptions,
  ) => Effect.Effect<EndpointList, TransferApiError>;
  /** `GET /v0.10/submission_id`: a fresh idempotency key for one submission. */
  readonly submissionId: () => Effect.Effect<string, TransferApiError>;
  /**
   * `POST /v0.10/transfer` with the document as JSON text (`batchSubmission`, `documentJson`);
   * resending the same document answers `Duplicate`, never a 2nd task.
   */
  readonly submitTransfer: (
    document: DocumentJson<TransferRequest>,
  ) => Effect.Effect<SubmitResult, TransferApiError>;
  /** `POST /v0.10/delete`; resending the same document answers `Duplicate`. */
  readonly submitDelete: (
    document: DocumentJson<DeleteRequest>,
  ) => Effect.Effect<SubmitResult, TransferApiError>;
  /**
   * `POST /v0.10/operation/endpoint/<id>/mkdir`; `ExternalError.MkdirFailed.Exists` (502) is
   * `"exists"`, so a retried or repeated mkdir succeeds.
   */
  readonly mkdir: (
    collectionId: string,
    path: string,
  ) => Effect.Effect<MkdirOutcome, TransferApiError>;
  /** `GET /v0.10/task/<id>`. */
  readonly getTask: (taskId: string) => Effect.Effect<TaskDocument, TransferApiError>;
  /** `GET /v0.10/task_list`: one page of the identity's tasks. */
  readonly listTasks: (options?: ListTasksOptions) => Effect.Effect<TaskList, TransferApiError>;
  /**
   * `POST /v0.10/task/<id>/cancel`: `Canceled`, `TaskComplete` (it had already finished) or
   * `CancelAccepted`; re-read the task for its final status.
   */
  readonly cancelTask: (taskId: string) => Effect.Effect<CancelCode, TransferApiError>;
  /** `GET /v0.10/task/<id>/event_list`: one page, newest first. */
  readonly taskEvents: (
    taskId: string,
    options?: TaskEventsOptions,
  ) => Effect.Effect<EventList, TransferApiError>;
  /** `GET /v0.10/task/<id>/successful_transfers`: one page; a null `next_marker` ends it. */
  readonly successfulTransfers: (
    taskId: string,
    marker?: number,
  ) => Effect.Effect<SuccessfulTransfers, TransferApiError>;
}

/** Options of `TransferApi.layerWith`. */
export interface TransferApiOptions {
  /**
   * Request starts per second, evenly spaced (no bursts); `undefined` turns spacing off (benchmarks
   * against a local sandbox). `TransferApi.layer` uses 20, Transfer's limit (§5.14).
   */
  readonly maxRequestsPerSecond: number | undefined;
}

const id = encodeURIComponent;
const endpointPath = (collectionId: string): string => `/v0.10/endpoint/${id(collectionId)}`;
const taskPath = (taskId: string, tail = ""): string => `/v0.10/task/${id(taskId)}${tail}`;
const mkdirPath = (collectionId: string): string =>
  `/v0.10/operation/endpoint/${id(collectionId)}/mkdir`;

/** Transfer's answer to mkdir on a path that exists (status 502, third-party evidence, §5.11). */
export const MKDIR_EXISTS_CODE = "ExternalError.MkdirFailed.Exists";

const timeClause = (name: string, range: TimeRange | undefined): string[] =>
  range === undefined || (range.from === undefined && range.to === undefined)
    ? []
    : [`${name}:${range.from ?? ""},${range.to ?? ""}`];

const listClause = (name: string, values: readonly string[] | undefined): string[] =>
  values === undefined || values.length === 0 ? [] : [`${name}:${values.join(",")}`];

/**
 * The `filter` query value of `GET /task_list`: clauses joined with `/`, values with `,`
 * (`task_id:a,b/status:ACTIVE/type:TRANSFER,DELETE`); `undefined` when nothing filters.
 * @see globus-api.md §5.10
 */
export const taskListFilter = (filter: TaskListFilter): string | undefined => {
  const clauses = [
    ...listClause("task_id", filter.taskIds),
    ...listClause("status", filter.statuses),
    ...listClause("type", filter.types),
    ...listClause("label", filter.labels),
    ...timeClause("request_time", filter.requestTime),
    ...timeClause("completion_time", filter.completionTime),
  ];
  return clauses.length === 0 ? undefined : clauses.join("/");
};

const submitResult = (result: SubmissionResult): SubmitResult => ({
  taskId: result.task_id,
  submissionId: result.submission_id,
  code: result.code,
  requestId: result.request_id,
});

/**
 * A Transfer error whose body asks for scopes (a GARE's `authorization_parameters.required_scopes`
 * under another code than `ConsentRequired`) is a consent to grant as well. Session-only GAREs
 * (`AuthPolicyFailed`, `….LoginFailed`) stay `GlobusApiError`s with their body.
 * @see globus-api.md §4.3, §4.4
 */
const asConsentRequired = (error: GlobusApiError): ConsentRequiredError | undefined => {
  const requiredScopes = requiredScopesOf(error.body);
  return requiredScopes.length === 0
    ? undefined
    : new ConsentRequiredError({
        requiredScopes,
        globusMessage: error.globusMessage,
        requestId: error.requestId,
        resource: error.resource,
        method: error.method,
        url: error.url,
      });
};

const makeWith = (options: TransferApiOptions) =>
  Effect.gen(function* () {
    const http = yield* GlobusHttp;
    const tokens = yield* AuthTokens;
    const spacing = yield* makeRequestSpacing(options.maxRequestsPerSecond);

    /**
     * One Transfer request with a bearer token, refreshed and resent once after a 401. Each send
     * waits for its slot after the token is in hand, so a slow token grant never turns into a
     * burst; GlobusHttp's own retries are spaced by their backoff.
     */
    const call = <A>(
      request: Omit<GlobusRequest, "service" | "authorization">,
      schema: WireSchema<A>,
    ): Effect.Effect<A, TransferApiError> => {
      const attempt = (isRetry: boolean): Effect.Effect<A, TransferApiError> =>
        Effect.gen(function* () {
          const token = yield* tokens.accessTokenFor(TRANSFER_RESOURCE_SERVER);
          const authorization = Redacted.make(`Bearer ${Redacted.value(token)}`);
          yield* spacing.take;
          return yield* http
            .request({ ...request, service: "transfer", authorization, retry: false }, schema)
            .pipe(
              Effect.catchTag("GlobusApiError", (error) => {
                const consent = asConsentRequired(error);
                if (consent !== undefined) return Effect.fail(consent);
                return error.status === 401 && !isRetry
                  ? Effect.zipRight(
                      tokens.invalidate(TRANSFER_RESOURCE_SERVER, token),
                      attempt(true),
                    )
                  : Effect.fail(error);
              }),
            );
        });
      // Retried here, not in GlobusHttp: each try takes the token afresh, so one that expired
      // while waiting out a Retry-After is renewed (the Python SDK re-sets Authorization too).
      return Effect.retry(attempt(false), retrySchedule);
    };

    const getEndpoint = Effect.fn("TransferApi.getEndpoint")(function* (collectionId: string) {
      return yield* call({ method: "GET", path: endpointPath(collectionId) }, EndpointDocument);
    });

    const endpointSearch = Effect.fn("TransferApi.endpointSearch")(function* (
      options: EndpointSearchOptions,
    ) {
      return yield* call(
        {
          method: "GET",
          path: "/v0.10/endpoint_search",
          query: {
            filter_fulltext: options.fulltext,
            filter_scope: options.scope,
            filter_entity_type: options.entityType,
            filter_owner_id: options.ownerId,
            limit: options.limit,
            offset: options.offset,
          },
        },
        EndpointList,
      );
    });

    const submissionId = Effect.fn("TransferApi.submissionId")(function* () {
      const answer = yield* call({ method: "GET", path: "/v0.10/submission_id" }, SubmissionId);
      return answer.value;
    });

    const submitTransfer = Effect.fn("TransferApi.submitTransfer")(function* (
      document: DocumentJson<TransferRequest>,
    ) {
      const result = yield* call(
        { method: "POST", path: "/v0.10/transfer", body: { json: document } },
        SubmissionResult,
      );
      return submitResult(result);
    });

    const submitDelete = Effect.fn("TransferApi.submitDelete")(function* (
      document: DocumentJson<DeleteRequest>,
    ) {
      const result = yield* call(
        { method: "POST", path: "/v0.10/delete", body: { json: document } },
        SubmissionResult,
      );
      return submitResult(result);
    });

    const mkdir = Effect.fn("TransferApi.mkdir")(function* (collectionId: string, path: string) {
      return yield* call(
        {
          method: "POST",
          path: mkdirPath(collectionId),
          body: { json: documentJson({ DATA_TYPE: "mkdir", path }) },
        },
        MkdirResult,
      ).pipe(
        Effect.as<MkdirOutcome>("created"),
        Effect.catchIf(
          (error) => error._tag === "GlobusApiError" && error.code === MKDIR_EXISTS_CODE,
          () => Effect.succeed<MkdirOutcome>("exists"),
        ),
      );
    });

    const getTask = Effect.fn("TransferApi.getTask")(function* (taskId: string) {
      return yield* call({ method: "GET", path: taskPath(taskId) }, TaskDocument);
    });

    const listTasks = Effect.fn("TransferApi.listTasks")(function* (
      options: ListTasksOptions = {},
    ) {
      return yield* call(
        {
          method: "GET",
          path: "/v0.10/task_list",
          query: {
            limit: options.limit,
            offset: options.offset,
            orderby: options.orderby,
            filter: options.filter === undefined ? undefined : taskListFilter(options.filter),
          },
        },
        TaskList,
      );
    });

    const cancelTask = Effect.fn("TransferApi.cancelTask")(function* (taskId: string) {
      const result = yield* call(
        { method: "POST", path: taskPath(taskId, "/cancel") },
        CancelResult,
      );
      return result.code;
    });

    const taskEvents = Effect.fn("TransferApi.taskEvents")(function* (
      taskId: string,
      options: TaskEventsOptions = {},
    ) {
      return yield* call(
        {
          method: "GET",
          path: taskPath(taskId, "/event_list"),
          query: {
            limit: options.limit,
            offset: options.offset,
            filter: options.errorsOnly === true ? "is_error:1" : undefined,
          },
        },
        EventList,
      );
    });

    const successfulTransfers = Effect.fn("TransferApi.successfulTransfers")(function* (
      taskId: string,
      marker?: number,
    ) {
      return yield* call(
        { method: "GET", path: taskPath(taskId, "/successful_transfers"), query: { marker } },
        SuccessfulTransfers,
      );
    });

    return {
      getEndpoint,
      endpointSearch,
      submissionId,
      submitTransfer,
      submitDelete,
      mkdir,
      getTask,
      listTasks,
      cancelTask,
      taskEvents,
      successfulTransfers,
    } satisfies TransferApiShape;
  });

// ---------------------------------------------------------------------------------------------
// In-memory Transfer, for tests of what uses TransferApi
// ---------------------------------------------------------------------------------------------

/** The name of each TransferApi method, as `TransferMemory` logs and faults them. */
export type TransferOperation = keyof TransferApiShape;

/** What `TransferApi.layerMemory` serves. */
export interface MemoryTransfer {
  /** Endpoint documents, found by `id` (case does not matter). */
  readonly endpoints?: Iterable<EndpointDocument>;
  /** Ids that fail with the given error instead (`getEndpoint` only). */
  readonly errors?: Readonly<Record<string, TransferApiError>>;
  /** Methods served instead of the in-memory ones (e.g. a slow `getEndpoint`); not logged. */
  readonly overrides?: Partial<TransferApiShape>;
}

/** One call the in-memory Transfer received, with the id it was about (if any). */
export interface MemoryCall {
  readonly operation: TransferOperation;
  /** Collection id (getEndpoint, mkdir), submission id (submits) or task id. */
  readonly id: string | undefined;
}

/** A task the in-memory Transfer holds. */
export interface MemoryTask {
  readonly submissionId: string;
  /** The document as submitted. */
  readonly request: TransferRequest | DeleteRequest;
  readonly document: TaskDocument;
  /** Newest first, as `event_list` answers. */
  readonly events: readonly TaskEvent[];
}

/**
 * The test's handle on `TransferApi.layerMemory`: see and steer the tasks, inject failures.
 *
 * Semantics: `submissionId` issues ids `5ab00000-…-<n>`; a submit with an id it never issued is a
 * 400 `ClientError.BadRequest`; the first submit of an id creates an ACTIVE task `7a500000-…-<n>`
 * (`Accepted`), any later one answers `Duplicate` with that task. Tasks move only when the test
 * says so (`setStatus`), except `cancelTask` (ACTIVE/INACTIVE → FAILED with fatal_error CANCELED;
 * finished → `TaskComplete`). `successfulTransfers` lists a SUCCEEDED transfer's items (pages of
 * 1000). `listTasks` filters on task ids, statuses and types only, newest first. mkdir answers
 * `created` once per (collection, path), then `exists`. Unknown tasks are 404 `TaskNotFound`.
 */
export interface TransferMemoryShape {
  /** Every task, in submission order. */
  readonly tasks: Effect.Effect<readonly MemoryTask[]>;
  /** Every call so far, in order (failed and injected-failure calls included). */
  readonly calls: Effect.Effect<readonly MemoryCall[]>;
  /**
   * Sets a task's status with the fields Transfer changes with it (completion time, nice status,
   * a SUCCEEDED/FAILED/AUTH event; FAILED without a `fatal_error` in `patch` gets `UNKNOWN`),
   * then merges `patch` (counters, `fatal_error`, `nice_status`…). Dies for an unknown task.
   */
  readonly setStatus: (
    taskId: string,
    status: TaskStatus,
    patch?: Partial<TaskDocument>,
  ) => Effect.Effect<void>;
  /**
   * The next call of `operation` fails with `error`; with `applied`, only after doing its work
   * (a submit that was accepted but whose answer was lost).
   */
  readonly failNext: (
    operation: TransferOperation,
    error: TransferApiError,
    options?: { readonly applied?: boolean },
  ) => Effect.Effect<void>;
}

/** The control side of `TransferApi.layerMemory`. */
export class TransferMemory extends Context.Tag("transflow/TransferMemory")<
  TransferMemory,
  TransferMemoryShape
>() {}

/** The owner of the in-memory Transfer's tasks. */
export const MEMORY_OWNER_ID = "0e000000-0000-4000-8000-000000000001";

const memoryId = (prefix: string, n: number): string =>
  `${prefix}-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;

/** Transfer's timestamp form: `2021-09-03T18:04:47+00:00`. */
const wireTime = (millis: number): string => `${new Date(millis).toISOString().slice(0, 19)}+00:00`;

const DAY_MILLIS = 24 * 60 * 60 * 1000;
const SUCCESSFUL_TRANSFERS_PAGE = 1000;

/** A Transfer error as the in-memory service words it. */
const memoryError = (
  url: string,
  method: string,
  status: number,
  code: string,
  message: string,
): GlobusApiError =>
  new GlobusApiError({
    service: "transfer",
    status,
    code,
    globusMessage: message,
    requestId: undefined,
    resource: undefined,
    method,
    url,
    retryAfterSeconds: undefined,
    body: undefined,
  });

/** A 404 `EndpointNotFound` as Transfer words it. */
export const endpointNotFound = (collectionId: string, url: string): GlobusApiError =>
  new GlobusApiError({
    service: "transfer",
    status: 404,
    code: "EndpointNotFound",
    globusMessage: `No such endpoint '${collectionId}'`,
    requestId: undefined,
    resource: `/endpoint/${collectionId}`,
    method: "GET",
    url,
    retryAfterSeconds: undefined,
    body: undefined,
  });

/**
 * The in-memory `endpoint_search` filter: every word of `fulltext` starts a word of the display
 * name, description or keywords (case ignored); `entityType` and `ownerId` match exactly; the
 * scope is not modelled.
 */
const memorySearchMatches = (
  document: EndpointDocument,
  options: EndpointSearchOptions,
): boolean => {
  if (options.entityType !== undefined && document.entity_type !== options.entityType) return false;
  if (options.ownerId !== undefined && document.owner_id !== options.ownerId) return false;
  const words = (text: string | null | undefined) =>
    (text ?? "")
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter((word) => word.length > 0);
  const haystack = [document.display_name, document.description, document.keywords].flatMap(words);
  return words(options.fulltext).every((term) => haystack.some((word) => word.startsWith(term)));
};

/** A new ACTIVE task for a submitted document. */
const newTaskDocument = (
  request: TransferRequest | DeleteRequest,
  taskId: string,
  now: number,
): TaskDocument => {
  const common = {
    DATA_TYPE: "task" as const,
    task_id: taskId,
    status: "ACTIVE" as const,
    label: request.label ?? null,
    owner_id: MEMORY_OWNER_ID,
    command: "API 0.10",
    request_time: wireTime(now),
    completion_time: null,
    deadline: request.deadline ?? wireTime(now + DAY_MILLIS),
    fatal_error: null,
    nice_status: "Queued",
    nice_status_short_description: "Queued",
    nice_status_details: null,
    nice_status_expires_in: -1,
    is_ok: true,
    is_paused: false,
    source_endpoint_display_name: null,
    destination_endpoint_display_name: null,
    recursive_symlinks: null,
    files: 0,
    directories: 0,
    symlinks: 0,
    files_skipped: 0,
    files_transferred: 0,
    bytes_transferred: 0,
    bytes_checksummed: 0,
    effective_bytes_per_second: 0,
    faults: 0,
    subtasks_total: request.DATA.length,
    subtasks_pending: request.DATA.length,
    subtasks_retrying: 0,
    subtasks_succeeded: 0,
    subtasks_expired: 0,
    subtasks_canceled: 0,
    subtasks_failed: 0,
    canceled_by_admin: null,
    canceled_by_admin_message: null,
    history_deleted: false,
  };
  if (request.DATA_TYPE === "delete") {
    return {
      ...common,
      type: "DELETE",
      source_endpoint_id: request.endpoint,
      destination_endpoint_id: null,
      sync_level: null,
      verify_checksum: false,
      encrypt_data: false,
      preserve_timestamp: false,
      delete_destination_extra: false,
    } satisfies TaskDocument;
  }
  return {
    ...common,
    type: "TRANSFER",
    source_endpoint_id: request.source_endpoint,
    destination_endpoint_id: request.destination_endpoint,
    sync_level: request.sync_level ?? null,
    verify_checksum: request.verify_checksum ?? false,
    encrypt_data: request.encrypt_data ?? false,
    preserve_timestamp: request.preserve_timestamp ?? false,
    delete_destination_extra: request.delete_destination_extra ?? false,
    skip_source_errors: request.skip_source_errors ?? false,
    fail_on_quota_errors: request.fail_on_quota_errors ?? false,
    filter_rules: request.filter_rules ?? null,
    subtasks_skipped_errors: 0,
  } satisfies TaskDocument;
};

const event = (code: string, isError: boolean, details: string, now: number): TaskEvent => ({
  DATA_TYPE: "event",
  code,
  description: code.toLowerCase().replaceAll("_", " "),
  details,
  is_error: isError,
  time: wireTime(now),
});

interface MutableTask {
  readonly submissionId: string;
  readonly request: TransferRequest | DeleteRequest;
  document: TaskDocument;
  events: TaskEvent[];
}

const makeMemory = (options: MemoryTransfer) =>
  Effect.gen(function* () {
    const config = yield* GlobusConfig;
    const url = (path: string) => serviceUrl(config, "transfer", path);
    const endpoints = new Map<string, EndpointDocument>();
    for (const document of options.endpoints ?? [])
      endpoints.set(document.id.toLowerCase(), document);
    const endpointErrors = new Map<string, TransferApiError>();
    for (const [key, error] of Object.entries(options.errors ?? {}))
      endpointErrors.set(key.toLowerCase(), error);

    /** Issued submission ids → the task they created (undefined until submitted). */
    const submissions = new Map<string, string | undefined>();
    const tasks = new Map<string, MutableTask>();
    const directories = new Set<string>();
    const calls: MemoryCall[] = [];
    const faults: { operation: TransferOperation; error: TransferApiError; applied: boolean }[] =
      [];

    /** Logs the call, runs `work`, and applies an injected failure before or after it. */
    const serve = <A>(
      operation: TransferOperation,
      callId: string | undefined,
      work: (now: number) => Effect.Effect<A, TransferApiError>,
    ): Effect.Effect<A, TransferApiError> =>
      Effect.gen(function* () {
        calls.push({ operation, id: callId });
        const index = faults.findIndex((fault) => fault.operation === operation);
        const fault = index === -1 ? undefined : faults.splice(index, 1)[0];
        if (fault !== undefined && !fault.applied) return yield* Effect.fail(fault.error);
        const result = yield* work(yield* Clock.currentTimeMillis);
        if (fault !== undefined) return yield* Effect.fail(fault.error);
        return result;
      });

    const findTask = (taskId: string, method: string, path: string) => {
      const task = tasks.get(taskId.toLowerCase());
      return task === undefined
        ? Effect.fail(
            memoryError(url(path), method, 404, "TaskNotFound", `Task ID ${taskId} not found`),
          )
        : Effect.succeed(task);
    };

    const submit = (request: TransferRequest | DeleteRequest, now: number) => {
      const kind = request.DATA_TYPE;
      const path = `/v0.10/${kind}`;
      const key = request.submission_id.toLowerCase();
      if (!submissions.has(key)) {
        return Effect.fail(
          memoryError(
            url(path),
            "POST",
            400,
            "ClientError.BadRequest",
            `Invalid submission_id '${request.submission_id}': get one from GET /submission_id`,
          ),
        );
      }
      const existing = submissions.get(key);
      const requestId = `mem${String(calls.length).padStart(6, "0")}`;
      if (existing !== undefined) {
        return Effect.succeed<SubmitResult>({
          taskId: existing,
          submissionId: request.submission_id,
          code: "Duplicate",
          requestId,
        });
      }
      const taskId = memoryId("7a500000", tasks.size + 1);
      submissions.set(key, taskId);
      tasks.set(taskId, {
        submissionId: request.submission_id,
        request,
        document: newTaskDocument(request, taskId, now),
        events: [],
      });
      return Effect.succeed<SubmitResult>({
        taskId,
        submissionId: request.submission_id,
        code: "Accepted",
        requestId,
      });
    };

    const api: TransferApiShape = {
      endpointSearch: (searchOptions) =>
        serve("endpointSearch", undefined, () =>
          Effect.sync((): EndpointList => {
            const all = [...endpoints.values()].filter((document) =>
              memorySearchMatches(document, searchOptions),
            );
            const offset = searchOptions.offset ?? 0;
            const limit = searchOptions.limit ?? 25;
            const page = all.slice(offset, offset + limit);
            return {
              DATA_TYPE: "endpoint_list",
              DATA: page.map((document) => ({ ...document, _rank: 1 })),
              limit,
              offset,
              has_next_page: offset + page.length < all.length,
            };
          }),
        ),
      getEndpoint: (collectionId) =>
        serve("getEndpoint", collectionId, () => {
          const error = endpointErrors.get(collectionId.toLowerCase());
          if (error !== undefined) return Effect.fail(error);
          const document = endpoints.get(collectionId.toLowerCase());
          return document === undefined
            ? Effect.fail(endpointNotFound(collectionId, url(endpointPath(collectionId))))
            : Effect.succeed(document);
        }),
      submissionId: () =>
        serve("submissionId", undefined, () =>
          Effect.sync(() => {
            const value = memoryId("5ab00000", submissions.size + 1);
            submissions.set(value, undefined);
            return value;
          }),
        ),
      submitTransfer: (json) => {
        const document = JSON.parse(json) as TransferRequest;
        return serve("submitTransfer", document.submission_id, (now) => submit(document, now));
      },
      submitDelete: (json) => {
        const document = JSON.parse(json) as DeleteRequest;
        return serve("submitDelete", document.submission_id, (now) => submit(document, now));
      },
      mkdir: (collectionId, path) =>
        serve("mkdir", collectionId, () =>
          Effect.sync((): MkdirOutcome => {
            const key = `${collectionId.toLowerCase()}:${path.replace(/\/+$/, "") || "/"}`;
            if (directories.has(key)) return "exists";
            directories.add(key);
            return "created";
          }),
        ),
      getTask: (taskId) =>
        serve("getTask", taskId, () =>
          Effect.map(findTask(taskId, "GET", taskPath(taskId)), (task) => task.document),
        ),
      listTasks: (listOptions = {}) =>
        serve("listTasks", undefined, () =>
          Effect.sync((): TaskList => {
            const filter = listOptions.filter ?? {};
            const matches = (values: readonly string[] | undefined, value: string) =>
              values === undefined || values.length === 0 || values.includes(value);
            const all = [...tasks.values()]
              .map((task) => task.document)
              .filter(
                (document) =>
                  matches(filter.taskIds, document.task_id) &&
                  matches(filter.statuses, document.status) &&
                  matches(filter.types, document.type),
              )
              .reverse();
            const offset = listOptions.offset ?? 0;
            const limit = listOptions.limit ?? 10;
            const page = all.slice(offset, offset + limit);
            return {
              DATA_TYPE: "task_list",
              DATA: page,
              length: page.length,
              limit,
              offset,
              total: all.length,
            };
          }),
        ),
      cancelTask: (taskId) =>
        serve("cancelTask", taskId, (now) =>
          Effect.map(findTask(taskId, "POST", taskPath(taskId, "/cancel")), (task): CancelCode => {
            const { status } = task.document;
            if (status === "SUCCEEDED" || status === "FAILED") return "TaskComplete";
            setStatusNow(task, "FAILED", now, {
              fatal_error: { code: "CANCELED", description: "canceled" },
            });
            return "Canceled";
          }),
        ),
      taskEvents: (taskId, eventOptions = {}) =>
        serve("taskEvents", taskId, () =>
          Effect.map(
            findTask(taskId, "GET", taskPath(taskId, "/event_list")),
            (task): EventList => {
              const events =
                eventOptions.errorsOnly === true
                  ? task.events.filter((item) => item.is_error)
                  : task.events;
              const offset = eventOptions.offset ?? 0;
              const limit = eventOptions.limit ?? 10;
              const page = events.slice(offset, offset + limit);
              return {
                DATA_TYPE: "event_list",
                DATA: page,
                length: page.length,
                limit,
                offset,
                total: events.length,
              };
            },
          ),
        ),
      successfulTransfers: (taskId, marker = 0) =>
        serve("successfulTransfers", taskId, () =>
          Effect.map(
            findTask(taskId, "GET", taskPath(taskId, "/successful_transfers")),
            (task): SuccessfulTransfers => {
              const { request, document } = task;
              const items =
                request.DATA_TYPE === "transfer" && document.status === "SUCCEEDED"
                  ? request.DATA
                  : [];
              const end = marker + SUCCESSFUL_TRANSFERS_PAGE;
              return {
                DATA_TYPE: "successful_transfers",
                marker,
                next_marker: end < items.length ? end : null,
                DATA: items.slice(marker, end).map((item) => ({
                  DATA_TYPE: "successful_transfer" as const,
                  source_path: item.source_path,
                  destination_path: item.destination_path,
                })),
              };
            },
          ),
        ),
    };

    const control: TransferMemoryShape = {
      tasks: Effect.sync(() =>
        [...tasks.values()].map((task) => ({ ...task, events: [...task.events] })),
      ),
      calls: Effect.sync(() => [...calls]),
      setStatus: (taskId, status, patch = {}) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          const task = tasks.get(taskId.toLowerCase());
          if (task === undefined) return Effect.dieMessage(`No in-memory task ${taskId}`);
          return Effect.sync(() => setStatusNow(task, status, now, patch));
        }),
      failNext: (operation, error, failOptions = {}) =>
        Effect.sync(() => {
          faults.push({ operation, error, applied: failOptions.applied === true });
        }),
    };

    return { api: { ...api, ...options.overrides }, control };
  });

/** Moves a task to `status` as Transfer would, then applies `patch`. */
const setStatusNow = (
  task: MutableTask,
  status: TaskStatus,
  now: number,
  patch: Partial<TaskDocument>,
): void => {
  const finished = status === "SUCCEEDED" || status === "FAILED";
  const fatal =
    status === "FAILED" ? (patch.fatal_error ?? { code: "UNKNOWN", description: "unknown" }) : null;
  const total = task.document.subtasks_total;
  task.document = {
    ...task.document,
    status,
    completion_time: finished ? wireTime(now) : null,
    fatal_error: fatal,
    nice_status: finished ? null : status === "INACTIVE" ? "AUTH" : "OK",
    nice_status_short_description: finished ? null : status === "INACTIVE" ? "AUTH" : "OK",
    nice_status_expires_in: finished ? null : -1,
    is_ok: finished ? null : status === "ACTIVE",
    subtasks_pending: finished ? 0 : task.document.subtasks_pending,
    subtasks_succeeded: status === "SUCCEEDED" ? total : task.document.subtasks_succeeded,
    ...patch,
  };
  const happened =
    status === "SUCCEEDED"
      ? event("SUCCEEDED", false, "", now)
      : status === "FAILED" && fatal !== null
        ? event(
            fatal.code,
            true,
            fatal.code === "CANCELED" ? "Canceled by the task owner" : fatal.description,
            now,
          )
        : status === "INACTIVE"
          ? event("AUTH", true, "Credentials are needed", now)
          : undefined;
  if (happened !== undefined) task.events = [happened, ...task.events];
};

/** Globus Transfer. */
export class TransferApi extends Context.Tag("transflow/TransferApi")<
  TransferApi,
  TransferApiShape
>() {
  /** Over GlobusHttp, request starts spaced as `options` says. */
  static readonly layerWith = (
    options: TransferApiOptions,
  ): Layer.Layer<TransferApi, never, GlobusHttp | AuthTokens> =>
    Layer.effect(TransferApi, makeWith(options));

  /** Over GlobusHttp, at most 20 request starts per second (Transfer's limit, §5.14). */
  static readonly layer: Layer.Layer<TransferApi, never, GlobusHttp | AuthTokens> =
    TransferApi.layerWith({ maxRequestsPerSecond: TRANSFER_MAX_REQUESTS_PER_SECOND });

  /**
   * An in-memory Transfer with no HTTP (see `TransferMemoryShape` for what it does), and its
   * control as `TransferMemory`; unknown endpoint ids answer 404 `EndpointNotFound`, and
   * `endpointSearch` pages over the given documents (words prefix-match; scope not modelled).
   */
  static readonly layerMemory = (
    options: MemoryTransfer = {},
  ): Layer.Layer<TransferApi | TransferMemory> =>
    Layer.effectContext(
      Effect.map(makeMemory(options), ({ api, control }) =>
        Context.make(TransferApi, api).pipe(Context.add(TransferMemory, control)),
      ),
    ).pipe(Layer.provide(GlobusConfig.layerStatic({})));
}

/**
 * Globus Transfer v0.10 wire documents as zod schemas, in the API's spelling (`DATA_TYPE`,
 * snake_case): strict objects for the requests transflow builds, loose objects (unknown fields
 * kept) for the responses it reads. Error bodies live in `Errors.ts`; names map to ours elsewhere.
 */
import { z } from "zod";

/** A Globus id (collection, task, submission, identity): a UUID-shaped string. */
const Id = z.guid();

/** A non-negative JSON integer (counters, byte counts, page offsets). */
const Count = z.int().nonnegative();

// ---------------------------------------------------------------------------------------------
// Enumerations
// ---------------------------------------------------------------------------------------------

/** Task states. @see globus-api.md §5.9 */
export const taskStatuses = ["ACTIVE", "INACTIVE", "SUCCEEDED", "FAILED"] as const;

/**
 * A task's `status`: ACTIVE (running, queued or retrying), INACTIVE (needs someone to act),
 * SUCCEEDED, FAILED (failed, expired or cancelled).
 * @see globus-api.md §5.9
 */
export const TaskStatus = z.enum(taskStatuses);
export type TaskStatus = z.infer<typeof TaskStatus>;

/** Task kinds. @see globus-api.md §5.9 */
export const taskTypes = ["TRANSFER", "DELETE"] as const;

/**
 * A task's `type`.
 * @see globus-api.md §5.9
 */
export const TaskType = z.enum(taskTypes);
export type TaskType = z.infer<typeof TaskType>;

/** Every `entity_type` a Transfer endpoint document may carry. @see globus-api.md §4.1 */
export const entityTypes = [
  "GCSv5_mapped_collection",
  "GCSv5_guest_collection",
  "GCSv5_endpoint",
  "GCP_mapped_collection",
  "GCP_guest_collection",
  "GCSv4_host",
  "GCSv4_share",
] as const;

/**
 * What an endpoint document describes; only a non-high-assurance `GCSv5_mapped_collection`
 * needs a `data_access` consent.
 * @see globus-api.md §4.1
 */
export const EntityType = z.enum(entityTypes);
export type EntityType = z.infer<typeof EntityType>;

/** Values of `endpoint_search`'s `filter_scope` parameter. @see globus-api.md §5.3 */
export const filterScopes = [
  "all",
  "my-endpoints",
  "my-gcp-endpoints",
  "recently-used",
  "in-use",
  "shared-by-me",
  "shared-with-me",
  "hide-no-permissions",
  "administered-by-me",
] as const;

/**
 * The `filter_scope` query parameter of `GET /v0.10/endpoint_search`.
 * @see globus-api.md §5.3
 */
export const FilterScope = z.enum(filterScopes);
export type FilterScope = z.infer<typeof FilterScope>;

/**
 * Task event codes named by Globus (a staff answer plus the current docs' lifecycle table). Not
 * exhaustive, so `TaskEvent.code` stays a string; `ABEND` and `FILE_ACCESS` are deprecated.
 * @see globus-api.md §5.10
 */
export const eventCodes = [
  "ABEND",
  "ACL_CHANGED",
  "AMBIGUOUS_PATH",
  "AUTH",
  "CANCELED",
  "CLOCK",
  "CONNECT_FAILED",
  "CONNECTION_BROKEN",
  "CONNECTION_RESET",
  "DELETE_DESTINATION_EXTRA_SKIPPED",
  "ENDPOINT_ERROR",
  "ENDPOINT_TOO_BUSY",
  "EXPIRED",
  "EXTERNAL_CHECKSUM_MISMATCH",
  "FILE_ACCESS",
  "FILE_NOT_FOUND",
  "FILE_SIZE_CHANGED",
  "GC_NOT_CONNECTED",
  "GC_PAUSED",
  "GSI_DN_MISMATCH",
  "INTERNAL_ERROR",
  "INVALID_PATH_NAME",
  "INVALID_SERVICE_CREDENTIAL",
  "INVALID_SYMLINK",
  "IS_A_DIRECTORY",
  "IS_A_FILE",
  "LIMIT_EXCEEDED",
  "MPU_NOT_FOUND",
  "NO_APPEND_FILESYSTEM",
  "NO_CREDENTIALS",
  "NO_PHYSICALS",
  "NO_SPACE_LEFT",
  "NOT_A_DIRECTORY",
  "NOT_A_FILE",
  "NOT_A_SYMLINK",
  "PAUSED",
  "PERMISSION_DENIED",
  "PROGRESS",
  "QUOTA_EXCEEDED",
  "SKIPPED_ERRORS",
  "STARTED",
  "SUCCEEDED",
  "TIMEOUT",
  "UNKNOWN",
  "UNPAUSED",
  "VERIFY_CHECKSUM",
] as const;
export type EventCode = (typeof eventCodes)[number];

/**
 * Entry types of a directory listing (only `dir` and `file` seen in recordings).
 * @see globus-api.md §5.11
 */
export const fileTypes = ["dir", "file", "invalid_symlink", "chr", "blk", "pipe", "other"] as const;

/**
 * The `type` of a file document.
 * @see globus-api.md §5.11
 */
export const FileType = z.enum(fileTypes);
export type FileType = z.infer<typeof FileType>;

/** Result codes of a submission. @see globus-api.md §5.8 */
export const submissionResultCodes = ["Accepted", "Duplicate"] as const;

/** Result codes of a cancel request. @see globus-api.md §5.10 */
export const cancelResultCodes = ["Canceled", "TaskComplete", "CancelAccepted"] as const;

// ---------------------------------------------------------------------------------------------
// Sync level: names in the workflow language, integers on the wire
// ---------------------------------------------------------------------------------------------

/**
 * The workflow language's sync level names, in wire order (index = wire integer).
 * @see globus-api.md §5.6
 */
export const syncLevelNames = ["exists", "size", "mtime", "checksum"] as const;
export type SyncLevelName = (typeof syncLevelNames)[number];

/**
 * The wire `sync_level`: a JSON integer, 0 exists, 1 size, 2 mtime (source newer), 3 checksum.
 * @see globus-api.md §5.6
 */
export const SyncLevel = z.literal([0, 1, 2, 3]);
export type SyncLevel = z.infer<typeof SyncLevel>;

const syncLevelByName: Readonly<Record<SyncLevelName, SyncLevel>> = {
  exists: 0,
  size: 1,
  mtime: 2,
  checksum: 3,
};

/**
 * The wire integer for a sync level name (`exists` 0 … `checksum` 3), as the Python SDK maps it.
 * @see globus-api.md §5.6
 */
export const syncLevelNumber = (name: SyncLevelName): SyncLevel => syncLevelByName[name];

/**
 * The sync level name for a wire integer: the inverse of `syncLevelNumber`.
 * @see globus-api.md §5.6
 */
export const syncLevelName = (level: SyncLevel): SyncLevelName => syncLevelNames[level];

// ---------------------------------------------------------------------------------------------
// Requests transflow builds (strict: a misspelt key is a bug in our client)
// ---------------------------------------------------------------------------------------------

/**
 * One filter rule of a transfer: `include`/`exclude` a glob `name`, for files, dirs or (no
 * `type`) both; first match wins; only affects recursive items.
 * @see globus-api.md §5.6
 */
export const FilterRule = z.strictObject({
  DATA_TYPE: z.literal("filter_rule"),
  method: z.enum(["include", "exclude"]),
  name: z.string().min(1),
  type: z.enum(["file", "dir"]).optional(),
});
export type FilterRule = z.infer<typeof FilterRule>;

/**
 * One item of a transfer document; `recursive` omitted lets Globus detect file or directory.
 * @see globus-api.md §5.6
 */
export const TransferItem = z.strictObject({
  DATA_TYPE: z.literal("transfer_item"),
  source_path: z.string().min(1),
  /** For a file, the full destination file path (not its parent directory). */
  destination_path: z.string().min(1),
  recursive: z.boolean().optional(),
  /** Files only; MD5 unless `checksum_algorithm` says otherwise. */
  external_checksum: z.string().min(1).optional(),
  checksum_algorithm: z.string().min(1).optional(),
});
export type TransferItem = z.infer<typeof TransferItem>;

/** Options shared by the transfer and delete documents. */
const taskRequestOptions = {
  /** The idempotency key from `GET /submission_id`: resubmitting it never starts a second task. */
  submission_id: Id,
  label: z
    .string()
    .max(128)
    .regex(/^(?!\s)[^\r\n]*(?<!\s)$/, "one line without surrounding whitespace")
    .optional(),
  /** ISO 8601 date or date-time. */
  deadline: z.string().min(1).optional(),
  notify_on_succeeded: z.boolean().optional(),
  notify_on_failed: z.boolean().optional(),
  notify_on_inactive: z.boolean().optional(),
  store_base_path_info: z.boolean().optional(),
};

/**
 * The body of `POST /v0.10/transfer`; options left out take the service defaults.
 * @see globus-api.md §5.6
 */
export const TransferRequest = z.strictObject({
  DATA_TYPE: z.literal("transfer"),
  ...taskRequestOptions,
  source_endpoint: Id,
  destination_endpoint: Id,
  /** At least one item: Globus answers `ClientError.BadRequest.NoTransferItems` otherwise. */
  DATA: z.array(TransferItem).min(1),
  sync_level: SyncLevel.optional(),
  verify_checksum: z.boolean().optional(),
  preserve_timestamp: z.boolean().optional(),
  encrypt_data: z.boolean().optional(),
  skip_source_errors: z.boolean().optional(),
  fail_on_quota_errors: z.boolean().optional(),
  /** Mirror mode: delete destination files absent from the source (recursive items only). */
  delete_destination_extra: z.boolean().optional(),
  source_local_user: z.string().min(1).optional(),
  destination_local_user: z.string().min(1).optional(),
  filter_rules: z.array(FilterRule).optional(),
  /** Beta in the JS SDK, removed from the Python SDK; tasks echo `ignore`. */
  recursive_symlinks: z.enum(["ignore", "keep", "copy"]).optional(),
  perf_cc: z.int().positive().optional(),
  perf_p: z.int().positive().optional(),
  perf_pp: z.int().positive().optional(),
  perf_udt: z.boolean().optional(),
});
export type TransferRequest = z.infer<typeof TransferRequest>;

/**
 * One path of a delete document.
 * @see globus-api.md §5.7
 */
export const DeleteItem = z.strictObject({
  DATA_TYPE: z.literal("delete_item"),
  path: z.string().min(1),
});
export type DeleteItem = z.infer<typeof DeleteItem>;

/**
 * The body of `POST /v0.10/delete`; directories need `recursive: true`.
 * @see globus-api.md §5.7
 */
export const DeleteRequest = z.strictObject({
  DATA_TYPE: z.literal("delete"),
  ...taskRequestOptions,
  endpoint: Id,
  DATA: z.array(DeleteItem).min(1),
  recursive: z.boolean().optional(),
  /** A missing path is not an error (else the task fails with FILE_NOT_FOUND). */
  ignore_missing: z.boolean().optional(),
  /** Expand `* ? [ ]` in the last path component. */
  interpret_globs: z.boolean().optional(),
  local_user: z.string().min(1).optional(),
});
export type DeleteRequest = z.infer<typeof DeleteRequest>;

/**
 * The body of `POST /v0.10/operation/endpoint/<id>/mkdir`.
 * @see globus-api.md §5.11
 */
export const MkdirRequest = z.strictObject({
  DATA_TYPE: z.literal("mkdir"),
  path: z.string().min(1),
  local_user: z.string().min(1).optional(),
});
export type MkdirRequest = z.infer<typeof MkdirRequest>;

/**
 * The body of `POST /v0.10/operation/endpoint/<id>/rename`.
 * @see globus-api.md §5.11
 */
export const RenameRequest = z.strictObject({
  DATA_TYPE: z.literal("rename"),
  old_path: z.string().min(1),
  new_path: z.string().min(1),
  local_user: z.string().min(1).optional(),
});
export type RenameRequest = z.infer<typeof RenameRequest>;

// ---------------------------------------------------------------------------------------------
// Responses (loose: Globus adds fields; the ones the reference names are typed)
// ---------------------------------------------------------------------------------------------

/**
 * Response of `GET /v0.10/submission_id`: read only `value` (the JS type and the sandbox add
 * `DATA_TYPE`).
 * @see globus-api.md §5.5
 */
export const SubmissionId = z.looseObject({
  value: Id,
  DATA_TYPE: z.literal("submission_id").optional(),
});
export type SubmissionId = z.infer<typeof SubmissionId>;

/**
 * A `link` sub-document (`task_link` of a submission result; undocumented, deprecated in JS).
 * @see globus-api.md §5.8
 */
export const Link = z.looseObject({
  DATA_TYPE: z.literal("link"),
  href: z.string(),
  rel: z.string(),
  resource: z.string(),
  title: z.string(),
});
export type Link = z.infer<typeof Link>;

/**
 * Response of `POST /v0.10/transfer` and `/delete`: `Accepted` the first time, `Duplicate` for a
 * resubmitted `submission_id`; `task_id` is not the submission id.
 * @see globus-api.md §5.8
 */
export const SubmissionResult = z.looseObject({
  DATA_TYPE: z.enum(["transfer_result", "delete_result"]),
  code: z.enum(submissionResultCodes),
  message: z.string(),
  request_id: z.string(),
  /** `/transfer` or `/delete`, without `/v0.10` in real responses. */
  resource: z.string(),
  submission_id: Id,
  task_id: Id,
  task_link: Link.optional(),
});
export type SubmissionResult = z.infer<typeof SubmissionResult>;

/** A filter rule as a task document echoes it (the request form, loosely). */
const FilterRuleEcho = z.looseObject({
  DATA_TYPE: z.literal("filter_rule").optional(),
  method: z.enum(["include", "exclude"]),
  name: z.string(),
  type: z.enum(["file", "dir"]).nullish(),
});

/**
 * The error that failed a task: the fatal event's code and description.
 * @see globus-api.md §5.9
 */
export const FatalError = z.looseObject({ code: z.string(), description: z.string() });
export type FatalError = z.infer<typeof FatalError>;

/**
 * The task document of `GET /v0.10/task/<task_id>` (also each `task_list` item). DELETE tasks
 * lack the transfer-only options and have null `destination_endpoint*`.
 * @see globus-api.md §5.9
 */
export const TaskDocument = z.looseObject({
  /** Present on `GET /task/<id>`; absent from recorded DELETE tasks and `task_list` items. */
  DATA_TYPE: z.literal("task").optional(),
  task_id: Id,
  type: TaskType,
  status: TaskStatus,
  label: z.string().nullable(),
  owner_id: Id,
  /** Deprecated. */
  username: z.string().optional(),
  command: z.string(),
  request_time: z.string(),
  /** Null while ACTIVE or INACTIVE. */
  completion_time: z.string().nullable(),
  deadline: z.string(),
  /** Null unless FAILED. */
  fatal_error: FatalError.nullable(),
  /** `OK`, `Queued`, a recent error code, or null once complete. */
  nice_status: z.string().nullable(),
  nice_status_short_description: z.string().nullable(),
  /** Deprecated, null. */
  nice_status_details: z.string().nullable(),
  /** `-1` while ACTIVE, null once complete. */
  nice_status_expires_in: z.int().nullable(),
  is_ok: z.boolean().nullable(),
  is_paused: z.boolean(),
  source_endpoint_id: Id,
  source_endpoint_display_name: z.string().nullable(),
  /** Null for DELETE tasks. */
  destination_endpoint_id: Id.nullable(),
  destination_endpoint_display_name: z.string().nullable(),
  /** Legacy `owner#name` names (`go#ep1`). */
  source_endpoint: z.string().nullish(),
  destination_endpoint: z.string().nullish(),
  sync_level: SyncLevel.nullable(),
  verify_checksum: z.boolean(),
  encrypt_data: z.boolean(),
  preserve_timestamp: z.boolean(),
  delete_destination_extra: z.boolean(),
  /** Transfer tasks only. */
  skip_source_errors: z.boolean().optional(),
  /** Transfer tasks only. */
  fail_on_quota_errors: z.boolean().optional(),
  recursive_symlinks: z.enum(["ignore", "keep", "copy"]).nullable(),
  /** Transfer tasks only. */
  filter_rules: z.array(FilterRuleEcho).nullable().optional(),
  files: Count,
  directories: Count,
  symlinks: Count,
  files_skipped: Count,
  files_transferred: Count,
  bytes_transferred: Count,
  bytes_checksummed: Count,
  effective_bytes_per_second: Count,
  faults: Count,
  subtasks_total: Count,
  subtasks_pending: Count,
  subtasks_retrying: Count,
  subtasks_succeeded: Count,
  subtasks_expired: Count,
  subtasks_canceled: Count,
  subtasks_failed: Count,
  /** Transfer tasks only. */
  subtasks_skipped_errors: Count.optional(),
  canceled_by_admin: z.enum(["SOURCE", "DESTINATION", "BOTH"]).nullable(),
  canceled_by_admin_message: z.string().nullable(),
  /** True once events and file lists were purged (after 30 days). */
  history_deleted: z.boolean(),
  /** Only with `store_base_path_info`. */
  source_base_path: z.string().nullish(),
  destination_base_path: z.string().nullish(),
});
export type TaskDocument = z.infer<typeof TaskDocument>;

/**
 * Response of `GET /v0.10/task_list` (offset paging; stop at `offset >= total`).
 * @see globus-api.md §5.10
 */
export const TaskList = z.looseObject({
  DATA_TYPE: z.literal("task_list"),
  DATA: z.array(TaskDocument),
  length: Count,
  limit: Count,
  offset: Count,
  total: Count,
});
export type TaskList = z.infer<typeof TaskList>;

/**
 * One task event; `code` is one of `eventCodes` (open-ended), `details` free text.
 * @see globus-api.md §5.10
 */
export const TaskEvent = z.looseObject({
  DATA_TYPE: z.literal("event"),
  code: z.string(),
  description: z.string(),
  details: z.string(),
  is_error: z.boolean(),
  time: z.string(),
});
export type TaskEvent = z.infer<typeof TaskEvent>;

/**
 * Response of `GET /v0.10/task/<task_id>/event_list`, newest first.
 * @see globus-api.md §5.10
 */
export const EventList = z.looseObject({
  DATA_TYPE: z.literal("event_list"),
  DATA: z.array(TaskEvent),
  length: Count,
  limit: Count,
  offset: Count,
  total: Count,
});
export type EventList = z.infer<typeof EventList>;

/**
 * One file a task actually copied.
 * @see globus-api.md §5.10
 */
export const SuccessfulTransfer = z.looseObject({
  DATA_TYPE: z.literal("successful_transfer"),
  source_path: z.string(),
  destination_path: z.string(),
});
export type SuccessfulTransfer = z.infer<typeof SuccessfulTransfer>;

/**
 * Response of `GET /v0.10/task/<task_id>/successful_transfers` (marker paging; a null
 * `next_marker` ends it).
 * @see globus-api.md §5.10
 */
export const SuccessfulTransfers = z.looseObject({
  DATA_TYPE: z.literal("successful_transfers"),
  marker: Count,
  next_marker: Count.nullable(),
  DATA: z.array(SuccessfulTransfer),
});
export type SuccessfulTransfers = z.infer<typeof SuccessfulTransfers>;

/**
 * One source path skipped because of `skip_source_errors`.
 * @see globus-api.md §5.10
 */
export const SkippedError = z.looseObject({
  DATA_TYPE: z.literal("skipped_error"),
  /** `FILE_NOT_FOUND`, `PERMISSION_DENIED` or `AMBIGUOUS_PATH`. */
  error_code: z.string(),
  error_details: z.string(),
  error_time: z.string(),
  source_path: z.string(),
  destination_path: z.string(),
  is_directory: z.boolean(),
  is_symlink: z.boolean(),
  is_delete_destination_extra: z.boolean(),
  external_checksum: z.string().nullable(),
  checksum_algorithm: z.string().nullable(),
});
export type SkippedError = z.infer<typeof SkippedError>;

/**
 * Response of `GET /v0.10/task/<task_id>/skipped_errors`. The envelope is assumed by analogy with
 * `successful_transfers`; the only recording has just `DATA`, so the envelope fields are optional.
 * @see globus-api.md §5.10
 */
export const SkippedErrors = z.looseObject({
  DATA_TYPE: z.literal("skipped_errors").optional(),
  marker: Count.optional(),
  next_marker: Count.nullish(),
  DATA: z.array(SkippedError),
});
export type SkippedErrors = z.infer<typeof SkippedErrors>;

/** Fields shared by the `result`-style answers (cancel, rename, mkdir). */
const resultFields = {
  message: z.string(),
  request_id: z.string(),
  resource: z.string(),
};

/**
 * Response of `POST /v0.10/task/<task_id>/cancel`; `Canceled` does not promise the task ended
 * FAILED (re-read it), `TaskComplete` means it had already finished.
 * @see globus-api.md §5.10
 */
export const CancelResult = z.looseObject({
  DATA_TYPE: z.literal("result"),
  code: z.enum(cancelResultCodes),
  ...resultFields,
});
export type CancelResult = z.infer<typeof CancelResult>;

/**
 * A generic `result` document, e.g. of `POST /v0.10/operation/endpoint/<id>/rename`
 * (`code: "FileRenamed"`) or `PUT /task/<id>` (`Updated`).
 * @see globus-api.md §5.11
 */
export const OperationResult = z.looseObject({
  DATA_TYPE: z.literal("result"),
  code: z.string(),
  ...resultFields,
});
export type OperationResult = z.infer<typeof OperationResult>;

/**
 * Response of `POST /v0.10/operation/endpoint/<id>/mkdir` (an existing path is a 502 error).
 * @see globus-api.md §5.11
 */
export const MkdirResult = z.looseObject({
  DATA_TYPE: z.literal("mkdir_result"),
  code: z.literal("DirectoryCreated"),
  ...resultFields,
});
export type MkdirResult = z.infer<typeof MkdirResult>;

/**
 * One entry of a directory listing, also the answer of `GET …/stat`; `link_*` are null unless
 * the entry is a symlink; `last_modified` uses a space separator (`2021-01-15 01:45:50+00:00`).
 * @see globus-api.md §5.11
 */
export const FileDocument = z.looseObject({
  DATA_TYPE: z.literal("file"),
  name: z.string(),
  type: FileType,
  size: Count,
  /** Four octal digits, e.g. `0755`. */
  permissions: z.string().regex(/^[0-7]{4}$/),
  user: z.string().nullable(),
  group: z.string().nullable(),
  last_modified: z.string(),
  link_target: z.string().nullable(),
  link_group: z.string().nullable(),
  link_last_modified: z.string().nullable(),
  link_size: Count.nullable(),
  link_user: z.string().nullable(),
});
export type FileDocument = z.infer<typeof FileDocument>;

/**
 * Response of `GET /v0.10/operation/endpoint/<id>/ls`; `path` is echoed with a trailing `/`.
 * @see globus-api.md §5.11
 */
export const FileList = z.looseObject({
  DATA_TYPE: z.literal("file_list"),
  DATA: z.array(FileDocument),
  path: z.string(),
  absolute_path: z.string().nullable(),
  endpoint: Id,
  /** Undocumented (JS SDK) but present in every recording. */
  length: Count,
  total: Count,
  rename_supported: z.boolean(),
  symlink_supported: z.boolean(),
});
export type FileList = z.infer<typeof FileList>;

/**
 * A data server of an endpoint document (`DATA` items); GCSv5 abbreviated docs carry only
 * `hostname`, so every other field is optional. `id` is an integer.
 * @see globus-api.md §5.4
 */
export const ServerDocument = z.looseObject({
  DATA_TYPE: z.literal("server"),
  hostname: z.string().nullable(),
  id: z.int().optional(),
  /** Deprecated. */
  uri: z.string().nullish(),
  port: z.int().nullish(),
  /** `gsiftp`, `ftp` or null. */
  scheme: z.string().nullish(),
  subject: z.string().nullish(),
  /** Deprecated. */
  is_connected: z.boolean().nullish(),
  /** Deprecated. */
  is_paused: z.boolean().nullish(),
  incoming_data_port_start: z.int().nullish(),
  incoming_data_port_end: z.int().nullish(),
  outgoing_data_port_start: z.int().nullish(),
  outgoing_data_port_end: z.int().nullish(),
});
export type ServerDocument = z.infer<typeof ServerDocument>;

const nullableString = z.string().nullable();
const optionalNullableString = z.string().nullish();
const optionalNullableBoolean = z.boolean().nullish();
const optionalNullableInt = z.int().nullish();

/**
 * The endpoint/collection document of `GET /v0.10/endpoint/<id>` (and `endpoint_search` items).
 * Fields missing from some recorded documents (abbreviated or legacy ones) are optional; an
 * emulator should always send `entity_type`, `high_assurance` and `non_functional`.
 * @see globus-api.md §5.4
 */
export const EndpointDocument = z.looseObject({
  DATA_TYPE: z.literal("endpoint"),
  id: Id,
  /** May be null on old endpoints (fall back to `canonical_name`). */
  display_name: nullableString,
  /** Deprecated `owner#name` form. */
  canonical_name: z.string(),
  /** Absent from one recorded `endpoint_search` item (a GCSv4 tutorial endpoint). */
  entity_type: EntityType.optional(),
  owner_id: Id.optional(),
  owner_string: z.string(),
  username: z.string().optional(),
  /** e.g. `5.4.10`; null for GCSv4 and GCP. */
  gcs_version: optionalNullableString,
  /** GCSv5 only. */
  gcs_manager_url: optionalNullableString,
  high_assurance: z.boolean().optional(),
  /** True for a GCSv5 endpoint (not a data target), false for collections. */
  non_functional: z.boolean().optional(),
  non_functional_endpoint_id: Id.nullish(),
  non_functional_endpoint_display_name: optionalNullableString,
  /** A guest collection's host (its mapped collection). */
  host_endpoint_id: Id.nullable(),
  host_endpoint: optionalNullableString,
  host_endpoint_display_name: optionalNullableString,
  host_path: optionalNullableString,
  mapped_collection_id: Id.nullish(),
  mapped_collection_display_name: optionalNullableString,
  public: z.boolean(),
  shareable: z.boolean(),
  /** Non-null means the collection is managed by a subscription. */
  subscription_id: Id.nullable(),
  /** True only for Globus Connect Personal (deprecated in favour of `entity_type`). */
  is_globus_connect: z.boolean(),
  gcp_connected: optionalNullableBoolean,
  gcp_paused: optionalNullableBoolean,
  globus_connect_setup_key: optionalNullableString,
  description: nullableString,
  organization: nullableString,
  department: nullableString,
  keywords: nullableString,
  contact_email: nullableString,
  contact_info: nullableString,
  info_link: nullableString,
  user_message: optionalNullableString,
  user_message_link: optionalNullableString,
  default_directory: nullableString,
  force_encryption: z.boolean(),
  force_verify: optionalNullableBoolean,
  disable_verify: optionalNullableBoolean,
  /** Deprecated, GCSv4-only in the JS type; recorded GCSv5 docs carry `false` or null. */
  local_user_info_available: optionalNullableBoolean,
  authentication_assurance_timeout: optionalNullableInt,
  authentication_timeout_mins: optionalNullableInt,
  authentication_policy_id: Id.nullish(),
  mfa_required: optionalNullableBoolean,
  my_effective_roles: z.array(z.string()).optional(),
  tlsftp_server: optionalNullableString,
  https_server: optionalNullableString,
  subscription_admin_verified: optionalNullableBoolean,
  auto_delete_timeout: optionalNullableInt,
  skip_auto_delete: optionalNullableBoolean,
  last_accessed_time: optionalNullableString,
  acl_max_expiration_period_mins: optionalNullableInt,
  restrict_transfers_to_high_assurance: z.enum(["inbound", "outbound", "all"]).nullish(),
  preserve_modtime: optionalNullableBoolean,
  requester_pays: optionalNullableBoolean,
  DATA: z.array(ServerDocument).optional(),
  /** Legacy (activation is gone from the ecosystem). */
  activated: z.boolean().optional(),
  expires_in: z.int().optional(),
  expire_time: optionalNullableString,
  myproxy_server: optionalNullableString,
  myproxy_dn: optionalNullableString,
  oauth_server: optionalNullableString,
  s3_url: optionalNullableString,
  acl_available: z.boolean().optional(),
  acl_editable: z.boolean().optional(),
  in_use: z.boolean().optional(),
  location: optionalNullableString,
  max_concurrency: optionalNullableInt,
  preferred_concurrency: optionalNullableInt,
  max_parallelism: optionalNullableInt,
  preferred_parallelism: optionalNullableInt,
  network_use: optionalNullableString,
  storage_type: optionalNullableString,
});
export type EndpointDocument = z.infer<typeof EndpointDocument>;

/**
 * Response of `GET /v0.10/endpoint_search`: offset paging with `has_next_page` (no `total`);
 * each item carries a relevance `_rank`.
 * @see globus-api.md §5.3
 */
export const EndpointList = z.looseObject({
  DATA_TYPE: z.literal("endpoint_list"),
  limit: Count,
  offset: Count,
  has_next_page: z.boolean(),
  DATA: z.array(EndpointDocument.extend({ _rank: z.number().optional() })),
});
export type EndpointList = z.infer<typeof EndpointList>;

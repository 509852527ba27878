/**
 * From a planned batch to the exact Transfer document the runner submits (and `plan
 * --show-documents` prints, as `globus transfer --dry-run` does): wire spelling, sync level as an
 * integer, options left out when unset, relative deadlines resolved against the `now` given.
 * Also the batch fingerprint, a SHA-256 of that document with the submission id left out.
 *
 * @see globus-api.md §5.6 (transfer), §5.7 (delete), §5.11 (mkdir)
 */
import {
  type DeleteItem,
  type DeleteRequest,
  type FilterRule,
  type MkdirRequest,
  syncLevelNumber,
  type TransferItem,
  type TransferRequest,
} from "../globus/Transfer.ts";
import type { DeleteOptions, TransferOptions } from "../workflow/WorkflowSchema.ts";
import {
  BATCH_FINGERPRINT_FORMAT,
  batchItems,
  type ItemsJson,
  type PlanBatch,
  type PlanDeleteStep,
  type PlanMkdirStep,
  type PlanStep,
  type PlanTransferItem,
  type PlanTransferStep,
} from "./Plan.ts";
import { makeSha256, type Sha256 } from "./Sha256.ts";

/** What the document builders need beyond the plan. */
export interface DocumentContext {
  /** When the batch is submitted: a relative deadline (`12h`) counts from here. */
  readonly now: Date;
  /**
   * The batch's submission id (`GET /submission_id`). Leave it out to show a document without
   * submitting it; the runner must give one.
   */
  readonly submissionId?: string;
}

/** A transfer document, with or without its submission id. */
export type TransferDocument = Omit<TransferRequest, "submission_id"> & {
  readonly submission_id?: string;
};

/** A delete document, with or without its submission id. */
export type DeleteDocument = Omit<DeleteRequest, "submission_id"> & {
  readonly submission_id?: string;
};

/** One batch as what is sent: a task document, or (mkdir) a synchronous call on a collection. */
export type BatchDocument =
  | { readonly action: "transfer"; readonly document: TransferDocument }
  | { readonly action: "delete"; readonly document: DeleteDocument }
  | {
      readonly action: "mkdir";
      /** The collection in the request path: `POST /operation/endpoint/<id>/mkdir`. */
      readonly collectionId: string;
      readonly document: MkdirRequest;
    };

// ---------------------------------------------------------------------------------------------
// Deadlines

const RELATIVE_DEADLINE = /^(\d+)([mhd])$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Whether a deadline is a duration counted from submission (`90m`, `12h`, `2d`). */
export const isRelativeDeadline = (deadline: string): boolean => RELATIVE_DEADLINE.test(deadline);

/**
 * The wire deadline: a duration (`90m`, `12h`, `2d`) becomes `now` plus it, written
 * `YYYY-MM-DDTHH:MM:SS+00:00` (whole seconds, UTC, as Globus echoes deadlines); an ISO 8601 date
 * or date-time is sent as written.
 */
export const resolveDeadline = (deadline: string, now: Date): string => {
  const relative = RELATIVE_DEADLINE.exec(deadline);
  if (relative === null) return deadline;
  const amount = Number(relative[1]);
  const unit = UNIT_MS[(relative[2] ?? "h") as keyof typeof UNIT_MS];
  const at = new Date(now.getTime() + amount * unit);
  return `${at.toISOString().slice(0, 19)}+00:00`;
};

// ---------------------------------------------------------------------------------------------
// Shared option fields

type NotifyFields = Pick<
  TransferRequest,
  "notify_on_succeeded" | "notify_on_failed" | "notify_on_inactive"
>;

/** `notify`: a boolean sets all three flags, a mapping the ones it names. */
const notifyFields = (notify: TransferOptions["notify"]): NotifyFields => {
  if (notify === undefined) return {};
  if (typeof notify === "boolean") {
    return { notify_on_succeeded: notify, notify_on_failed: notify, notify_on_inactive: notify };
  }
  return {
    ...(notify.succeeded === undefined ? {} : { notify_on_succeeded: notify.succeeded }),
    ...(notify.failed === undefined ? {} : { notify_on_failed: notify.failed }),
    ...(notify.inactive === undefined ? {} : { notify_on_inactive: notify.inactive }),
  };
};

/** The deadline to send: resolved when `now` is given, else as planned (for fingerprints). */
const deadlineField = (
  deadline: string | undefined,
  now: Date | undefined,
): { deadline?: string } =>
  deadline === undefined
    ? {}
    : { deadline: now === undefined ? deadline : resolveDeadline(deadline, now) };

const filterRule = (rule: NonNullable<TransferOptions["filterRules"]>[number]): FilterRule => ({
  DATA_TYPE: "filter_rule",
  method: rule.include === undefined ? "exclude" : "include",
  name: rule.include ?? rule.exclude ?? "",
  ...(rule.type === undefined ? {} : { type: rule.type }),
});

/** A flag set when the option is set. */
const flag = <K extends string>(key: K, value: boolean | undefined): { [P in K]?: boolean } =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: boolean };

/** A string set when the option is set. */
const text = <K extends string>(key: K, value: string | undefined): { [P in K]?: string } =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };

// ---------------------------------------------------------------------------------------------
// Transfer

/** What a transfer document needs from its step. */
export type TransferStepHead = Pick<
  PlanTransferStep,
  "sourceCollectionId" | "destinationCollectionId" | "options"
>;

/** The transfer document without `DATA`, fields in a fixed order. */
const transferHead = (
  step: TransferStepHead,
  now: Date | undefined,
  submissionId: string | undefined,
): Omit<TransferDocument, "DATA"> => {
  const o = step.options;
  return {
    DATA_TYPE: "transfer",
    ...text("submission_id", submissionId),
    source_endpoint: step.sourceCollectionId,
    destination_endpoint: step.destinationCollectionId,
    ...text("label", o.label),
    ...deadlineField(o.deadline, now),
    ...(o.syncLevel === undefined ? {} : { sync_level: syncLevelNumber(o.syncLevel) }),
    ...flag("verify_checksum", o.verifyChecksum),
    ...flag("preserve_timestamp", o.preserveTimestamp),
    ...flag("encrypt_data", o.encryptData),
    ...flag("skip_source_errors", o.skipSourceErrors),
    ...flag("fail_on_quota_errors", o.failOnQuotaErrors),
    ...flag("delete_destination_extra", o.deleteDestinationExtra),
    ...notifyFields(o.notify),
    ...text("source_local_user", o.sourceLocalUser),
    ...text("destination_local_user", o.destinationLocalUser),
    ...(o.filterRules === undefined || o.filterRules.length === 0
      ? {}
      : { filter_rules: o.filterRules.map(filterRule) }),
  };
};

/** One item as the wire carries it (the tuple already holds the effective checksum algorithm). */
export const transferItemDocument = (item: PlanTransferItem): TransferItem => ({
  DATA_TYPE: "transfer_item",
  source_path: item[0],
  destination_path: item[1],
  ...flag("recursive", item[2] ?? undefined),
  ...text("external_checksum", item[3] ?? undefined),
  ...text("checksum_algorithm", item[4]),
});

/**
 * The `POST /v0.10/transfer` body for one batch of a transfer step: what the runner submits, with
 * the submission id it fetched and the time it submits at.
 */
export const transferDocument = (
  step: TransferStepHead,
  batch: Pick<PlanBatch<PlanTransferItem>, "itemsJson">,
  context: DocumentContext,
): TransferDocument => ({
  ...transferHead(step, context.now, context.submissionId),
  DATA: batchItems(batch).map(transferItemDocument),
});

// ---------------------------------------------------------------------------------------------
// Delete

/** What a delete document needs from its step. */
export type DeleteStepHead = Pick<PlanDeleteStep, "collectionId" | "options">;

const deleteHead = (
  step: DeleteStepHead,
  now: Date | undefined,
  submissionId: string | undefined,
): Omit<DeleteDocument, "DATA"> => {
  const o: DeleteOptions = step.options;
  return {
    DATA_TYPE: "delete",
    ...text("submission_id", submissionId),
    endpoint: step.collectionId,
    ...text("label", o.label),
    ...deadlineField(o.deadline, now),
    ...flag("recursive", o.recursive),
    ...flag("ignore_missing", o.ignoreMissing),
    ...flag("interpret_globs", o.interpretGlobs),
    ...notifyFields(o.notify),
    ...text("local_user", o.localUser),
  };
};

/** The `POST /v0.10/delete` body for one batch of a delete step. */
export const deleteDocument = (
  step: DeleteStepHead,
  batch: Pick<PlanBatch<string>, "itemsJson">,
  context: DocumentContext,
): DeleteDocument => ({
  ...deleteHead(step, context.now, context.submissionId),
  DATA: batchItems(batch).map((path): DeleteItem => ({ DATA_TYPE: "delete_item", path })),
});

// ---------------------------------------------------------------------------------------------
// Mkdir

/** The `POST /v0.10/operation/endpoint/<collectionId>/mkdir` body for one path. */
export const mkdirDocument = (path: string): MkdirRequest => ({ DATA_TYPE: "mkdir", path });

/**
 * The document for batch `index` of `step`: what the runner sends for it (with the submission id
 * it fetched and the time it submits at) and what `plan --show-documents` prints.
 */
export const batchDocument = (
  step: PlanStep,
  index: number,
  context: DocumentContext,
): BatchDocument | undefined => {
  switch (step.action) {
    case "transfer": {
      const batch = step.batches[index];
      return batch && { action: "transfer", document: transferDocument(step, batch, context) };
    }
    case "delete": {
      const batch = step.batches[index];
      return batch && { action: "delete", document: deleteDocument(step, batch, context) };
    }
    case "mkdir": {
      const batch = step.batches[index];
      const path = batch === undefined ? undefined : batchItems(batch)[0];
      return path === undefined
        ? undefined
        : { action: "mkdir", collectionId: step.collectionId, document: mkdirDocument(path) };
    }
  }
};

// ---------------------------------------------------------------------------------------------
// Submission bodies as JSON text

declare const encodes: unique symbol;

/** A request body as JSON text: exactly `JSON.stringify` of a `D`. */
export type DocumentJson<D> = string & { readonly [encodes]: D };

/** `document` as the JSON text a request sends. */
export const documentJson = <D>(document: D): DocumentJson<D> =>
  JSON.stringify(document) as DocumentJson<D>;

/** What submitting one transfer or delete batch sends. */
export type BatchSubmission =
  | { readonly action: "transfer"; readonly json: DocumentJson<TransferRequest> }
  | { readonly action: "delete"; readonly json: DocumentJson<DeleteRequest> };

/**
 * `documentJson` of a head object with `DATA` appended, each entry written by `entry` from one
 * line of `itemsJson` (plan items are `JSON.stringify(item)` joined by `",\n"`; a JSON string
 * never holds a raw newline, so the split is exact).
 */
const withData = (head: object, itemsJson: string, entry: (line: string) => string): string => {
  const open = JSON.stringify(head);
  const lines = itemsJson === "" ? [] : itemsJson.split(",\n");
  return `${open.slice(0, -1)},"DATA":[${lines.map(entry).join(",")}]}`;
};

const TRANSFER_ITEM_HEAD = '{"DATA_TYPE":"transfer_item","source_path":';

/**
 * One transfer item's wire JSON from its plan line. A line with no backslash has only structural
 * quotes, so `["source","destination"]` (the common two-path item) is rewritten by slicing: its
 * string literals are already `JSON.stringify` output. Anything else is decoded and encoded.
 */
const transferItemJson = (line: string): string => {
  const middle = line.indexOf('","');
  if (
    line.indexOf("\\") === -1 &&
    line.startsWith('["') &&
    line.endsWith('"]') &&
    line.indexOf('"', 2) === middle &&
    line.indexOf('"', middle + 3) === line.length - 2
  ) {
    return `${TRANSFER_ITEM_HEAD}${line.slice(1, middle + 1)},"destination_path":${line.slice(middle + 2, -1)}}`;
  }
  return JSON.stringify(transferItemDocument(JSON.parse(line) as PlanTransferItem));
};

/** One delete item's wire JSON from its plan line (a path's string literal). */
const deleteItemJson = (line: string): string =>
  `{"DATA_TYPE":"delete_item","path":${line.indexOf("\\") === -1 ? line : JSON.stringify(JSON.parse(line))}}`;

/**
 * The body that submits batch `index` of a transfer or delete step, as JSON text: the same text as
 * `documentJson(batchDocument(...).document)`, written from the plan's item lines without building
 * an object per item, so a 10,000-item batch costs a string copy rather than 10,000 objects made
 * and serialised. Undefined for a mkdir step or a batch that does not exist.
 */
export const batchSubmission = (
  step: PlanStep,
  index: number,
  context: DocumentContext & { readonly submissionId: string },
): BatchSubmission | undefined => {
  switch (step.action) {
    case "transfer": {
      const batch = step.batches[index];
      if (batch === undefined) return undefined;
      const head = transferHead(step, context.now, context.submissionId);
      return {
        action: "transfer",
        json: withData(head, batch.itemsJson, transferItemJson) as DocumentJson<TransferRequest>,
      };
    }
    case "delete": {
      const batch = step.batches[index];
      if (batch === undefined) return undefined;
      const head = deleteHead(step, context.now, context.submissionId);
      return {
        action: "delete",
        json: withData(head, batch.itemsJson, deleteItemJson) as DocumentJson<DeleteRequest>,
      };
    }
    case "mkdir":
      return undefined;
  }
};

// ---------------------------------------------------------------------------------------------
// Fingerprints

/**
 * A batch's fingerprint: `sha256:` and the hex SHA-256 of the UTF-8 bytes of
 *
 *   JSON.stringify([BATCH_FINGERPRINT_FORMAT, head]) + "\n" + itemsJson
 *
 * where `head` is the batch's document without `submission_id` and `DATA`, with a relative
 * deadline as planned (`"12h"`: resolving it at submission must not change the fingerprint), and
 * `itemsJson` is the batch's items as plan.json writes them (each `JSON.stringify(item)`, joined by
 * `",\n"`), which are the `DATA` entries in tuple form. For mkdir, `head` is
 * `{"DATA_TYPE":"mkdir","endpoint":<collection id>}` (the id travels in the request URL).
 */
const fingerprintOf = (head: object, itemsJson: string, sha256: () => Sha256): string =>
  `sha256:${sha256()
    .updateText(JSON.stringify([BATCH_FINGERPRINT_FORMAT, head]))
    .updateText("\n")
    .updateText(itemsJson)
    .digestHex()}`;

/** The fingerprint of a transfer batch of these items. */
export const transferBatchFingerprint = (
  step: TransferStepHead,
  itemsJson: ItemsJson<PlanTransferItem>,
  sha256: () => Sha256 = makeSha256,
): string => fingerprintOf(transferHead(step, undefined, undefined), itemsJson, sha256);

/** The fingerprint of a delete batch of these paths. */
export const deleteBatchFingerprint = (
  step: DeleteStepHead,
  itemsJson: ItemsJson<string>,
  sha256: () => Sha256 = makeSha256,
): string => fingerprintOf(deleteHead(step, undefined, undefined), itemsJson, sha256);

/** The fingerprint of one mkdir operation (`itemsJson` is its one path). */
export const mkdirFingerprint = (
  step: Pick<PlanMkdirStep, "collectionId">,
  itemsJson: ItemsJson<string>,
  sha256: () => Sha256 = makeSha256,
): string => fingerprintOf({ DATA_TYPE: "mkdir", endpoint: step.collectionId }, itemsJson, sha256);

/** What a fingerprint needs from a step, whichever its action. */
export type StepHead =
  | (TransferStepHead & Pick<PlanTransferStep, "action">)
  | (DeleteStepHead & Pick<PlanDeleteStep, "action">)
  | Pick<PlanMkdirStep, "action" | "collectionId">;

/** The fingerprint batch `batch` of `step` should have, from its content. */
export const expectedFingerprint = (
  step: StepHead,
  batch: Pick<PlanBatch<unknown>, "itemsJson">,
  sha256: () => Sha256 = makeSha256,
): string => {
  switch (step.action) {
    case "transfer":
      return transferBatchFingerprint(step, batch.itemsJson as ItemsJson<PlanTransferItem>, sha256);
    case "delete":
      return deleteBatchFingerprint(step, batch.itemsJson as ItemsJson<string>, sha256);
    case "mkdir":
      return mkdirFingerprint(step, batch.itemsJson as ItemsJson<string>, sha256);
  }
};

/**
 * Task, event and paging documents as Transfer v0.10 sends them (field for field as the recorded
 * task documents in shared/fixtures/globus/transfer/ have them).
 */
import { isoTime, type Task } from "./TaskManager.ts";

const legacyName = (c: { id: string; displayName: string }): string => `u_sandbox#${c.id}`;

/** `GET /task/<id>`: the task document. Delete tasks lack the transfer-only fields, as recorded. */
export const taskDocument = (task: Task, now: number): Record<string, unknown> => {
  const { spec, counters } = task;
  const active = task.status === "ACTIVE" || task.status === "INACTIVE";
  const elapsedSeconds =
    task.startedAt === undefined
      ? 0
      : Math.max(1, ((task.completionTime ?? now) - task.startedAt) / 1000);
  const transfer = spec.transfer;
  const doc: Record<string, unknown> = {
    DATA_TYPE: "task",
    bytes_checksummed: counters.bytes_checksummed,
    bytes_transferred: counters.bytes_transferred,
    canceled_by_admin: null,
    canceled_by_admin_message: null,
    command: "API 0.10",
    completion_time: task.completionTime === undefined ? null : isoTime(task.completionTime),
    deadline: isoTime(spec.deadline),
    delete_destination_extra: transfer?.deleteDestinationExtra ?? false,
    destination_endpoint: spec.destination ? legacyName(spec.destination) : null,
    destination_endpoint_display_name: spec.destination?.displayName ?? null,
    destination_endpoint_id: spec.destination?.id ?? null,
    directories: counters.directories,
    effective_bytes_per_second:
      elapsedSeconds === 0 ? 0 : Math.floor(counters.bytes_transferred / elapsedSeconds),
    encrypt_data: transfer?.encryptData ?? false,
    fatal_error: task.fatalError,
    faults: counters.faults,
    files: counters.files,
    files_skipped: counters.files_skipped,
    files_transferred: counters.files_transferred,
    history_deleted: false,
    is_ok: active ? task.niceStatus === "OK" || task.niceStatus === "Queued" : null,
    is_paused: false,
    label: spec.label,
    nice_status: task.niceStatus,
    nice_status_details: null,
    nice_status_expires_in: active ? -1 : null,
    nice_status_short_description: task.niceStatus,
    owner_id: spec.ownerId,
    preserve_timestamp: transfer?.preserveTimestamp ?? false,
    recursive_symlinks: transfer ? "ignore" : null,
    request_time: isoTime(task.requestTime),
    source_endpoint: legacyName(spec.source),
    source_endpoint_display_name: spec.source.displayName,
    source_endpoint_id: spec.source.id,
    status: task.status,
    subtasks_canceled: counters.subtasks_canceled,
    subtasks_expired: counters.subtasks_expired,
    subtasks_failed: counters.subtasks_failed,
    subtasks_pending: counters.subtasks_pending,
    subtasks_retrying: counters.subtasks_retrying,
    subtasks_succeeded: counters.subtasks_succeeded,
    subtasks_total: counters.subtasks_total,
    symlinks: counters.symlinks,
    sync_level: transfer?.syncLevel ?? null,
    task_id: task.taskId,
    type: spec.type,
    username: spec.username,
    verify_checksum: transfer?.verifyChecksum ?? false,
  };
  if (transfer) {
    doc.fail_on_quota_errors = transfer.failOnQuotaErrors;
    doc.filter_rules =
      transfer.filterRules === null
        ? null
        : transfer.filterRules.map((r) => ({ DATA_TYPE: "filter_rule", ...r }));
    doc.skip_source_errors = transfer.skipSourceErrors;
    doc.subtasks_skipped_errors = counters.subtasks_skipped_errors;
  }
  return doc;
};

/** Events newest first, as `event_list` returns them. */
export const eventDocuments = (task: Task): Record<string, unknown>[] =>
  [...task.events].reverse().map((e) => ({
    DATA_TYPE: "event",
    code: e.code,
    description: e.description,
    details: e.details,
    is_error: e.isError,
    time: isoTime(e.time),
  }));

/** Offset paging: `{ DATA, length, limit, offset, total }`. */
export const offsetPage = <T>(
  items: readonly T[],
  offset: number,
  limit: number,
): { DATA: T[]; length: number; limit: number; offset: number; total: number } => {
  const page = items.slice(offset, offset + limit);
  return { DATA: page, length: page.length, limit, offset, total: items.length };
};

/** Marker paging (successful_transfers, skipped_errors): `next_marker` null on the last page. */
export const markerPage = <T>(
  items: readonly T[],
  marker: number,
  pageSize: number,
): { marker: number; next_marker: number | null; DATA: T[] } => {
  const page = items.slice(marker, marker + pageSize);
  const next = marker + page.length;
  return { marker, next_marker: next < items.length ? next : null, DATA: page };
};

/**
 * `TransferApi.layerMemory`, the in-memory Transfer for tests of the Executor and Monitor:
 * submission ids, Accepted/Duplicate, statuses set by the test, cancel, events, mkdir, faults.
 */

import { describe, expect, it } from "@effect/vitest";
import { documentJson } from "@transflow/core";
import {
  type DeleteRequest,
  EventList,
  SuccessfulTransfers,
  TaskDocument,
  TaskList,
  type TransferRequest,
} from "@transflow/core/globus";
import { Effect } from "effect";
import { GlobusUnavailableError } from "../../src/globus/GlobusErrors.ts";
import { TransferApi, TransferMemory } from "../../src/globus/TransferApi.ts";

const SOURCE = "c0ffee00-0000-4000-8000-000000000003";
const DESTINATION = "c0ffee00-0000-4000-8000-000000000004";

const transferDocument = (submissionId: string): TransferRequest => ({
  DATA_TYPE: "transfer",
  submission_id: submissionId,
  source_endpoint: SOURCE,
  destination_endpoint: DESTINATION,
  label: "memory",
  DATA: [
    { DATA_TYPE: "transfer_item", source_path: "/shared/a.txt", destination_path: "/out/a.txt" },
    { DATA_TYPE: "transfer_item", source_path: "/shared/b.txt", destination_path: "/out/b.txt" },
  ],
});

const deleteDocument = (submissionId: string): DeleteRequest => ({
  DATA_TYPE: "delete",
  submission_id: submissionId,
  endpoint: DESTINATION,
  DATA: [{ DATA_TYPE: "delete_item", path: "/out/" }],
  recursive: true,
});

const lostConnection = new GlobusUnavailableError({
  service: "transfer",
  method: "POST",
  url: "memory:/v0.10/transfer",
  reason: "transport",
  cause: undefined,
});

describe("TransferApi.layerMemory", () => {
  it.effect("accepts a submission once and answers Duplicate with the same task after", () =>
    Effect.gen(function* () {
      const transfer = yield* TransferApi;
      const memory = yield* TransferMemory;
      const id = yield* transfer.submissionId();
      const first = yield* transfer.submitTransfer(documentJson(transferDocument(id)));
      const again = yield* transfer.submitTransfer(documentJson(transferDocument(id)));
      expect([first.code, again.code]).toEqual(["Accepted", "Duplicate"]);
      expect(again.taskId).toBe(first.taskId);
      expect(first.taskId).not.toBe(id);
      const tasks = yield* memory.tasks;
      expect(tasks.map((t) => [t.submissionId, t.document.task_id])).toEqual([[id, first.taskId]]);
      const task = yield* transfer.getTask(first.taskId);
      expect([task.type, task.status, task.nice_status, task.subtasks_total]).toEqual([
        "TRANSFER",
        "ACTIVE",
        "Queued",
        2,
      ]);
    }).pipe(Effect.provide(TransferApi.layerMemory())),
  );

  it.effect("refuses a submission id it never issued", () =>
    Effect.gen(function* () {
      const transfer = yield* TransferApi;
      const error = yield* Effect.flip(
        transfer.submitDelete(documentJson(deleteDocument("00000000-0000-4000-8000-000000000bad"))),
      );
      expect(error._tag === "GlobusApiError" && [error.status, error.code]).toEqual([
        400,
        "ClientError.BadRequest",
      ]);
    }).pipe(Effect.provide(TransferApi.layerMemory())),
  );

  it.effect("a submit accepted but answered with a lost connection is a Duplicate next time", () =>
    Effect.gen(function* () {
      const transfer = yield* TransferApi;
      const memory = yield* TransferMemory;
      const id = yield* transfer.submissionId();
      yield* memory.failNext("submitTransfer", lostConnection, { applied: true });
      const lost = yield* Effect.flip(transfer.submitTransfer(documentJson(transferDocument(id))));
      expect(lost._tag).toBe("GlobusUnavailableError");
      const retried = yield* transfer.submitTransfer(documentJson(transferDocument(id)));
      expect(retried.code).toBe("Duplicate");
      expect(yield* memory.tasks).toHaveLength(1);
      expect((yield* memory.calls).map((c) => c.operation)).toEqual([
        "submissionId",
        "submitTransfer",
        "submitTransfer",
      ]);
    }).pipe(Effect.provide(TransferApi.layerMemory())),
  );

  it.effect("moves tasks as the test says, with events and successful transfers", () =>
    Effect.gen(function* () {
      const transfer = yield* TransferApi;
      const memory = yield* TransferMemory;
      const { taskId } = yield* transfer.submitTransfer(
        documentJson(transferDocument(yield* transfer.submissionId())),
      );
      yield* memory.setStatus(taskId, "SUCCEEDED", { files: 2, files_transferred: 2 });
      const task = yield* transfer.getTask(taskId);
      expect([task.status, task.files_transferred, task.nice_status]).toEqual([
        "SUCCEEDED",
        2,
        null,
      ]);
      expect(task.completion_time).not.toBeNull();
      const events = yield* transfer.taskEvents(taskId);
      expect(events.DATA.map((e) => e.code)).toEqual(["SUCCEEDED"]);
      const files = yield* transfer.successfulTransfers(taskId);
      expect(files.DATA.map((f) => f.destination_path)).toEqual(["/out/a.txt", "/out/b.txt"]);
      expect(files.next_marker).toBeNull();
      expect(yield* transfer.cancelTask(taskId)).toBe("TaskComplete");
    }).pipe(Effect.provide(TransferApi.layerMemory())),
  );

  it.effect("cancels an active task: FAILED with CANCELED", () =>
    Effect.gen(function* () {
      const transfer = yield* TransferApi;
      const { taskId } = yield* transfer.submitDelete(
        documentJson(deleteDocument(yield* transfer.submissionId())),
      );
      expect(yield* transfer.cancelTask(taskId)).toBe("Canceled");
      const task = yield* transfer.getTask(taskId);
      expect([task.type, task.status, task.fatal_error?.code]).toEqual([
        "DELETE",
        "FAILED",
        "CANCELED",
      ]);
      const errors = yield* transfer.taskEvents(taskId, { errorsOnly: true });
      expect(errors.DATA.map((e) => [e.code, e.details])).toEqual([
        ["CANCELED", "Canceled by the task owner"],
      ]);
    }).pipe(Effect.provide(TransferApi.layerMemory())),
  );

  it.effect("lists tasks newest first, filtered by status and type", () =>
    Effect.gen(function* () {
      const transfer = yield* TransferApi;
      const memory = yield* TransferMemory;
      const a = yield* transfer.submitTransfer(
        documentJson(transferDocument(yield* transfer.submissionId())),
      );
      const b = yield* transfer.submitDelete(
        documentJson(deleteDocument(yield* transfer.submissionId())),
      );
      yield* memory.setStatus(a.taskId, "FAILED", {
        fatal_error: { code: "FILE_NOT_FOUND", description: "file not found" },
      });
      const all = yield* transfer.listTasks();
      expect(all.DATA.map((t) => t.task_id)).toEqual([b.taskId, a.taskId]);
      const failed = yield* transfer.listTasks({ filter: { statuses: ["FAILED"] } });
      expect(failed.DATA.map((t) => [t.task_id, t.fatal_error?.code])).toEqual([
        [a.taskId, "FILE_NOT_FOUND"],
      ]);
      const deletes = yield* transfer.listTasks({ filter: { types: ["DELETE"] } });
      expect(deletes.total).toBe(1);
    }).pipe(Effect.provide(TransferApi.layerMemory())),
  );

  it.effect("mkdir creates once, then finds it exists", () =>
    Effect.gen(function* () {
      const transfer = yield* TransferApi;
      expect(yield* transfer.mkdir(DESTINATION, "/out/new/")).toBe("created");
      expect(yield* transfer.mkdir(DESTINATION, "/out/new")).toBe("exists");
    }).pipe(Effect.provide(TransferApi.layerMemory())),
  );

  it.effect("an injected failure happens once, before the call does anything", () =>
    Effect.gen(function* () {
      const transfer = yield* TransferApi;
      const memory = yield* TransferMemory;
      yield* memory.failNext("submissionId", lostConnection);
      expect((yield* Effect.flip(transfer.submissionId()))._tag).toBe("GlobusUnavailableError");
      expect(yield* transfer.submissionId()).toBe("5ab00000-0000-4000-8000-000000000001");
    }).pipe(Effect.provide(TransferApi.layerMemory())),
  );

  it.effect("unknown tasks are 404 TaskNotFound", () =>
    Effect.gen(function* () {
      const transfer = yield* TransferApi;
      const error = yield* Effect.flip(transfer.getTask("7a500000-0000-4000-8000-00000000ffff"));
      expect(error._tag === "GlobusApiError" && [error.status, error.code]).toEqual([
        404,
        "TaskNotFound",
      ]);
    }).pipe(Effect.provide(TransferApi.layerMemory())),
  );

  it.effect("answers documents the wire schemas accept", () =>
    Effect.gen(function* () {
      const transfer = yield* TransferApi;
      const memory = yield* TransferMemory;
      const a = yield* transfer.submitTransfer(
        documentJson(transferDocument(yield* transfer.submissionId())),
      );
      const b = yield* transfer.submitDelete(
        documentJson(deleteDocument(yield* transfer.submissionId())),
      );
      const c = yield* transfer.submitTransfer(
        documentJson(transferDocument(yield* transfer.submissionId())),
      );
      yield* memory.setStatus(a.taskId, "SUCCEEDED");
      yield* transfer.cancelTask(b.taskId);
      yield* memory.setStatus(c.taskId, "INACTIVE");
      for (const { taskId } of [a, b, c]) {
        expect(TaskDocument.safeParse(yield* transfer.getTask(taskId)).error).toBeUndefined();
        const events = yield* transfer.taskEvents(taskId);
        expect(EventList.safeParse(events).error).toBeUndefined();
        const files = yield* transfer.successfulTransfers(taskId);
        expect(SuccessfulTransfers.safeParse(files).error).toBeUndefined();
      }
      expect(TaskList.safeParse(yield* transfer.listTasks()).error).toBeUndefined();
    }).pipe(Effect.provide(TransferApi.layerMemory())),
  );
});

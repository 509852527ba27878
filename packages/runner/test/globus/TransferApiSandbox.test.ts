/**
 * TransferApi against the real sandbox, started in-process on a free port, as a confidential
 * client: a submission id, a small transfer between the guest and personal collections (neither
 * needs a data_access consent), its task followed to SUCCEEDED, the same document resubmitted
 * (Duplicate, same task), mkdir twice, cancel of a finished task, events, successful transfers
 * and a delete; a missing source fails its task.
 */

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest";
import { documentJson } from "@transflow/core";
import type { DeleteRequest, TaskDocument, TransferRequest } from "@transflow/core/globus";
import { defaultIds, type RunningSandbox, startSandbox } from "@transflow/sandbox";
import { Effect, Layer, Schedule } from "effect";
import { globusLayerFromEnv } from "../../src/globus/GlobusLayers.ts";
import { TransferApi, type TransferApiShape } from "../../src/globus/TransferApi.ts";

let sandbox: RunningSandbox;
let dataDir: string;
let home: string;
const violations: string[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "transflow-transferapi-sandbox-"));
  home = mkdtempSync(join(tmpdir(), "transflow-transferapi-home-"));
  sandbox = await startSandbox(undefined, {
    port: 0,
    dataDir,
    checkResponses: true,
    onWireViolation: (message) => violations.push(message),
  });
});

afterAll(async () => {
  await sandbox?.close();
  for (const dir of [dataDir, home]) if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The services as the cli builds them, acting as the sandbox's confidential client. */
const services = () =>
  globusLayerFromEnv({
    GLOBUS_SDK_SERVICE_URL_AUTH: sandbox.env.GLOBUS_SDK_SERVICE_URL_AUTH,
    GLOBUS_SDK_SERVICE_URL_TRANSFER: sandbox.env.GLOBUS_SDK_SERVICE_URL_TRANSFER,
    TRANSFLOW_CLIENT_ID: sandbox.env.TRANSFLOW_CLIENT_ID,
    TRANSFLOW_CLIENT_SECRET: sandbox.env.TRANSFLOW_CLIENT_SECRET,
    TRANSFLOW_HOME: home,
  }).pipe(Layer.orDie);

/** Reads the task every 100 ms (real time: an integration test) until it leaves ACTIVE. */
const finished = (transfer: TransferApiShape, taskId: string) =>
  transfer.getTask(taskId).pipe(
    Effect.repeat(
      Schedule.spaced("100 millis").pipe(
        Schedule.intersect(Schedule.recurs(100)),
        Schedule.whileInput((task: TaskDocument) => task.status === "ACTIVE"),
        // The last task read, not the schedule's count.
        Schedule.passthrough,
      ),
    ),
  );

describe("TransferApi against the sandbox", () => {
  it.live("transfers a file once, however often the submission is resent", () =>
    Effect.gen(function* () {
      const transfer = yield* TransferApi;
      const submissionId = yield* transfer.submissionId();
      const document: TransferRequest = {
        DATA_TYPE: "transfer",
        submission_id: submissionId,
        source_endpoint: defaultIds.guestCollection,
        destination_endpoint: defaultIds.personalCollection,
        label: "TransferApi sandbox test",
        verify_checksum: true,
        DATA: [
          {
            DATA_TYPE: "transfer_item",
            source_path: "/shared/welcome.txt",
            destination_path: "/home/researcher/from-guest/welcome.txt",
          },
        ],
      };
      const accepted = yield* transfer.submitTransfer(documentJson(document));
      expect([accepted.code, accepted.submissionId]).toEqual(["Accepted", submissionId]);
      expect(accepted.taskId).not.toBe(submissionId);

      const task = yield* finished(transfer, accepted.taskId);
      expect([task.status, task.type, task.files_transferred, task.fatal_error]).toEqual([
        "SUCCEEDED",
        "TRANSFER",
        1,
        null,
      ]);
      expect(
        readFileSync(join(dataDir, "personal/home/researcher/from-guest/welcome.txt"), "utf8"),
      ).toBe("shared with you\n");

      const duplicate = yield* transfer.submitTransfer(documentJson(document));
      expect([duplicate.code, duplicate.taskId]).toEqual(["Duplicate", accepted.taskId]);
      const mine = yield* transfer.listTasks({ filter: { taskIds: [accepted.taskId] } });
      expect(mine.total).toBe(1);

      expect(yield* transfer.cancelTask(accepted.taskId)).toBe("TaskComplete");
      const events = yield* transfer.taskEvents(accepted.taskId, { limit: 100 });
      expect(events.DATA.length).toBeGreaterThan(0);
      expect(events.DATA.map((e) => e.code)).toContain("SUCCEEDED");
      const files = yield* transfer.successfulTransfers(accepted.taskId);
      expect(files.DATA.map((f) => f.destination_path)).toEqual([
        "/home/researcher/from-guest/welcome.txt",
      ]);
      expect(files.next_marker).toBeNull();
      expect(violations).toEqual([]);
    }).pipe(Effect.provide(services())),
  );

  it.live("mkdir creates a directory, then finds it exists", () =>
    Effect.gen(function* () {
      const transfer = yield* TransferApi;
      const path = "/home/researcher/made-by-mkdir";
      expect(yield* transfer.mkdir(defaultIds.personalCollection, path)).toBe("created");
      expect(yield* transfer.mkdir(defaultIds.personalCollection, path)).toBe("exists");
      expect(violations).toEqual([]);
    }).pipe(Effect.provide(services())),
  );

  it.live("deletes a directory; resending the delete is a Duplicate", () =>
    Effect.gen(function* () {
      const transfer = yield* TransferApi;
      yield* transfer.mkdir(defaultIds.personalCollection, "/home/researcher/to-delete");
      const document: DeleteRequest = {
        DATA_TYPE: "delete",
        submission_id: yield* transfer.submissionId(),
        endpoint: defaultIds.personalCollection,
        recursive: true,
        DATA: [{ DATA_TYPE: "delete_item", path: "/home/researcher/to-delete/" }],
      };
      const deleted = yield* transfer.submitDelete(documentJson(document));
      expect(deleted.code).toBe("Accepted");
      const task = yield* finished(transfer, deleted.taskId);
      expect([task.type, task.status]).toEqual(["DELETE", "SUCCEEDED"]);
      expect((yield* transfer.submitDelete(documentJson(document))).code).toBe("Duplicate");
      expect(violations).toEqual([]);
    }).pipe(Effect.provide(services())),
  );

  it.live("a missing source fails the task with its fatal error", () =>
    Effect.gen(function* () {
      const transfer = yield* TransferApi;
      const result = yield* transfer.submitTransfer(
        documentJson({
          DATA_TYPE: "transfer",
          submission_id: yield* transfer.submissionId(),
          source_endpoint: defaultIds.guestCollection,
          destination_endpoint: defaultIds.personalCollection,
          DATA: [
            {
              DATA_TYPE: "transfer_item",
              source_path: "/shared/not-there.txt",
              destination_path: "/home/researcher/not-there.txt",
            },
          ],
        }),
      );
      const task = yield* finished(transfer, result.taskId);
      expect([task.status, task.fatal_error?.code]).toEqual(["FAILED", "FILE_NOT_FOUND"]);
      const errors = yield* transfer.taskEvents(result.taskId, { errorsOnly: true });
      expect(errors.DATA.every((e) => e.is_error)).toBe(true);
      expect(errors.DATA.length).toBeGreaterThan(0);
    }).pipe(Effect.provide(services())),
  );
});

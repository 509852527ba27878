/**
 * Transfer wire schemas reject what Globus would not send or accept: unknown statuses and result
 * codes, sync levels outside 0–3, and (for the requests we build) any key the API does not know.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  CancelResult,
  DeleteRequest,
  MkdirRequest,
  RenameRequest,
  SubmissionResult,
  type SyncLevel,
  type SyncLevelName,
  syncLevelName,
  syncLevelNames,
  syncLevelNumber,
  TaskDocument,
  TransferRequest,
} from "../../src/globus/Transfer.ts";

const FIXTURES = new URL("../../../../test/fixtures/globus/", import.meta.url);

/** A recorded body as a plain object, to be changed one field at a time. */
const fixture = (file: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(file, FIXTURES), "utf8"));

const transferRequest = (): Record<string, unknown> =>
  fixture("transfer/submit_transfer_request.json");

describe("TaskDocument", () => {
  it("rejects a status Globus does not have", () => {
    const task = { ...fixture("transfer/get_task.json"), status: "RUNNING" };
    const result = TaskDocument.safeParse(task);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(["status"]);
  });

  it("rejects sync_level 4 and a sync level given by name", () => {
    const task = fixture("transfer/get_task.json");
    expect(TaskDocument.safeParse({ ...task, sync_level: 4 }).success).toBe(false);
    expect(TaskDocument.safeParse({ ...task, sync_level: "checksum" }).success).toBe(false);
    expect(TaskDocument.safeParse({ ...task, sync_level: 3 }).success).toBe(true);
  });
});

describe("TransferRequest is strict", () => {
  it("accepts the request the Python SDK builds", () => {
    expect(TransferRequest.safeParse(transferRequest()).success).toBe(true);
  });

  it("rejects an unknown key at the top level", () => {
    const result = TransferRequest.safeParse({ ...transferRequest(), verify_checksums: true });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.code).toBe("unrecognized_keys");
  });

  it("rejects an unknown key in an item and in a filter rule", () => {
    const request = transferRequest();
    const withItemTypo = {
      ...request,
      DATA: [
        { DATA_TYPE: "transfer_item", source_path: "/a", destination_path: "/b", recurse: true },
      ],
    };
    const withRuleTypo = {
      ...request,
      filter_rules: [{ DATA_TYPE: "filter_rule", method: "exclude", name: "*.tmp", kind: "file" }],
    };
    expect(TransferRequest.safeParse(withItemTypo).success).toBe(false);
    expect(TransferRequest.safeParse(withRuleTypo).success).toBe(false);
  });

  it("rejects sync_level 4, a named sync level and a string integer", () => {
    for (const sync_level of [4, -1, 1.5, "checksum", "3"]) {
      expect(TransferRequest.safeParse({ ...transferRequest(), sync_level }).success).toBe(false);
    }
  });

  it("rejects an empty DATA, a missing submission_id and a multi-line label", () => {
    const { submission_id: _dropped, ...withoutId } = transferRequest();
    expect(TransferRequest.safeParse({ ...transferRequest(), DATA: [] }).success).toBe(false);
    expect(TransferRequest.safeParse(withoutId).success).toBe(false);
    expect(TransferRequest.safeParse({ ...transferRequest(), label: "a\nb" }).success).toBe(false);
    expect(
      TransferRequest.safeParse({ ...transferRequest(), label: "x".repeat(129) }).success,
    ).toBe(false);
  });

  it("rejects a wrong DATA_TYPE", () => {
    expect(TransferRequest.safeParse({ ...transferRequest(), DATA_TYPE: "delete" }).success).toBe(
      false,
    );
  });
});

describe("DeleteRequest, MkdirRequest and RenameRequest are strict", () => {
  it("rejects unknown keys", () => {
    const request = fixture("transfer/submit_delete_request.json");
    expect(DeleteRequest.safeParse(request).success).toBe(true);
    expect(DeleteRequest.safeParse({ ...request, ignore_mising: true }).success).toBe(false);
    expect(DeleteRequest.safeParse({ ...request, source_endpoint: request.endpoint }).success).toBe(
      false,
    );

    expect(MkdirRequest.safeParse({ DATA_TYPE: "mkdir", path: "/out" }).success).toBe(true);
    expect(
      MkdirRequest.safeParse({ DATA_TYPE: "mkdir", path: "/out", parents: true }).success,
    ).toBe(false);

    const rename = { DATA_TYPE: "rename", old_path: "/a", new_path: "/b" };
    expect(RenameRequest.safeParse(rename).success).toBe(true);
    expect(RenameRequest.safeParse({ ...rename, overwrite: true }).success).toBe(false);
  });
});

describe("result codes", () => {
  it("rejects the JS SDK's misspelt Accpeted, and accepts Duplicate", () => {
    const result = fixture("transfer/submit_delete.json");
    expect(SubmissionResult.safeParse({ ...result, code: "Accpeted" }).success).toBe(false);
    expect(SubmissionResult.safeParse({ ...result, code: "Duplicate" }).success).toBe(true);
  });

  it("accepts TaskComplete for a cancel and rejects an unknown cancel code", () => {
    const result = fixture("transfer/cancel_task.json");
    expect(CancelResult.safeParse({ ...result, code: "TaskComplete" }).success).toBe(true);
    expect(CancelResult.safeParse({ ...result, code: "Cancelled" }).success).toBe(false);
  });
});

describe("syncLevelNumber / syncLevelName", () => {
  it.each([
    ["exists", 0],
    ["size", 1],
    ["mtime", 2],
    ["checksum", 3],
  ] as const)("%s ↔ %i", (name: SyncLevelName, level: SyncLevel) => {
    expect(syncLevelNumber(name)).toBe(level);
    expect(syncLevelName(level)).toBe(name);
  });

  it("round-trips every name", () => {
    for (const name of syncLevelNames) expect(syncLevelName(syncLevelNumber(name))).toBe(name);
  });
});

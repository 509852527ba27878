/**
 * Batch → the exact Transfer document: wire spelling, sync level as an integer, options omitted
 * when unset, notify flags, filter rules with DATA_TYPE, delete and mkdir documents, deadlines
 * resolved against the given `now`, strict wire schemas; and the batch fingerprint, recomputed
 * here from the document with node:crypto, stable and sensitive to every submitted field.
 */
import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DeleteRequest, MkdirRequest, TransferRequest } from "../../src/globus/Transfer.ts";
import {
  batchDocument,
  batchSubmission,
  type DocumentContext,
  deleteDocument,
  isRelativeDeadline,
  resolveDeadline,
  transferDocument,
} from "../../src/plan/Documents.ts";
import {
  BATCH_FINGERPRINT_FORMAT,
  batchItems,
  type Plan,
  type PlanDeleteStep,
  type PlanTransferStep,
} from "../../src/plan/Plan.ts";
import { planWorkflow } from "../../src/plan/Planner.ts";
import { WorkflowSchema } from "../../src/workflow/WorkflowSchema.ts";

const SRC = "2d1d4873-a849-4b9c-bd34-2034a2163003";
const DST = "872a58ab-02b9-4233-a3e0-f017ed8ab090";
const SUBMISSION = "00000000-0000-0000-0000-000000000001";
const NOW = new Date("2026-11-27T10:15:30.250Z");

/** Plans a one-step workflow; `step` is the step's action body. */
const planOf = (
  action: "transfer" | "delete" | "mkdir",
  step: Record<string, unknown>,
  defaults?: object,
): Plan => {
  const workflow = WorkflowSchema.parse({
    version: 1,
    name: "docs",
    collections: {
      src: { id: SRC, kind: "mapped", highAssurance: false },
      dst: { id: DST, kind: "guest" },
    },
    ...(defaults === undefined ? {} : { defaults }),
    steps: [{ id: "s", [action]: step }],
  });
  const result = planWorkflow(workflow, {}, { file: "wf.yaml", createdAt: "2026-11-27T10:00:00Z" });
  if (result.plan === undefined) throw new Error(JSON.stringify(result.diagnostics));
  return result.plan;
};

const transferPlan = (
  options: Record<string, unknown> = {},
  items?: unknown[],
  defaults?: object,
) =>
  planOf(
    "transfer",
    {
      source: "src",
      destination: "dst",
      items: items ?? [{ source: "/data/run/", destination: "/in/run/", recursive: true }],
      ...options,
    },
    defaults,
  );

const transferStep = (plan: Plan): PlanTransferStep => {
  const step = plan.steps[0];
  if (step?.action !== "transfer") throw new Error("not a transfer step");
  return step;
};

const deleteStep = (plan: Plan): PlanDeleteStep => {
  const step = plan.steps[0];
  if (step?.action !== "delete") throw new Error("not a delete step");
  return step;
};

const documentOf = (
  plan: Plan,
  context: DocumentContext = { now: NOW, submissionId: SUBMISSION },
) => {
  const step = transferStep(plan);
  const batch = step.batches[0];
  if (batch === undefined) throw new Error("no batch");
  return transferDocument(step, batch, context);
};

/** The fingerprint as docs/plan-format.md defines it, from the wire document. */
const fingerprintFromDocument = (document: Record<string, unknown>, itemsJson: string): string => {
  const { DATA: _data, submission_id: _id, ...head } = document;
  return `sha256:${createHash("sha256")
    .update(`${JSON.stringify([BATCH_FINGERPRINT_FORMAT, head])}\n${itemsJson}`)
    .digest("hex")}`;
};

describe("transferDocument", () => {
  it("leaves out every option that is not set", () => {
    const document = documentOf(transferPlan());
    expect(document).toEqual({
      DATA_TYPE: "transfer",
      submission_id: SUBMISSION,
      source_endpoint: SRC,
      destination_endpoint: DST,
      DATA: [
        {
          DATA_TYPE: "transfer_item",
          source_path: "/data/run/",
          destination_path: "/in/run/",
          recursive: true,
        },
      ],
    });
    expect(TransferRequest.safeParse(document).success).toBe(true);
  });

  it("writes every option in wire spelling, the sync level as an integer", () => {
    const document = documentOf(
      transferPlan({
        label: "nightly run",
        syncLevel: "mtime",
        verifyChecksum: true,
        preserveTimestamp: true,
        encryptData: false,
        skipSourceErrors: true,
        failOnQuotaErrors: true,
        deleteDestinationExtra: true,
        filterRules: [{ exclude: "*.tmp", type: "file" }, { include: "keep*" }],
        deadline: "2026-12-01T18:00:00Z",
        notify: { failed: true, succeeded: false },
        checksumAlgorithm: "SHA256",
        sourceLocalUser: "alice",
        destinationLocalUser: "bob",
      }),
    );
    expect(document).toEqual({
      DATA_TYPE: "transfer",
      submission_id: SUBMISSION,
      source_endpoint: SRC,
      destination_endpoint: DST,
      label: "nightly run",
      deadline: "2026-12-01T18:00:00Z",
      sync_level: 2,
      verify_checksum: true,
      preserve_timestamp: true,
      encrypt_data: false,
      skip_source_errors: true,
      fail_on_quota_errors: true,
      delete_destination_extra: true,
      notify_on_succeeded: false,
      notify_on_failed: true,
      source_local_user: "alice",
      destination_local_user: "bob",
      filter_rules: [
        { DATA_TYPE: "filter_rule", method: "exclude", name: "*.tmp", type: "file" },
        { DATA_TYPE: "filter_rule", method: "include", name: "keep*" },
      ],
      DATA: [
        {
          DATA_TYPE: "transfer_item",
          source_path: "/data/run/",
          destination_path: "/in/run/",
          recursive: true,
          checksum_algorithm: "SHA256",
        },
      ],
    });
    expect(TransferRequest.safeParse(document).success).toBe(true);
  });

  it.each([
    ["exists", 0],
    ["size", 1],
    ["mtime", 2],
    ["checksum", 3],
  ])("sync level %s is %i", (syncLevel, wire) => {
    expect(documentOf(transferPlan({ syncLevel })).sync_level).toBe(wire);
  });

  it.each([
    [true, { notify_on_succeeded: true, notify_on_failed: true, notify_on_inactive: true }],
    [false, { notify_on_succeeded: false, notify_on_failed: false, notify_on_inactive: false }],
    [{ inactive: false }, { notify_on_inactive: false }],
  ])("notify %j sets %j", (notify, flags) => {
    const document = documentOf(transferPlan({ notify }));
    const set = Object.fromEntries(
      Object.entries(document).filter(([key]) => key.startsWith("notify_on_")),
    );
    expect(set).toEqual(flags);
  });

  it("carries item flags: recursive false, external checksums and their algorithm", () => {
    const document = documentOf(
      transferPlan({}, [
        { source: "/a/", destination: "/b/", recursive: false },
        { source: "/f", destination: "/g", externalChecksum: "abc123", checksumAlgorithm: "MD5" },
      ]),
    );
    expect(document.DATA).toEqual([
      { DATA_TYPE: "transfer_item", source_path: "/a/", destination_path: "/b/", recursive: false },
      {
        DATA_TYPE: "transfer_item",
        source_path: "/f",
        destination_path: "/g",
        external_checksum: "abc123",
        checksum_algorithm: "MD5",
      },
    ]);
  });

  it("takes options from defaults.transfer, the step's own winning", () => {
    const document = documentOf(
      transferPlan({ syncLevel: "size" }, undefined, {
        transfer: { syncLevel: "checksum", verifyChecksum: true },
      }),
    );
    expect(document.sync_level).toBe(1);
    expect(document.verify_checksum).toBe(true);
  });

  it("has no submission id when none is given (a dry run), as globus transfer --dry-run", () => {
    const document = documentOf(transferPlan(), { now: NOW });
    expect("submission_id" in document).toBe(false);
    expect(TransferRequest.safeParse(document).success).toBe(false);
    expect(TransferRequest.safeParse({ ...document, submission_id: SUBMISSION }).success).toBe(
      true,
    );
  });
});

describe("deadlines", () => {
  it.each([
    ["90m", "2026-11-27T11:45:30+00:00"],
    ["12h", "2026-11-27T22:15:30+00:00"],
    ["2d", "2026-11-29T10:15:30+00:00"],
    ["0h", "2026-11-27T10:15:30+00:00"],
  ])("a duration %s counts from now", (deadline, wire) => {
    expect(resolveDeadline(deadline, NOW)).toBe(wire);
    expect(isRelativeDeadline(deadline)).toBe(true);
    expect(documentOf(transferPlan({ deadline })).deadline).toBe(wire);
  });

  it.each(["2026-12-01", "2026-12-01T18:00", "2026-12-01 18:00:00+02:00"])(
    "an ISO 8601 deadline %s is sent as written",
    (deadline) => {
      expect(isRelativeDeadline(deadline)).toBe(false);
      expect(resolveDeadline(deadline, NOW)).toBe(deadline);
    },
  );

  it("the plan keeps a relative deadline relative", () => {
    expect(transferStep(transferPlan({ deadline: "12h" })).options.deadline).toBe("12h");
  });
});

describe("deleteDocument and mkdir", () => {
  it("leaves unset delete options out and decodes with the strict schema", () => {
    const plan = planOf("delete", { collection: "src", items: ["/data/run/tmp/", "/data/x"] });
    const step = deleteStep(plan);
    const batch = step.batches[0];
    if (batch === undefined) throw new Error("no batch");
    const document = deleteDocument(step, batch, { now: NOW, submissionId: SUBMISSION });
    expect(document).toEqual({
      DATA_TYPE: "delete",
      submission_id: SUBMISSION,
      endpoint: SRC,
      DATA: [
        { DATA_TYPE: "delete_item", path: "/data/run/tmp/" },
        { DATA_TYPE: "delete_item", path: "/data/x" },
      ],
    });
    expect(DeleteRequest.safeParse(document).success).toBe(true);
  });

  it("writes every delete option", () => {
    const plan = planOf(
      "delete",
      {
        collection: "src",
        items: ["/data/run/"],
        label: "cleanup",
        deadline: "2d",
        notify: false,
        recursive: true,
        ignoreMissing: true,
        interpretGlobs: false,
        localUser: "alice",
      },
      { delete: { recursive: false, ignoreMissing: false } },
    );
    const document = batchDocument(plan.steps[0] as PlanDeleteStep, 0, {
      now: NOW,
      submissionId: SUBMISSION,
    });
    expect(document).toEqual({
      action: "delete",
      document: {
        DATA_TYPE: "delete",
        submission_id: SUBMISSION,
        endpoint: SRC,
        label: "cleanup",
        deadline: "2026-11-29T10:15:30+00:00",
        recursive: true,
        ignore_missing: true,
        interpret_globs: false,
        notify_on_succeeded: false,
        notify_on_failed: false,
        notify_on_inactive: false,
        local_user: "alice",
        DATA: [{ DATA_TYPE: "delete_item", path: "/data/run/" }],
      },
    });
    if (document?.action === "delete") {
      expect(DeleteRequest.safeParse(document.document).success).toBe(true);
    }
  });

  it("makes one mkdir operation per path, on the step's collection", () => {
    const plan = planOf("mkdir", { collection: "dst", paths: ["/in/a/", "/in/b/", "/in/a/"] });
    const step = plan.steps[0];
    if (step === undefined) throw new Error("no step");
    expect(step.batches.map((b) => b.itemCount)).toEqual([1, 1]);
    const documents = [0, 1, 2].map((i) => batchDocument(step, i, { now: NOW }));
    expect(documents).toEqual([
      { action: "mkdir", collectionId: DST, document: { DATA_TYPE: "mkdir", path: "/in/a/" } },
      { action: "mkdir", collectionId: DST, document: { DATA_TYPE: "mkdir", path: "/in/b/" } },
      undefined,
    ]);
    for (const document of documents.slice(0, 2)) {
      expect(MkdirRequest.safeParse(document?.document).success).toBe(true);
    }
  });
});

describe("fingerprints", () => {
  const base = {
    label: "run",
    syncLevel: "checksum",
    verifyChecksum: true,
    deadline: "12h",
    notify: { failed: true },
    filterRules: [{ exclude: "*.tmp" }],
  };
  const fingerprintOf = (plan: Plan): string => transferStep(plan).batches[0]?.fingerprint ?? "";

  it("is the SHA-256 of the document without submission id and DATA, then the items", () => {
    const plan = transferPlan(base);
    const step = transferStep(plan);
    const batch = step.batches[0];
    if (batch === undefined) throw new Error("no batch");
    const document = transferDocument(step, batch, { now: NOW, submissionId: SUBMISSION });
    expect(document.deadline).toBe("2026-11-27T22:15:30+00:00");
    // The fingerprint keeps the deadline as planned: resolving it must not change it.
    const planned = { ...document, deadline: "12h" };
    expect(batch.fingerprint).toBe(fingerprintFromDocument(planned, batch.itemsJson));
    expect(batchItems(batch)).toEqual([["/data/run/", "/in/run/", true]]);
  });

  it("does not change with the submission id or the time of submission", () => {
    const plan = transferPlan(base);
    const step = transferStep(plan);
    const batch = step.batches[0];
    if (batch === undefined) throw new Error("no batch");
    const a = transferDocument(step, batch, { now: NOW, submissionId: SUBMISSION });
    const b = transferDocument(step, batch, { now: new Date(0), submissionId: SRC });
    expect(a.deadline).not.toBe(b.deadline);
    expect(fingerprintOf(transferPlan(base))).toBe(batch.fingerprint);
  });

  it("is stable: the same plan gives the same fingerprint", () => {
    expect(fingerprintOf(transferPlan(base))).toBe(fingerprintOf(transferPlan(base)));
    expect(fingerprintOf(transferPlan(base))).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it.each([
    ["label", { label: "other" }],
    ["sync level", { syncLevel: "mtime" }],
    ["verify checksum", { verifyChecksum: false }],
    ["deadline", { deadline: "13h" }],
    ["notify", { notify: { failed: false } }],
    ["filter rules", { filterRules: [{ exclude: "*.tmp", type: "file" }] }],
    ["preserve timestamp", { preserveTimestamp: true }],
    ["encrypt data", { encryptData: true }],
    ["skip source errors", { skipSourceErrors: true }],
    ["fail on quota errors", { failOnQuotaErrors: true }],
    ["delete destination extra", { deleteDestinationExtra: true }],
    ["checksum algorithm", { checksumAlgorithm: "SHA1" }],
    ["source local user", { sourceLocalUser: "alice" }],
    ["destination local user", { destinationLocalUser: "bob" }],
    ["collections", { source: "dst", destination: "src" }],
  ])("changes when the %s changes", (_name, change) => {
    expect(fingerprintOf(transferPlan({ ...base, ...change }))).not.toBe(
      fingerprintOf(transferPlan(base)),
    );
  });

  it.each([
    ["a source path", [{ source: "/data/run2/", destination: "/in/run/", recursive: true }]],
    ["a destination path", [{ source: "/data/run/", destination: "/in/run2/", recursive: true }]],
    ["the recursive flag", [{ source: "/data/run/", destination: "/in/run/", recursive: false }]],
    [
      "an external checksum",
      [{ source: "/data/run/", destination: "/in/run/", externalChecksum: "ab" }],
    ],
    [
      "an extra item",
      [
        { source: "/data/run/", destination: "/in/run/", recursive: true },
        { source: "/x", destination: "/y" },
      ],
    ],
  ])("changes when %s changes", (_name, items) => {
    expect(fingerprintOf(transferPlan(base, items))).not.toBe(fingerprintOf(transferPlan(base)));
  });

  it("delete and mkdir fingerprints follow the same definition", () => {
    const plan = planOf("delete", { collection: "src", items: ["/a", "/b"], recursive: true });
    const step = deleteStep(plan);
    const batch = step.batches[0];
    if (batch === undefined) throw new Error("no batch");
    const document = deleteDocument(step, batch, { now: NOW });
    expect(batch.fingerprint).toBe(fingerprintFromDocument(document, batch.itemsJson));

    const mkdir = planOf("mkdir", { collection: "dst", paths: ["/in/a/"] }).steps[0];
    const expected = `sha256:${createHash("sha256")
      .update(
        `${JSON.stringify([BATCH_FINGERPRINT_FORMAT, { DATA_TYPE: "mkdir", endpoint: DST }])}\n"/in/a/"`,
      )
      .digest("hex")}`;
    expect(mkdir?.batches[0]?.fingerprint).toBe(expected);
  });
});

describe("batchSubmission", () => {
  // Paths as plans hold them, with the characters that need escaping in JSON and some that do not.
  const path = fc.string({ unit: "binary", maxLength: 24 }).map((s) => `/${s}`);
  const item = fc.oneof(
    fc.tuple(path, path),
    fc.tuple(path, path, fc.option(fc.boolean())),
    fc.tuple(path, path, fc.option(fc.boolean()), fc.option(fc.string({ maxLength: 8 }))),
    fc.tuple(
      path,
      path,
      fc.option(fc.boolean()),
      fc.option(fc.string({ maxLength: 8 })),
      fc.constantFrom("MD5", "SHA256"),
    ),
  );
  const withItems = <S extends PlanTransferStep | PlanDeleteStep>(step: S, items: unknown[]): S =>
    ({
      ...step,
      batches: [{ ...step.batches[0], itemsJson: items.map((i) => JSON.stringify(i)).join(",\n") }],
    }) as S;

  it("writes the same text as serialising the transfer document", () => {
    const planned = transferStep(
      transferPlan({ label: 'x "quoted" ✓', syncLevel: "checksum", deadline: "12h" }),
    );
    fc.assert(
      fc.property(fc.array(item, { minLength: 1, maxLength: 20 }), (items) => {
        const step = withItems(planned, items);
        const context = { now: NOW, submissionId: SUBMISSION };
        const expected = JSON.stringify(batchDocument(step, 0, context)?.document);
        expect(batchSubmission(step, 0, context)).toEqual({ action: "transfer", json: expected });
      }),
      { numRuns: 300 },
    );
  });

  it("writes the same text as serialising the delete document", () => {
    const planned = deleteStep(planOf("delete", { collection: "dst", items: ["/a"] }));
    fc.assert(
      fc.property(fc.array(path, { minLength: 1, maxLength: 20 }), (paths) => {
        const step = withItems(planned, paths);
        const context = { now: NOW, submissionId: SUBMISSION };
        const expected = JSON.stringify(batchDocument(step, 0, context)?.document);
        expect(batchSubmission(step, 0, context)).toEqual({ action: "delete", json: expected });
      }),
      { numRuns: 300 },
    );
  });

  it("has nothing to submit for a mkdir step or a batch past the end", () => {
    const context = { now: NOW, submissionId: SUBMISSION };
    const mkdir = planOf("mkdir", { collection: "dst", paths: ["/out/"] }).steps[0];
    expect(mkdir && batchSubmission(mkdir, 0, context)).toBeUndefined();
    expect(batchSubmission(transferStep(transferPlan()), 1, context)).toBeUndefined();
  });
});

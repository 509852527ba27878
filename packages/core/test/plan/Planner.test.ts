/**
 * The planner end to end on small workflows: expansion of batch-file lines fed as iterables,
 * normalisation, duplicate removal, destinations written twice, batching and Globus's task limits,
 * dependency order, and the push-style builder the runner uses for big files.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Diagnostic } from "../../src/diagnostics/Diagnostic.ts";
import { batchItems, type Plan, type PlanTransferItem } from "../../src/plan/Plan.ts";
import { planJson } from "../../src/plan/PlanJson.ts";
import { makePlanBuilder, type PlanOptions, planWorkflow } from "../../src/plan/Planner.ts";
import { parseWorkflowText } from "../../src/workflow/WorkflowDocument.ts";
import { type Workflow, WorkflowSchema } from "../../src/workflow/WorkflowSchema.ts";

const SRC = "2d1d4873-a849-4b9c-bd34-2034a2163003";
const DST = "872a58ab-02b9-4233-a3e0-f017ed8ab090";
const OPTIONS: PlanOptions = { file: "wf.yaml", createdAt: "2026-11-27T10:00:00Z" };

const COLLECTIONS = {
  src: { id: SRC, kind: "mapped", highAssurance: false },
  dst: { id: DST, kind: "guest" },
};

/** A workflow with the given steps over `src` (mapped) and `dst` (guest). */
const workflowOf = (steps: unknown[], extra: Record<string, unknown> = {}): Workflow =>
  WorkflowSchema.parse({
    version: 1,
    name: "plan-test",
    collections: COLLECTIONS,
    ...extra,
    steps,
  });

const copyStep = (transfer: Record<string, unknown>, id = "copy") => ({
  id,
  transfer: { source: "src", destination: "dst", ...transfer },
});

const plan = (workflow: Workflow, options: Partial<PlanOptions> = {}) =>
  planWorkflow(workflow, {}, { ...OPTIONS, ...options });

const errors = (ds: readonly Diagnostic[]) => ds.filter((d) => d.severity === "error");
const warnings = (ds: readonly Diagnostic[]) => ds.filter((d) => d.severity === "warning");

const itemsOf = (p: Plan | undefined, step = 0): unknown[] =>
  p?.steps[step]?.batches.flatMap((b) => batchItems<unknown>(b)) ?? [];

describe("expansion", () => {
  it("expands itemsFrom lines after the inline items, with prefixes, skipping comments", () => {
    const workflow = workflowOf([
      copyStep({
        items: [{ source: "/inline/", destination: "/out/inline/", recursive: true }],
        itemsFrom: { path: "batch.txt", sourcePrefix: "/data/", destinationPrefix: "/in/" },
      }),
    ]);
    const result = plan(workflow, {
      batchLines: {
        copy: [
          "# a comment",
          "",
          "a.txt b.txt",
          "--recursive dir/ dir/",
          '"with space.txt" "/abs/with space.txt"',
          "--external-checksum abc123 c.dat c.dat",
        ],
      },
    });
    expect(errors(result.diagnostics)).toEqual([]);
    expect(itemsOf(result.plan)).toEqual([
      ["/inline/", "/out/inline/", true],
      ["/data/a.txt", "/in/b.txt"],
      ["/data/dir/", "/in/dir/", true],
      ["/data/with space.txt", "/abs/with space.txt"],
      ["/data/c.dat", "/in/c.dat", null, "abc123"],
    ]);
  });

  it("normalises inline paths as globus-cli does, keeping the trailing slash", () => {
    const workflow = workflowOf([
      copyStep({
        items: [{ source: "/a/./b//c/../d/", destination: "~/x//y/.", recursive: true }],
      }),
    ]);
    expect(itemsOf(plan(workflow).plan)).toEqual([["/a/b/d/", "~/x/y", true]]);
  });

  it("puts the step's checksum algorithm on every item that has none", () => {
    const workflow = workflowOf([
      copyStep({
        checksumAlgorithm: "SHA256",
        items: [
          { source: "/a", destination: "/b" },
          { source: "/c", destination: "/d", checksumAlgorithm: "MD5" },
        ],
        itemsFrom: "batch.txt",
      }),
    ]);
    const result = plan(workflow, { batchLines: { copy: ["/e /f"] } });
    expect(itemsOf(result.plan)).toEqual([
      ["/a", "/b", null, null, "SHA256"],
      ["/c", "/d", null, null, "MD5"],
      ["/e", "/f", null, null, "SHA256"],
    ]);
  });

  it("expands a delete step's itemsFrom with its prefix", () => {
    const workflow = workflowOf([
      { id: "rm", delete: { collection: "src", itemsFrom: { path: "rm.txt", prefix: "/data/" } } },
    ]);
    const result = plan(workflow, { batchLines: { rm: ["old/", "/abs", "# done"] } });
    expect(itemsOf(result.plan)).toEqual(["/data/old/", "/abs"]);
  });

  it("reports bad lines as file:line:column, then counts the rest", () => {
    const workflow = workflowOf([copyStep({ itemsFrom: "batch.txt" })]);
    const lines = ["/ok /ok", '"/unclosed /x', ...Array.from({ length: 30 }, () => "/only-one")];
    const result = plan(workflow, { batchLines: { copy: lines } });
    expect(result.plan).toBeUndefined();
    const bad = errors(result.diagnostics).filter((d) => d.code === "batch-line");
    expect(bad[0]?.at).toEqual({ file: "batch.txt", line: 2, column: 1 });
    expect(bad[0]?.summary).toContain("No closing quotation");
    expect(bad).toHaveLength(21);
    expect(bad[20]?.summary).toBe("… and 11 more bad lines in batch.txt");
  });

  it("refuses a batch line that copies a path onto itself on the same collection", () => {
    const workflow = WorkflowSchema.parse({
      version: 1,
      name: "self",
      collections: { src: COLLECTIONS.src },
      steps: [{ id: "copy", transfer: { source: "src", destination: "src", itemsFrom: "b.txt" } }],
    });
    const result = plan(workflow, { batchLines: { copy: ["/a/ /b/", "/x/ /x"] } });
    const [error] = errors(result.diagnostics);
    expect(error?.summary).toContain("onto itself");
    expect(error?.at).toMatchObject({ file: "b.txt", line: 2 });
  });

  it("applies the step-wide rules to batch-file items (filter rules need a recursive item)", () => {
    const workflow = workflowOf([
      copyStep({ filterRules: [{ exclude: "*.tmp" }], itemsFrom: "batch.txt" }),
    ]);
    const result = plan(workflow, { batchLines: { copy: ["/a /b"] } });
    expect(errors(result.diagnostics).map((d) => d.code)).toEqual(["filter-needs-recursive"]);
    const fine = plan(workflow, { batchLines: { copy: ["-r /a/ /b/"] } });
    expect(errors(fine.diagnostics)).toEqual([]);
  });

  it("says so when a batch file's lines were never given, or given for the wrong step", () => {
    const workflow = workflowOf([
      copyStep({ itemsFrom: "batch.txt" }),
      copyStep({ items: [{ source: "/a", destination: "/b" }] }, "inline"),
    ]);
    const missing = plan(workflow);
    expect(errors(missing.diagnostics).map((d) => d.code)).toContain("plan-batch-lines");
    const wrong = plan(workflow, { batchLines: { copy: ["/a /b"], inline: ["/c /d"] } });
    expect(errors(wrong.diagnostics).map((d) => d.summary)).toEqual([
      'batch-file lines were given for step "inline", which reads no itemsFrom file',
    ]);
    const empty = plan(workflow, { batchLines: { copy: [] } });
    expect(errors(empty.diagnostics).map((d) => d.code)).toEqual(["no-items"]);
  });
});

describe("duplicates", () => {
  it("removes identical items, counting them, wherever they come from", () => {
    const workflow = workflowOf([
      copyStep({
        items: [
          { source: "/a", destination: "/b" },
          { source: "/a", destination: "/b" },
        ],
        itemsFrom: "batch.txt",
      }),
    ]);
    const result = plan(workflow, { batchLines: { copy: ["/a /b", "/c /d", "/c /d"] } });
    expect(errors(result.diagnostics)).toEqual([]);
    expect(itemsOf(result.plan)).toEqual([
      ["/a", "/b"],
      ["/c", "/d"],
    ]);
    expect(result.plan?.steps[0]?.duplicatesRemoved).toBe(3);
    const [warning] = warnings(result.diagnostics);
    expect(warning?.code).toBe("duplicate-items");
    expect(warning?.summary).toBe(
      'step "copy": 3 duplicate items removed (first duplicate: steps[0].transfer.items[1])',
    );
  });

  it("two different sources to one destination is an error naming both", () => {
    const workflow = workflowOf([
      copyStep({
        items: [{ source: "/data/a.dat", destination: "/in/x.dat" }],
        itemsFrom: "b.txt",
      }),
    ]);
    const result = plan(workflow, { batchLines: { copy: ["/c /d", "/data/b.dat /in/x.dat"] } });
    expect(result.plan).toBeUndefined();
    const [error] = errors(result.diagnostics);
    expect(error?.code).toBe("duplicate-destination");
    expect(error?.summary).toBe(
      'step "copy": two items write /in/x.dat: /data/a.dat (steps[0].transfer.items[0]) and /data/b.dat (b.txt:2)',
    );
    expect(error?.at).toEqual({ file: "b.txt", line: 2, column: 1 });
  });

  it("the same source written two ways to one destination is an error too", () => {
    const workflow = workflowOf([copyStep({ itemsFrom: "b.txt" })]);
    const result = plan(workflow, { batchLines: { copy: ["/a/ /b/", "-r /a/ /b/"] } });
    expect(errors(result.diagnostics)[0]?.summary).toContain("/a/ twice, in different ways");
  });

  it("a trailing slash does not make a destination different", () => {
    const workflow = workflowOf([copyStep({ itemsFrom: "b.txt" })]);
    const result = plan(workflow, { batchLines: { copy: ["-r /a/ /out/", "/b /out"] } });
    expect(errors(result.diagnostics).map((d) => d.code)).toEqual(["duplicate-destination"]);
  });

  it("removes duplicate delete paths and mkdir paths, a trailing slash aside", () => {
    const workflow = workflowOf([
      { id: "rm", delete: { collection: "src", items: ["/a/", "/a", "/b"] } },
      { id: "mk", mkdir: { collection: "dst", paths: ["/x/", "/x/", "/y/"] } },
    ]);
    const result = plan(workflow);
    expect(itemsOf(result.plan, 0)).toEqual(["/a/", "/b"]);
    expect(itemsOf(result.plan, 1)).toEqual(["/x/", "/y/"]);
  });

  it("handles 1,000,000 duplicate lines quickly, keeping one item", () => {
    const workflow = workflowOf([copyStep({ itemsFrom: "dups.txt" })]);
    const line = "/data/run/same.dat /scratch/run/same.dat";
    function* lines(): Generator<string> {
      for (let i = 0; i < 1_000_000; i++) yield line;
    }
    const started = performance.now();
    const result = plan(workflow, { batchLines: { copy: lines() } });
    const elapsed = performance.now() - started;
    expect(errors(result.diagnostics)).toEqual([]);
    expect(result.plan?.steps[0]?.itemCount).toBe(1);
    expect(result.plan?.steps[0]?.duplicatesRemoved).toBe(999_999);
    expect(warnings(result.diagnostics)[0]?.summary).toContain("999,999 duplicate items removed");
    expect(elapsed).toBeLessThan(10_000);
  });

  it("reports at most 20 conflicting destinations one by one", () => {
    const workflow = workflowOf([copyStep({ itemsFrom: "b.txt" })]);
    const lines = Array.from({ length: 51 }, (_, i) => `/src/${i} /same`);
    const result = plan(workflow, { batchLines: { copy: lines } });
    const conflicts = errors(result.diagnostics);
    expect(conflicts).toHaveLength(21);
    expect(conflicts[20]?.summary).toBe(
      'step "copy": … and 30 more items writing a destination another item writes',
    );
  });
});

describe("batches and limits", () => {
  const manyItems = (n: number) => Array.from({ length: n }, (_, i) => `/data/f${i} /in/f${i}`);

  it("cuts a step into batches of at most maxItemsPerBatch, in order", () => {
    const workflow = workflowOf([copyStep({ itemsFrom: "b.txt" })]);
    const result = plan(workflow, { batchLines: { copy: manyItems(25) }, maxItemsPerBatch: 10 });
    const batches = result.plan?.steps[0]?.batches ?? [];
    expect(batches.map((b) => b.itemCount)).toEqual([10, 10, 5]);
    expect(itemsOf(result.plan)).toEqual(
      Array.from({ length: 25 }, (_, i) => [`/data/f${i}`, `/in/f${i}`]),
    );
    expect(result.plan?.limits).toEqual({
      maxItemsPerBatch: 10,
      maxBatchBytes: 2 * 1024 * 1024,
      items: 25,
      tasks: 3,
      transferTasks: 3,
      deleteTasks: 0,
      mkdirOperations: 0,
      maxPendingTasks: 100,
      maxActiveTasks: 3,
    });
  });

  it("cuts by estimated request size as well", () => {
    const workflow = workflowOf([copyStep({ itemsFrom: "b.txt" })]);
    const long = "x".repeat(400);
    const lines = Array.from({ length: 10 }, (_, i) => `/${long}/${i} /${long}/${i}`);
    // Each line is ~815 characters plus 80 of overhead: two fit in 2,000 bytes, three do not.
    const result = plan(workflow, { batchLines: { copy: lines }, maxBatchBytes: 2_000 });
    expect(result.plan?.steps[0]?.batches.map((b) => b.itemCount)).toEqual([2, 2, 2, 2, 2]);
    // An item bigger than the limit still gets a batch of its own.
    const tiny = plan(workflow, { batchLines: { copy: lines.slice(0, 2) }, maxBatchBytes: 10 });
    expect(tiny.plan?.steps[0]?.batches.map((b) => b.itemCount)).toEqual([1, 1]);
  });

  it("uses 10,000 items and 2 MiB per batch by default", () => {
    const workflow = workflowOf([copyStep({ itemsFrom: "b.txt" })]);
    const result = plan(workflow, { batchLines: { copy: manyItems(20_001) } });
    expect(result.plan?.steps[0]?.batches.map((b) => b.itemCount)).toEqual([10_000, 10_000, 1]);
  });

  it("warns when the plan makes more than 100 tasks (Globus's pending-task limit)", () => {
    const workflow = workflowOf([copyStep({ itemsFrom: "b.txt" })]);
    const at100 = plan(workflow, { batchLines: { copy: manyItems(100) }, maxItemsPerBatch: 1 });
    expect(warnings(at100.diagnostics)).toEqual([]);
    const at101 = plan(workflow, { batchLines: { copy: manyItems(101) }, maxItemsPerBatch: 1 });
    const [warning] = warnings(at101.diagnostics);
    expect(warning?.code).toBe("too-many-tasks");
    expect(warning?.summary).toContain("101 tasks");
    expect(at101.plan?.warnings).toEqual([warning]);
  });

  it("mkdir operations are not tasks", () => {
    const paths = Array.from({ length: 150 }, (_, i) => `/d${i}/`);
    const result = plan(workflowOf([{ id: "mk", mkdir: { collection: "dst", paths } }]));
    expect(result.plan?.limits).toMatchObject({ tasks: 0, mkdirOperations: 150 });
    expect(warnings(result.diagnostics)).toEqual([]);
  });

  it("warns when queued tasks of a step would spend their deadline waiting", () => {
    const workflow = workflowOf([copyStep({ itemsFrom: "b.txt", deadline: "2h" })]);
    const three = plan(workflow, { batchLines: { copy: manyItems(3) }, maxItemsPerBatch: 1 });
    expect(warnings(three.diagnostics)).toEqual([]);
    const four = plan(workflow, { batchLines: { copy: manyItems(4) }, maxItemsPerBatch: 1 });
    const [warning] = warnings(four.diagnostics);
    expect(warning?.code).toBe("queued-tasks-deadline");
    expect(warning?.at?.path).toEqual(["steps", 0, "transfer", "deadline"]);
    const noDeadline = workflowOf([copyStep({ itemsFrom: "b.txt" })]);
    const many = plan(noDeadline, { batchLines: { copy: manyItems(4) }, maxItemsPerBatch: 1 });
    expect(warnings(many.diagnostics)).toEqual([]);
  });
});

describe("the plan", () => {
  it("lists steps in dependency order, ties in file order", () => {
    const workflow = workflowOf([
      { id: "cleanup", needs: ["copy"], delete: { collection: "src", items: ["/tmp/"] } },
      copyStep({ items: [{ source: "/a", destination: "/b" }] }),
      { id: "mk", mkdir: { collection: "dst", paths: ["/in/"] } },
    ]);
    expect(plan(workflow).plan?.steps.map((s) => `${s.id}:${s.action}`)).toEqual([
      "copy:transfer",
      "cleanup:delete",
      "mk:mkdir",
    ]);
  });

  it("records the workflow, its fingerprint, the inputs in declaration order, and createdAt", () => {
    const workflow = workflowOf([copyStep({ items: [{ source: "/a", destination: "/b" }] })], {
      inputs: { b: { type: "string", default: "x" }, a: { type: "number" } },
    });
    const result = plan(workflow, { inputs: { a: 2, b: "y" }, createdAt: "when" });
    expect(result.plan?.workflow).toEqual({
      name: "plan-test",
      file: "wf.yaml",
      fingerprint: `sha256:${createHash("sha256").update(JSON.stringify(workflow)).digest("hex")}`,
    });
    expect(JSON.stringify(result.plan?.inputs)).toBe('{"b":"y","a":2}');
    expect(result.plan?.createdAt).toBe("when");
  });

  it("keeps every option the step and defaults set, in the workflow's names", () => {
    const workflow = workflowOf(
      [copyStep({ syncLevel: "mtime", items: [{ source: "/a", destination: "/b" }] })],
      {
        defaults: {
          transfer: { syncLevel: "checksum", verifyChecksum: true, notify: { failed: true } },
        },
      },
    );
    const step = plan(workflow).plan?.steps[0];
    expect(step?.action === "transfer" && step.options).toEqual({
      syncLevel: "mtime",
      verifyChecksum: true,
      notify: { failed: true },
    });
  });

  it("locates diagnostics in the workflow file when given its locator", () => {
    const text = `version: 1
name: located
collections:
  src: { id: ${SRC}, kind: mapped }
  dst: { id: ${DST}, kind: guest }
steps:
  - id: copy
    transfer: { source: src, destination: dst, items: [{ source: /a, destination: /b }] }
`;
    const document = parseWorkflowText(text, "located.yaml");
    const workflow = WorkflowSchema.parse(document.value);
    const result = plan(workflow, { file: "located.yaml", locate: document.locate });
    expect(warnings(result.diagnostics)[0]?.at).toMatchObject({ file: "located.yaml", line: 4 });
  });

  it("gives no plan when there is an error, and the plan's warnings otherwise", () => {
    const workflow = workflowOf([copyStep({ itemsFrom: "b.txt" })]);
    expect(plan(workflow, { batchLines: { copy: ["/a /x", "/b /x"] } }).plan).toBeUndefined();
    const fine = plan(workflow, { batchLines: { copy: ["/a /x", "/a /x"] } });
    expect(fine.plan?.warnings.map((w) => w.code)).toEqual(["duplicate-items"]);
  });
});

describe("makePlanBuilder", () => {
  const workflow = workflowOf([
    copyStep({ itemsFrom: "b.txt" }),
    { id: "rm", needs: ["copy"], delete: { collection: "src", itemsFrom: "rm.txt" } },
  ]);
  const lines = Array.from({ length: 2_345 }, (_, i) => `/data/f${i % 2_000} /in/f${i % 2_000}`);

  it("gives the same plan whether lines come at once or chunk by chunk, step by step", () => {
    const whole = plan(workflow, {
      batchLines: { copy: lines, rm: ["/x", "/y"] },
      maxItemsPerBatch: 300,
    });
    const builder = makePlanBuilder(workflow, {}, { ...OPTIONS, maxItemsPerBatch: 300 });
    builder.addBatchLines("rm", ["/x"]);
    for (let i = 0; i < lines.length; i += 97)
      builder.addBatchLines("copy", lines.slice(i, i + 97));
    builder.addBatchLines("rm", ["/y"]);
    const chunked = builder.finish();
    expect(chunked.diagnostics).toEqual(whole.diagnostics);
    expect(whole.plan && planJson(whole.plan)).toBe(chunked.plan && planJson(chunked.plan));
  });

  it("can be finished only once", () => {
    const builder = makePlanBuilder(workflow, {}, OPTIONS);
    builder.addBatchLines("copy", ["/a /b"]);
    builder.addBatchLines("rm", ["/a"]);
    builder.finish();
    expect(() => builder.finish()).toThrow(/already/);
  });

  it("keeps an item's line exactly as JSON writes it, whatever its characters", () => {
    const odd = [
      ["/tab\there", "/in/tab"],
      ['/quote"d', "/in/quote"],
      ["/back\\slash", "/in/back"],
      ["/ctl\u0001x", "/in/ctl"],
      ["/lone\ud800", "/in/lone"],
      ["/emoji 😀 é", "/in/emoji"],
      ["/new\nline", "/in/new"],
    ] as const;
    const inline = workflowOf([
      copyStep({ items: odd.map(([source, destination]) => ({ source, destination })) }),
    ]);
    const result = plan(inline);
    const batch = result.plan?.steps[0]?.batches[0];
    expect(batch?.itemsJson).toBe(odd.map((item) => JSON.stringify(item)).join(",\n"));
    // From a batch file: quoted words keep tabs; control characters need no quotes.
    const fromFile = plan(workflowOf([copyStep({ itemsFrom: "b.txt" })]), {
      batchLines: { copy: ["'/tab\there' /in/tab", "/ctl\u0001x /in/ctl", "/lone\ud800 /in/lone"] },
    });
    expect(itemsOf(fromFile.plan) as PlanTransferItem[]).toEqual([
      ["/tab\there", "/in/tab"],
      ["/ctl\u0001x", "/in/ctl"],
      ["/lone\ud800", "/in/lone"],
    ]);
    expect(fromFile.plan?.steps[0]?.batches[0]?.itemsJson).toBe(
      [
        JSON.stringify(["/tab\there", "/in/tab"]),
        JSON.stringify(["/ctl\u0001x", "/in/ctl"]),
        JSON.stringify(["/lone\ud800", "/in/lone"]),
      ].join(",\n"),
    );
  });
});

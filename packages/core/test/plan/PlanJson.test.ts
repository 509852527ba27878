/**
 * plan.json: the canonical form (JSON.stringify(document, null, 2) with one item per line), the
 * streaming serializer byte-identical to it, determinism, and the reader that refuses a plan whose
 * content no longer matches its fingerprints and totals.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EndpointDocument } from "../../src/globus/Transfer.ts";
import { type Plan, planDocument } from "../../src/plan/Plan.ts";
import { canonicalJson, parsePlanJson, planJson, planJsonChunks } from "../../src/plan/PlanJson.ts";
import { type PlanFacts, type PlanOptions, planWorkflow } from "../../src/plan/Planner.ts";
import { type Workflow, WorkflowSchema } from "../../src/workflow/WorkflowSchema.ts";

const PROPERTY_RUNS = { seed: 20_261_127, numRuns: 200 } as const;

const SRC = "2d1d4873-a849-4b9c-bd34-2034a2163003";
const DST = "872a58ab-02b9-4233-a3e0-f017ed8ab090";
const OPTIONS: PlanOptions = { file: "wf.yaml", createdAt: "2026-11-27T10:00:00Z" };

const workflow: Workflow = WorkflowSchema.parse({
  version: 1,
  name: "json",
  inputs: { run: { type: "string", default: "latest" } },
  collections: {
    src: { id: SRC, name: "Source", kind: "mapped" },
    dst: { id: DST, kind: "guest" },
  },
  defaults: { transfer: { syncLevel: "checksum", deadline: "12h" } },
  steps: [
    {
      id: "copy",
      description: "the results",
      transfer: {
        source: "src",
        destination: "dst",
        filterRules: [{ exclude: "*.tmp", type: "file" }],
        items: [
          { source: "/data/run/", destination: "/in/run/", recursive: true },
          { source: '/odd "quoted" \\ path\t', destination: "/in/odd 😀 é \u0001" },
        ],
        itemsFrom: "batch.txt",
      },
    },
    { id: "rm", needs: ["copy"], delete: { collection: "src", items: ["/data/run/tmp/"] } },
    { id: "mk", mkdir: { collection: "dst", paths: ["/in/a/", "/in/b/"] } },
  ],
});

const LINES = Array.from({ length: 57 }, (_, i) => `/data/f${i}.dat /in/f${i}.dat`);

const makePlan = (options: Partial<PlanOptions> = {}, facts: PlanFacts = {}): Plan => {
  const result = planWorkflow(workflow, facts, {
    ...OPTIONS,
    inputs: { run: "latest" },
    maxItemsPerBatch: 10,
    batchLines: { copy: LINES },
    ...options,
  });
  if (result.plan === undefined) throw new Error(JSON.stringify(result.diagnostics));
  return result.plan;
};

const streamed = (plan: Plan): string => [...planJsonChunks(plan)].join("");

/** plan.json parsed, for editing any field as a person with a text editor would. */
// biome-ignore lint/suspicious/noExplicitAny: the tests reach into arbitrary fields of the JSON.
type EditableJson = Record<string, any>;

/** Rewrites plan.json through `edit` (on the parsed JSON) and reads it back. */
const edited = (plan: Plan, edit: (json: EditableJson) => void) => {
  const json = JSON.parse(planJson(plan));
  edit(json);
  return parsePlanJson(JSON.stringify(json, null, 2));
};

const problems = (result: ReturnType<typeof parsePlanJson>) =>
  result.ok ? [] : result.diagnostics.map((d) => d.summary);

describe("the canonical form", () => {
  it("is JSON.stringify(value, null, 2) and a line feed, for values without items", () => {
    const noItems = fc.jsonValue().filter((value) => !JSON.stringify(value).includes('"items"'));
    fc.assert(
      fc.property(noItems, (value) => {
        expect(canonicalJson(value)).toBe(`${JSON.stringify(value, null, 2)}\n`);
      }),
      PROPERTY_RUNS,
    );
  });

  it("writes each element of an items array on one line, compactly", () => {
    const value = { a: [1], items: [["/x", "/y", true], "/z", { k: [1, 2] }], b: { items: [] } };
    expect(canonicalJson(value)).toBe(
      `{
  "a": [
    1
  ],
  "items": [
    ["/x","/y",true],
    "/z",
    {"k":[1,2]}
  ],
  "b": {
    "items": []
  }
}
`,
    );
  });

  it("is what planJson writes for a plan: the document, items decoded", () => {
    const plan = makePlan();
    const text = planJson(plan);
    expect(text).toBe(canonicalJson(JSON.parse(text)));
    expect(JSON.parse(text)).toEqual(planDocument(plan));
    // Same data as the plain one-shot JSON.stringify of the document; only the layout differs.
    expect(JSON.stringify(JSON.parse(text), null, 2)).toBe(
      JSON.stringify(planDocument(plan), null, 2),
    );
    expect(text).toContain('\n            ["/data/f0.dat","/in/f0.dat"],\n');
  });
});

describe("planJsonChunks", () => {
  it("streams exactly the canonical form", () => {
    const plan = makePlan();
    expect(streamed(plan)).toBe(planJson(plan));
  });

  it("streams a big plan in many non-empty pieces, never as one string", () => {
    const lines = Array.from({ length: 30_000 }, (_, i) => `/data/${"x".repeat(20)}${i} /in/${i}`);
    const plan = makePlan({ batchLines: { copy: lines }, maxItemsPerBatch: 4_000 });
    const chunks = [...planJsonChunks(plan)];
    expect(chunks.length).toBeGreaterThan(8);
    expect(chunks.every((chunk) => chunk.length > 0)).toBe(true);
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThan(planJson(plan).length / 4);
    expect(chunks.join("")).toBe(planJson(plan));
  });

  it("streams exactly the canonical form for random items and limits", () => {
    const path = fc.string({ unit: "binary", minLength: 1, maxLength: 12 }).map((s) => `/${s}`);
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(path, path), { maxLength: 40, selector: ([, d]) => d }),
        fc.integer({ min: 1, max: 7 }),
        (pairs, maxItemsPerBatch) => {
          const random = WorkflowSchema.parse({
            ...workflow,
            steps: [
              {
                id: "copy",
                transfer: {
                  source: "src",
                  destination: "dst",
                  items: [
                    { source: "/first", destination: "/first" },
                    ...pairs.map(([source, destination]) => ({ source, destination })),
                  ],
                },
              },
            ],
          });
          const result = planWorkflow(random, {}, { ...OPTIONS, maxItemsPerBatch });
          // Paths that normalise onto each other conflict; that is the planner's business.
          if (result.plan === undefined) return;
          expect(streamed(result.plan)).toBe(planJson(result.plan));
          const back = parsePlanJson(planJson(result.plan));
          expect(back.ok && planJson(back.plan)).toBe(planJson(result.plan));
        },
      ),
      { ...PROPERTY_RUNS, numRuns: 100 },
    );
  });
});

describe("determinism", () => {
  it("gives byte-identical JSON for the same inputs", () => {
    expect(planJson(makePlan())).toBe(planJson(makePlan()));
    expect(streamed(makePlan())).toBe(streamed(makePlan()));
  });

  it("does not depend on the order of the looked-up documents", () => {
    const document = (id: string, entity_type: string) =>
      EndpointDocument.parse({
        DATA_TYPE: "endpoint",
        id,
        display_name: id.slice(0, 4),
        canonical_name: id,
        entity_type,
        owner_string: "x",
        host_endpoint_id: null,
        public: false,
        shareable: false,
        subscription_id: null,
        is_globus_connect: false,
        description: null,
        organization: null,
        department: null,
        keywords: null,
        contact_email: null,
        contact_info: null,
        info_link: null,
        default_directory: null,
        force_encryption: false,
        high_assurance: false,
      });
    const a = document(SRC, "GCSv5_mapped_collection");
    const b = document(DST, "GCSv5_guest_collection");
    expect(planJson(makePlan({}, { collections: { documents: [a, b] } }))).toBe(
      planJson(makePlan({}, { collections: { documents: [b, a] } })),
    );
  });

  it("changes only createdAt when only createdAt changes", () => {
    const one = planJson(makePlan());
    const two = planJson(makePlan({ createdAt: "2027-01-01T00:00:00Z" }));
    expect(two.replace("2027-01-01T00:00:00Z", "2026-11-27T10:00:00Z")).toBe(one);
  });
});

describe("parsePlanJson", () => {
  const plan = makePlan();
  const text = planJson(plan);

  it("reads back a plan that writes out identically", () => {
    const result = parsePlanJson(text);
    expect(result.ok).toBe(true);
    expect(result.ok && planJson(result.plan)).toBe(text);
    expect(result.ok && result.plan).toEqual(plan);
  });

  it("accepts the same content laid out differently", () => {
    const compact = JSON.stringify(JSON.parse(text));
    const result = parsePlanJson(compact);
    expect(result.ok && planJson(result.plan)).toBe(text);
  });

  it("refuses text that is not JSON, and other formats", () => {
    expect(parsePlanJson("{oops").ok).toBe(false);
    expect(problems(parsePlanJson('{"format":"transflow-plan/2"}'))).toEqual([
      "plan.json has format transflow-plan/2, and this transflow reads transflow-plan/1",
    ]);
    expect(problems(parsePlanJson("[]"))[0]).toContain("not a transflow plan");
  });

  it("refuses unknown keys and wrong types", () => {
    expect(problems(edited(plan, (json) => (json.extra = 1)))[0]).toContain("extra");
    expect(edited(plan, (json) => (json.steps[0].options.syncLevel = "fastest")).ok).toBe(false);
  });

  it.each<[string, (json: EditableJson) => void, string]>([
    [
      "an item's path",
      (json) => (json.steps[0].batches[0].items[0][1] = "/in/elsewhere/"),
      "does not match its fingerprint",
    ],
    [
      "a step option",
      (json) => (json.steps[0].options.syncLevel = "size"),
      "does not match its fingerprint",
    ],
    [
      "a collection id of a step",
      (json) => {
        json.steps[0].destinationCollectionId = SRC;
      },
      "is 872a58ab-02b9-4233-a3e0-f017ed8ab090 in the collections",
    ],
    [
      "a fingerprint",
      (json) => (json.steps[1].batches[0].fingerprint = `sha256:${"0".repeat(64)}`),
      "does not match its fingerprint",
    ],
    ["an item count", (json) => (json.steps[0].batches[0].itemCount = 3), "itemCount is 3"],
    ["a step's item count", (json) => (json.steps[0].itemCount = 1), "says 1 items"],
    ["a limit's total", (json) => (json.limits.tasks = 1), "limits.tasks is 1"],
    [
      "the consent scope",
      (json) => (json.consents.scope = "urn:globus:auth:scope:transfer.api.globus.org:all"),
      "consent scope does not match",
    ],
    [
      "a collection fact",
      (json) => (json.collections[0].needsDataAccess = false),
      "needsDataAccess does not follow",
    ],
    ["the step order", (json) => json.steps.reverse(), "which does not come before it"],
    [
      "a malformed item",
      (json) => (json.steps[0].batches[1].items[0] = ["/a", "/b", null]),
      "trailing null",
    ],
    [
      "a mkdir batch of two paths",
      (json) => json.steps[2].batches[0].items.push("/in/z/"),
      "a mkdir batch is one path",
    ],
  ])("refuses a plan whose %s was edited", (_what, edit, message) => {
    const result = edited(plan, edit);
    expect(result.ok).toBe(false);
    expect(problems(result).join("\n")).toContain(message);
    if (!result.ok) expect(result.diagnostics[0]?.at?.file).toBe("plan.json");
  });
});

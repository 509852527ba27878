/**
 * The consent rules, table-driven over every entity type in the recorded endpoint documents
 * (plus a high-assurance mapped collection built from the mapped one): the exact scope string,
 * granted vs missing, the warnings that prevent Globus Auth's "Unknown scope" refusal, facts and
 * where they came from, and the errors for a non-collection or a contradicted declaration.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Diagnostic } from "../../src/diagnostics/Diagnostic.ts";
import { EndpointDocument } from "../../src/globus/Transfer.ts";
import { needsDataAccess } from "../../src/plan/Consents.ts";
import type { Plan } from "../../src/plan/Plan.ts";
import {
  type PlanFacts,
  type PlanOptions,
  planWorkflow,
  recheckConsents,
  workflowFingerprint,
  workflowScope,
} from "../../src/plan/Planner.ts";
import { type Workflow, WorkflowSchema } from "../../src/workflow/WorkflowSchema.ts";

const FIXTURES = new URL("../../../../test/fixtures/globus/transfer/", import.meta.url);

const endpoint = (file: string): EndpointDocument =>
  EndpointDocument.parse(JSON.parse(readFileSync(new URL(file, FIXTURES), "utf8")));

const MAPPED = endpoint("get_endpoint_mapped_collection.json");
const GUEST = endpoint("get_endpoint_guest_collection.json");
const GCP = endpoint("get_endpoint_gcp_mapped_collection.json");
const GCSV4 = endpoint("get_endpoint_gcsv4_host.json");
const GCSV5_ENDPOINT = endpoint("get_endpoint_gcsv5_endpoint.json");
const HA_MAPPED: EndpointDocument = {
  ...MAPPED,
  id: "5b9c0f0e-0b7b-4a4e-9d4c-6d2f4f0f7a11",
  display_name: "High assurance mapped collection",
  high_assurance: true,
  authentication_timeout_mins: 30,
  mfa_required: true,
};

const TRANSFER_ALL = "urn:globus:auth:scope:transfer.api.globus.org:all";
const dataAccess = (id: string) => `https://auth.globus.org/scopes/${id}/data_access`;
/** A destination that never needs data_access: declared a guest collection. */
const DEST_ID = "872a58ab-02b9-4233-a3e0-f017ed8ab090";

/** A workflow copying from `source` (declared as given) to a guest collection. */
const copyFrom = (source: Record<string, unknown>, extra: Record<string, unknown> = {}): Workflow =>
  WorkflowSchema.parse({
    version: 1,
    name: "consents",
    collections: { src: source, dest: { id: DEST_ID, kind: "guest" }, ...extra },
    steps: [
      {
        id: "copy",
        transfer: {
          source: "src",
          destination: "dest",
          items: [{ source: "/data/", destination: "/in/", recursive: true }],
        },
      },
    ],
  });

const OPTIONS: PlanOptions = { file: "wf.yaml", createdAt: "2026-11-27T10:00:00Z" };

const plan = (workflow: Workflow, facts: PlanFacts = {}, options: Partial<PlanOptions> = {}) =>
  planWorkflow(workflow, facts, { ...OPTIONS, ...options });

const codes = (ds: readonly Diagnostic[], severity: Diagnostic["severity"]) =>
  ds.filter((d) => d.severity === severity).map((d) => d.code);

const lookedUp = (...documents: EndpointDocument[]): PlanFacts => ({ collections: { documents } });

const required = (result: { plan?: Plan }) => result.plan?.consents.scope;

describe("consents by entity type (looked-up endpoint documents)", () => {
  it.each([
    {
      name: "GCS v5 mapped collection",
      document: MAPPED,
      scope: `${TRANSFER_ALL}[*${dataAccess(MAPPED.id)}]`,
      entityType: "GCSv5_mapped_collection",
      warnings: [],
    },
    {
      name: "GCS v5 guest collection",
      document: GUEST,
      scope: TRANSFER_ALL,
      entityType: "GCSv5_guest_collection",
      warnings: [],
    },
    {
      name: "Globus Connect Personal collection",
      document: GCP,
      scope: TRANSFER_ALL,
      entityType: "GCP_mapped_collection",
      warnings: [],
    },
    {
      name: "GCS v4 host endpoint",
      document: GCSV4,
      scope: TRANSFER_ALL,
      entityType: "GCSv4_host",
      warnings: [],
    },
    {
      name: "high-assurance GCS v5 mapped collection",
      document: HA_MAPPED,
      scope: TRANSFER_ALL,
      entityType: "GCSv5_mapped_collection",
      warnings: [],
    },
  ])("$name: $scope", ({ document, scope, entityType, warnings }) => {
    const result = plan(copyFrom({ id: document.id }), lookedUp(document));
    expect(codes(result.diagnostics, "error")).toEqual([]);
    expect(codes(result.diagnostics, "warning")).toEqual(warnings);
    expect(required(result)).toBe(scope);
    const facts = result.plan?.collections[0];
    expect(facts).toMatchObject({
      alias: "src",
      id: document.id,
      entityType,
      displayName: document.display_name,
      from: { entityType: "lookup", displayName: "lookup" },
      used: true,
      needsDataAccess: scope !== TRANSFER_ALL,
    });
  });

  it("a GCS v5 endpoint used in a step is an error, located at the step's use", () => {
    const result = plan(copyFrom({ id: GCSV5_ENDPOINT.id }), lookedUp(GCSV5_ENDPOINT));
    expect(result.plan).toBeUndefined();
    const [error] = result.diagnostics.filter((d) => d.code === "not-a-collection");
    expect(error?.summary).toContain("GCS v5 endpoint, not a collection");
    expect(error?.at?.path).toEqual(["steps", 0, "transfer", "source"]);
  });

  it("any non-functional endpoint document used in a step is an error", () => {
    const document: EndpointDocument = { ...GUEST, non_functional: true };
    const result = plan(copyFrom({ id: document.id }), lookedUp(document));
    expect(codes(result.diagnostics, "error")).toEqual(["not-a-collection"]);
  });

  it("an endpoint that no step uses is not an error", () => {
    const workflow = copyFrom({ id: MAPPED.id }, { spare: { id: GCSV5_ENDPOINT.id } });
    const result = plan(workflow, lookedUp(MAPPED, GCSV5_ENDPOINT));
    expect(codes(result.diagnostics, "error")).toEqual([]);
  });

  it("shows the session requirement of a high-assurance collection", () => {
    const result = plan(copyFrom({ id: HA_MAPPED.id }), lookedUp(HA_MAPPED));
    expect(result.plan?.consents.sessions).toEqual([
      {
        collection: "src",
        collectionId: HA_MAPPED.id,
        highAssurance: true,
        authenticationTimeoutMins: 30,
        authenticationPolicyId: null,
        mfaRequired: true,
        summary:
          "high assurance: Globus asks for a recent login with an identity the collection accepts within the last 30 minutes using multi-factor authentication",
      },
    ]);
  });

  it("warns that a client identity cannot satisfy a high-assurance collection", () => {
    const user = plan(copyFrom({ id: HA_MAPPED.id }), lookedUp(HA_MAPPED));
    expect(codes(user.diagnostics, "warning")).toEqual([]);
    const client = plan(copyFrom({ id: HA_MAPPED.id }), lookedUp(HA_MAPPED), {
      identity: "client",
    });
    expect(codes(client.diagnostics, "warning")).toEqual(["client-high-assurance"]);
    expect(client.plan?.identity).toBe("client");
    expect(client.plan?.warnings.map((w) => w.code)).toEqual(["client-high-assurance"]);
  });

  it("a client identity touching only standard collections gets no warning", () => {
    const result = plan(copyFrom({ id: MAPPED.id }), lookedUp(MAPPED), { identity: "client" });
    expect(result.diagnostics).toEqual([]);
  });
});

describe("declared facts", () => {
  it.each([
    ["mapped", "GCSv5_mapped_collection", true],
    ["guest", "GCSv5_guest_collection", false],
    ["personal", "GCP_mapped_collection", false],
    ["personal-guest", "GCP_guest_collection", false],
    ["gcsv4", "GCSv4_host", false],
    ["gcsv4-share", "GCSv4_share", false],
  ])("kind: %s (not looked up) is %s", (kind, entityType, needs) => {
    const result = plan(copyFrom({ id: MAPPED.id, kind, highAssurance: false }));
    expect(result.plan?.collections[0]).toMatchObject({
      entityType,
      highAssurance: false,
      from: { entityType: "declared", highAssurance: "declared", displayName: "unknown" },
      needsDataAccess: needs,
    });
    expect(required(result)).toBe(
      needs ? `${TRANSFER_ALL}[*${dataAccess(MAPPED.id)}]` : TRANSFER_ALL,
    );
  });

  it("declared and confirmed by the lookup: from both", () => {
    const result = plan(
      copyFrom({ id: MAPPED.id, kind: "mapped", highAssurance: false, name: "Mine" }),
      lookedUp(MAPPED),
    );
    expect(result.plan?.collections[0]?.from).toEqual({
      entityType: "both",
      highAssurance: "both",
      displayName: "both",
    });
    // The looked-up name is the one Globus shows.
    expect(result.plan?.collections[0]?.displayName).toBe(MAPPED.display_name);
  });

  it("a declared kind that contradicts the lookup is an error at the kind", () => {
    const result = plan(copyFrom({ id: GUEST.id, kind: "mapped" }), lookedUp(GUEST));
    expect(result.plan).toBeUndefined();
    const [error] = result.diagnostics;
    expect(error?.code).toBe("collection-kind-mismatch");
    expect(error?.summary).toContain("declared kind: mapped");
    expect(error?.summary).toContain("GCS v5 guest collection");
    expect(error?.at?.path).toEqual(["collections", "src", "kind"]);
  });

  it("a declared highAssurance that contradicts the lookup is an error", () => {
    const result = plan(copyFrom({ id: HA_MAPPED.id, highAssurance: false }), lookedUp(HA_MAPPED));
    expect(codes(result.diagnostics, "error")).toEqual(["collection-high-assurance-mismatch"]);
  });

  it("two aliases of one collection that declare different kinds are an error", () => {
    const workflow = copyFrom(
      { id: MAPPED.id, kind: "mapped" },
      { again: { id: MAPPED.id, kind: "guest" } },
    );
    expect(codes(plan(workflow).diagnostics, "error")).toEqual(["collection-facts-conflict"]);
  });

  it("a collection Transfer does not know is an error when used", () => {
    const result = plan(copyFrom({ id: MAPPED.id, kind: "mapped" }), {
      collections: { notFound: [MAPPED.id.toUpperCase()] },
    });
    expect(codes(result.diagnostics, "error")).toEqual(["collection-not-found"]);
  });

  it("records ids in lowercase, so scope strings use Globus's spelling", () => {
    const result = plan(
      copyFrom({ id: MAPPED.id.toUpperCase(), kind: "mapped", highAssurance: false }),
    );
    expect(result.plan?.collections[0]?.id).toBe(MAPPED.id);
    expect(required(result)).toBe(`${TRANSFER_ALL}[*${dataAccess(MAPPED.id)}]`);
  });
});

describe("warnings against Globus Auth's 'Unknown scope'", () => {
  it("warns when a declared mapped collection's high-assurance flag is unverified", () => {
    const result = plan(copyFrom({ id: MAPPED.id, kind: "mapped" }));
    expect(codes(result.diagnostics, "warning")).toEqual(["unverified-data-access"]);
    expect(result.diagnostics[0]?.summary).toContain("Unknown scope");
    // It still asks for data_access: most mapped collections are not high assurance.
    expect(required(result)).toBe(`${TRANSFER_ALL}[*${dataAccess(MAPPED.id)}]`);
  });

  it("warns, and asks for no data_access, when the kind is unknown", () => {
    const result = plan(copyFrom({ id: MAPPED.id }));
    expect(codes(result.diagnostics, "warning")).toEqual(["collection-kind-unknown"]);
    expect(required(result)).toBe(TRANSFER_ALL);
    expect(result.plan?.collections[0]?.from.entityType).toBe("unknown");
  });

  it("never asks data_access for a collection no step uses", () => {
    const workflow = copyFrom(
      { id: GUEST.id },
      { unused: { id: MAPPED.id, kind: "mapped", highAssurance: false } },
    );
    const result = plan(workflow, lookedUp(GUEST));
    expect(required(result)).toBe(TRANSFER_ALL);
    expect(result.plan?.collections.find((c) => c.alias === "unused")).toMatchObject({
      used: false,
      needsDataAccess: false,
    });
  });

  it("asks data_access once for a collection with two aliases, naming both", () => {
    const workflow = WorkflowSchema.parse({
      version: 1,
      name: "twice",
      collections: {
        a: { id: MAPPED.id },
        b: { id: MAPPED.id },
        c: { id: "aa752cea-8222-5bc8-acd9-555b090c0ccb", kind: "mapped", highAssurance: false },
      },
      steps: [
        {
          id: "one",
          transfer: { source: "a", destination: "c", items: [{ source: "/x", destination: "/y" }] },
        },
        { id: "two", delete: { collection: "b", items: ["/x"] } },
      ],
    });
    const result = plan(workflow, lookedUp(MAPPED));
    expect(required(result)).toBe(
      `${TRANSFER_ALL}[*${dataAccess(MAPPED.id)} *${dataAccess("aa752cea-8222-5bc8-acd9-555b090c0ccb")}]`,
    );
    expect(result.plan?.consents.required).toEqual([
      { scope: TRANSFER_ALL },
      { scope: dataAccess(MAPPED.id), parent: TRANSFER_ALL, collections: ["a", "b"] },
      {
        scope: dataAccess("aa752cea-8222-5bc8-acd9-555b090c0ccb"),
        parent: TRANSFER_ALL,
        collections: ["c"],
      },
    ]);
  });

  it("needsDataAccess: only a GCS v5 mapped collection that is not high assurance", () => {
    expect(needsDataAccess("GCSv5_mapped_collection", false)).toBe(true);
    expect(needsDataAccess("GCSv5_mapped_collection", null)).toBe(true);
    expect(needsDataAccess("GCSv5_mapped_collection", true)).toBe(false);
    for (const other of [
      "GCSv5_guest_collection",
      "GCSv5_endpoint",
      "GCP_mapped_collection",
      "GCP_guest_collection",
      "GCSv4_host",
      "GCSv4_share",
    ] as const) {
      expect(needsDataAccess(other, false)).toBe(false);
    }
    expect(needsDataAccess(null, false)).toBe(false);
  });
});

describe("granted and missing consents", () => {
  const workflow = copyFrom({ id: MAPPED.id });
  const facts = (scopes: string[]): PlanFacts => ({
    collections: { documents: [MAPPED] },
    granted: { scopes },
  });

  it("not logged in: everything is missing, with the command that grants it", () => {
    const consents = plan(workflow, facts([])).plan?.consents;
    expect(consents?.checked).toBe(true);
    expect(consents?.granted).toEqual([]);
    expect(consents?.missing).toEqual([TRANSFER_ALL, dataAccess(MAPPED.id)]);
    expect(consents?.command).toBe("transflow consent wf.yaml");
  });

  it("workflowScope gives the scope the plan asks for, without planning the items", () => {
    for (const document of [MAPPED, GUEST]) {
      const wf = copyFrom({ id: document.id });
      const lookups = { documents: [document] };
      expect(workflowScope(wf, lookups)).toBe(
        plan(wf, { collections: lookups }).plan?.consents.scope,
      );
    }
    expect(workflowScope(workflow, { documents: [MAPPED] })).toContain(dataAccess(MAPPED.id));
    expect(workflowScope(copyFrom({ id: GUEST.id }), { documents: [GUEST] })).toBe(TRANSFER_ALL);
  });

  it("recheckConsents: a plan made offline, checked against today's tokens", () => {
    const offline = plan(workflow, lookedUp(MAPPED)).plan;
    if (offline === undefined) throw new Error("no plan");
    expect(offline.consents.checked).toBe(false);
    const now = recheckConsents(offline, { scopes: [TRANSFER_ALL] });
    expect(now.checked).toBe(true);
    expect(now.missing).toEqual([dataAccess(MAPPED.id)]);
    expect(now.command).toBe("transflow consent wf.yaml");
    expect(offline.workflow.fingerprint).toBe(workflowFingerprint(workflow));
  });

  it("nothing known about tokens: unchecked, nothing claimed granted or missing", () => {
    const consents = plan(workflow, lookedUp(MAPPED)).plan?.consents;
    expect(consents?.checked).toBe(false);
    expect(consents?.granted).toEqual([]);
    expect(consents?.missing).toEqual([]);
    expect(consents?.scope).toBe(`${TRANSFER_ALL}[*${dataAccess(MAPPED.id)}]`);
    expect(consents?.command).toBe("transflow consent wf.yaml");
  });

  it("Transfer all without data_access: only the data_access consent is missing", () => {
    const consents = plan(workflow, facts([TRANSFER_ALL])).plan?.consents;
    expect(consents?.checked).toBe(true);
    expect(consents?.granted).toEqual([TRANSFER_ALL]);
    expect(consents?.missing).toEqual([dataAccess(MAPPED.id)]);
  });

  it("a bare token's scope cannot show data_access: unverified, not missing", () => {
    const consents = plan(workflow, {
      collections: { documents: [MAPPED] },
      granted: { scopes: [TRANSFER_ALL], dependenciesKnown: false },
    }).plan?.consents;
    expect(consents?.granted).toEqual([TRANSFER_ALL]);
    expect(consents?.missing).toEqual([]);
    expect(consents?.unverified).toEqual([dataAccess(MAPPED.id)]);
    // Transfer all itself is still checked: a token without it is missing it.
    const none = plan(workflow, {
      collections: { documents: [MAPPED] },
      granted: { scopes: ["openid"], dependenciesKnown: false },
    }).plan?.consents;
    expect(none?.missing).toEqual([TRANSFER_ALL]);
    expect(none?.unverified).toEqual([dataAccess(MAPPED.id)]);
  });

  it("a data_access consent granted for another collection does not count", () => {
    const other = `${TRANSFER_ALL}[*${dataAccess(GUEST.id)}]`;
    const consents = plan(workflow, facts([other])).plan?.consents;
    expect(consents?.missing).toEqual([dataAccess(MAPPED.id)]);
  });

  it("everything granted: nothing missing and no command", () => {
    const consents = plan(
      workflow,
      facts(["openid", `${TRANSFER_ALL}[*${dataAccess(MAPPED.id)} *${dataAccess(GUEST.id)}]`]),
    ).plan?.consents;
    expect(consents?.granted).toEqual([TRANSFER_ALL, dataAccess(MAPPED.id)]);
    expect(consents?.missing).toEqual([]);
    expect(consents?.command).toBeUndefined();
  });

  it("scopes granted across several tokens are merged", () => {
    const consents = plan(
      workflow,
      facts([TRANSFER_ALL, `${TRANSFER_ALL}[*${dataAccess(MAPPED.id)}]`]),
    ).plan?.consents;
    expect(consents?.missing).toEqual([]);
  });

  it("an unreadable stored scope is a warning and grants nothing", () => {
    const result = plan(workflow, facts(["urn:x[oops"]));
    expect(codes(result.diagnostics, "warning")).toEqual(["granted-scope-unreadable"]);
    expect(result.plan?.consents.missing).toHaveLength(2);
  });

  it("the command carries the inputs that differ from their defaults, shell-quoted", () => {
    const withInputs = WorkflowSchema.parse({
      ...copyFrom({ id: MAPPED.id }),
      inputs: {
        run: { type: "string", default: "latest" },
        day: { type: "string" },
        keep: { type: "boolean", default: false },
      },
    });
    const consents = plan(withInputs, lookedUp(MAPPED), {
      file: "my flows/wf.yaml",
      inputs: { run: "latest", day: "2026 11's", keep: true },
    }).plan?.consents;
    expect(consents?.command).toBe(
      `transflow consent 'my flows/wf.yaml' --input 'day=2026 11'\\''s' --input keep=true`,
    );
  });
});

/**
 * What `collections show` and `collections search` tell about endpoint documents: the recorded
 * documents of each entity type (kind, data_access, workflow entry), aliases from display names,
 * and the entry points against an in-process sandbox with client credentials.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest";
import { EndpointDocument } from "@transflow/core/globus";
import { defaultConfig, defaultIds, type RunningSandbox, startSandbox } from "@transflow/sandbox";
import {
  collectionAlias,
  collectionDetails,
  runCollectionSearch,
  runCollectionShow,
} from "../../src/auth/CollectionsCommands.ts";
import { fixture } from "../globus/support.ts";

const recorded = (name: string) =>
  collectionDetails(EndpointDocument.parse(fixture(`transfer/get_endpoint_${name}`)));

describe("collectionDetails", () => {
  it("a GCS v5 mapped collection needs data_access, with the scope strings to ask for", () => {
    const details = recorded("mapped_collection");
    const id = "1405823f-0597-4a16-b296-46d4f0ae4b15";
    expect(details).toMatchObject({
      id,
      displayName: "Happy Fun Mapped Collection Name",
      entityType: "GCSv5_mapped_collection",
      kind: "mapped",
      isCollection: true,
      highAssurance: false,
      dataAccessRequired: true,
      dataAccessScope: `https://auth.globus.org/scopes/${id}/data_access`,
      transferScope: `urn:globus:auth:scope:transfer.api.globus.org:all[*https://auth.globus.org/scopes/${id}/data_access]`,
      workflowEntry: {
        alias: "happy-fun-mapped-collection-name",
        collection: {
          id,
          name: "Happy Fun Mapped Collection Name",
          kind: "mapped",
          highAssurance: false,
        },
      },
    });
  });

  it.each([
    ["guest_collection", "GCSv5_guest_collection", "guest"],
    ["gcp_mapped_collection", "GCP_mapped_collection", "personal"],
    ["gcsv4_host", "GCSv4_host", "gcsv4"],
  ] as const)("%s needs no data_access and is kind %s", (name, entityType, kind) => {
    const details = recorded(name);
    expect(details.entityType).toBe(entityType);
    expect(details.kind).toBe(kind);
    expect(details.isCollection).toBe(true);
    expect(details.dataAccessRequired).toBe(false);
    expect(details.dataAccessScope).toBeUndefined();
    expect(details.workflowEntry?.collection.kind).toBe(kind);
  });

  it("a GCS v5 endpoint is not a collection: no kind, no workflow entry", () => {
    const details = recorded("gcsv5_endpoint");
    expect(details).toMatchObject({
      entityType: "GCSv5_endpoint",
      isCollection: false,
      dataAccessRequired: false,
    });
    expect(details.kind).toBeUndefined();
    expect(details.workflowEntry).toBeUndefined();
  });

  it("a high-assurance mapped collection: no data_access, its session policy instead", () => {
    const document = EndpointDocument.parse({
      ...(fixture("transfer/get_endpoint_mapped_collection") as object),
      high_assurance: true,
      authentication_timeout_mins: 30,
      mfa_required: true,
      authentication_policy_id: "7d7a4ed4-8a4a-4e9a-8d0a-2a4c5c9b1e01",
    });
    const details = collectionDetails(document);
    expect(details.dataAccessRequired).toBe(false);
    expect(details.session).toEqual({
      authenticationTimeoutMins: 30,
      mfaRequired: true,
      authenticationPolicyId: "7d7a4ed4-8a4a-4e9a-8d0a-2a4c5c9b1e01",
    });
    expect(details.workflowEntry?.collection).toMatchObject({
      kind: "mapped",
      highAssurance: true,
    });
  });
});

describe("collectionAlias", () => {
  it.each([
    ["Sandbox Mapped Collection", "sandbox-mapped-collection"],
    ["Sandbox Laptop (Globus Connect Personal)", "sandbox-laptop-globus-connect-personal"],
    ["  ESnet   Read-Only Test DTN at CERN ", "esnet-read-only-test-dtn-at-cern"],
    ["2024 results", "c-2024-results"],
    ["!!!", "collection"],
    [
      "A very long display name that goes on and on and on forever",
      "a-very-long-display-name-that-goes-on-an",
    ],
  ])("%s → %s", (name, alias) => {
    expect(collectionAlias(name)).toBe(alias);
    expect(alias).toMatch(/^[A-Za-z_][A-Za-z0-9_-]*$/);
  });
});

describe("the entry points against a sandbox", () => {
  let sandbox: RunningSandbox;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "transflow-collections-"));
    sandbox = await startSandbox(defaultConfig, { port: 0, dataDir, checkResponses: true });
  });
  afterAll(async () => {
    await sandbox?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });
  const env = () => ({
    GLOBUS_SDK_SERVICE_URL_AUTH: sandbox.env.GLOBUS_SDK_SERVICE_URL_AUTH,
    GLOBUS_SDK_SERVICE_URL_TRANSFER: sandbox.env.GLOBUS_SDK_SERVICE_URL_TRANSFER,
    TRANSFLOW_CLIENT_ID: sandbox.env.TRANSFLOW_CLIENT_ID,
    TRANSFLOW_CLIENT_SECRET: sandbox.env.TRANSFLOW_CLIENT_SECRET,
    TRANSFLOW_HOME: join(dataDir, "home"),
  });

  it("search finds the collections and marks the GCS endpoint", async () => {
    const outcome = await runCollectionSearch({ env: env(), text: "sandbox", limit: 25 });
    if (!outcome.ok) throw new Error(outcome.error.message);
    const byId = new Map(outcome.value.collections.map((c) => [c.id, c]));
    expect(byId.get(defaultIds.gcsEndpoint)?.isCollection).toBe(false);
    expect(byId.get(defaultIds.mappedCollection)?.dataAccessRequired).toBe(true);
    expect(byId.get(defaultIds.guestCollection)?.dataAccessRequired).toBe(false);
    expect(byId.get(defaultIds.highAssuranceCollection)?.dataAccessRequired).toBe(false);
    expect(outcome.value.more).toBe(false);
  });

  it("show answers EndpointNotFound for an unknown id, with Transfer's request id", async () => {
    const outcome = await runCollectionShow({
      env: env(),
      id: "c0ffee00-0000-4000-8000-00000000ffff",
    });
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error).toMatchObject({ _tag: "GlobusApiError", code: "EndpointNotFound" });
    expect(outcome.error._tag === "GlobusApiError" && outcome.error.requestId).toMatch(/^\w{9}$/);
  });

  it("without an identity, says how to log in", async () => {
    const { TRANSFLOW_CLIENT_ID: _, TRANSFLOW_CLIENT_SECRET: __, ...anonymous } = env();
    const outcome = await runCollectionShow({ env: anonymous, id: defaultIds.guestCollection });
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error._tag).toBe("LoginRequiredError");
    expect(outcome.error.message).toContain("transflow login");
  });
});

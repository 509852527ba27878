/**
 * `transflow collections`: the search table (GCS endpoints marked, the seed's warning under it),
 * the details with a workflow entry that validates, usage errors before any request, and the exit
 * code of each failure.
 */
import { checkWorkflow, parseWorkflowText } from "@transflow/core";
import type { CollectionDetails, CollectionSummary } from "@transflow/runner";
import { GlobusApiError, GlobusUnavailableError, LoginRequiredError } from "@transflow/runner";
import { describe, expect, it } from "vitest";
import {
  exitCodeOfCollectionsError,
  nextStep,
  renderDetails,
  renderSearch,
} from "../../src/commands/collections.ts";
import type { Io } from "../../src/Io.ts";
import { CommanderError, makeProgram } from "../../src/program.ts";
import { makeStyle } from "../../src/render/Style.ts";

const plain = makeStyle({ isTTY: false }, {});
const MAPPED = "c0ffee00-0000-4000-8000-000000000002";

const summary = (patch: Partial<CollectionSummary>): CollectionSummary => ({
  id: MAPPED,
  displayName: "Lab Storage",
  entityType: "GCSv5_mapped_collection",
  kind: "mapped",
  isCollection: true,
  owner: "lab@example.org",
  highAssurance: false,
  dataAccessRequired: true,
  ...patch,
});

const apiError = (status: number, code: string) =>
  new GlobusApiError({
    service: "transfer",
    status,
    code,
    globusMessage: "nope",
    requestId: "AbCdEfGh1",
    resource: "/endpoint/x",
    method: "GET",
    url: "https://transfer.test/v0.10/endpoint/x",
    retryAfterSeconds: undefined,
    body: undefined,
  });

describe("renderSearch", () => {
  it("marks GCS endpoints as not collections and prints the warning under the table", () => {
    const text = renderSearch(
      [
        summary({}),
        summary({
          id: "c0ffee00-0000-4000-8000-000000000001",
          displayName: "Lab Endpoint",
          entityType: "GCSv5_endpoint",
          kind: undefined,
          isCollection: false,
          dataAccessRequired: false,
        }),
      ],
      true,
      plain,
    );
    const lines = text.split("\n");
    expect(lines[0]).toMatch(/^id\s+display name\s+entity type\s+owner\s+data_access consent$/);
    expect(lines[1]).toMatch(/Lab Storage\s+GCS v5 mapped collection\s+lab@example.org\s+needed$/);
    expect(lines[2]).toMatch(/Lab Endpoint\s+GCS endpoint, not a collection\s+\S+\s+n\/a$/);
    expect(text).toContain("More results: raise --limit");
    expect(text).toMatch(/note: Search also finds GCS endpoints \(entity type GCSv5_endpoint\)/);
    expect(text).toContain("cannot be used in a workflow");
  });

  it("says when nothing was found", () => {
    expect(renderSearch([], false, plain)).toBe("no collections found\n");
  });
});

describe("renderDetails", () => {
  const details: CollectionDetails = {
    ...summary({ displayName: 'Lab "Storage": main' }),
    description: undefined,
    endpoint: undefined,
    session: {
      authenticationTimeoutMins: 30,
      mfaRequired: true,
      authenticationPolicyId: undefined,
    },
    dataAccessScope: `https://auth.globus.org/scopes/${MAPPED}/data_access`,
    transferScope: `urn:globus:auth:scope:transfer.api.globus.org:all[*https://auth.globus.org/scopes/${MAPPED}/data_access]`,
    workflowEntry: {
      alias: "lab-storage-main",
      collection: { id: MAPPED, name: 'Lab "Storage": main', kind: "mapped", highAssurance: false },
    },
  };

  it("shows the session policy and the data_access scope", () => {
    const text = renderDetails(details, plain);
    expect(text).toContain("a login within the last 30 minutes");
    expect(text).toMatch(/mfa required\s+yes/);
    expect(text).toContain(
      `data_access scope    https://auth.globus.org/scopes/${MAPPED}/data_access`,
    );
  });

  it("prints a collections: entry that is a valid workflow declaration as pasted", () => {
    const text = renderDetails(details, plain);
    const entry = text.slice(text.indexOf("\ncollections:\n") + 1);
    const source = `version: 1\nname: pasted\n${entry}steps:\n  - id: mk\n    mkdir: { collection: lab-storage-main, paths: [/in/] }\n`;
    const parsed = parseWorkflowText(source, "pasted.yaml");
    expect(parsed.diagnostics).toEqual([]);
    const checked = checkWorkflow({
      file: "pasted.yaml",
      value: parsed.value,
      locate: parsed.locate,
    });
    expect(checked.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(checked.workflow?.collections["lab-storage-main"]).toEqual({
      id: MAPPED,
      name: 'Lab "Storage": main',
      kind: "mapped",
      highAssurance: false,
    });
  });
});

describe("exit codes and next steps", () => {
  it.each([
    [apiError(404, "EndpointNotFound"), 2, "transflow collections search"],
    [apiError(403, "PermissionDenied"), 1, "ask its administrator"],
    [apiError(503, "ServiceUnavailable"), 4, "again in a few minutes"],
    [apiError(400, "BadRequest"), 1, "--filter-scope"],
  ])("%s → exit %i", (error, code, hint) => {
    expect(exitCodeOfCollectionsError(error)).toBe(code);
    expect(nextStep(error, {})).toContain(hint);
  });

  it("Globus unreachable is 4; not logged in is 3", () => {
    const unavailable = new GlobusUnavailableError({
      service: "transfer",
      method: "GET",
      url: "https://transfer.test/",
      reason: "timeout",
      cause: undefined,
    });
    expect(exitCodeOfCollectionsError(unavailable)).toBe(4);
    expect(nextStep(unavailable, {})).toContain("run the same command again");
    const login = new LoginRequiredError({ reason: "log in", resourceServer: undefined });
    expect(exitCodeOfCollectionsError(login)).toBe(3);
  });
});

describe("usage errors, before any request", () => {
  const run = async (args: string[]) => {
    let stderr = "";
    let code = -1;
    const io: Io = {
      stdout: { write: () => true },
      stderr: {
        write: (text: string) => {
          stderr += text;
          return true;
        },
      },
      env: {},
      cwd: process.cwd(),
    };
    const program = makeProgram(io, "0.0.0", (c) => {
      code = c;
    });
    try {
      await program.parseAsync(["node", "transflow", ...args]);
    } catch (error) {
      if (!(error instanceof CommanderError)) throw error;
      code = 2;
    }
    return { code, stderr };
  };

  it.each([
    [["collections", "search"], "give words to search for"],
    [
      ["collections", "search", "lab", "--filter-scope", "shared-wit-me"],
      'did you mean "shared-with-me"?',
    ],
    [["collections", "search", "lab", "--limit", "5000"], "at most 1000"],
    [["collections", "search", "lab", "--limit", "0"], "at least 1"],
    [["collections", "show"], "missing required argument"],
  ])("%j", async (args, message) => {
    const result = await run(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });
});

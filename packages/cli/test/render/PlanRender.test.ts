/**
 * The plan renderers on plans made by core's planner: what a reader relies on (marks per consent,
 * one row per step, batches summed up past a few, Mermaid labels that survive odd names).
 */
import { planWorkflow, WorkflowSchema } from "@transflow/core";
import { describe, expect, it } from "vitest";
import { renderPlanMermaid } from "../../src/render/PlanMermaid.ts";
import { renderPlanText } from "../../src/render/PlanText.ts";
import { makeStyle } from "../../src/render/Style.ts";
import { renderTable } from "../../src/render/Table.ts";

const MAPPED = "2d1d4873-a849-4b9c-bd34-2034a2163003";
const GUEST = "872a58ab-02b9-4233-a3e0-f017ed8ab090";
const TRANSFER_ALL = "urn:globus:auth:scope:transfer.api.globus.org:all";
const plain = makeStyle({ isTTY: false }, {});

const workflow = WorkflowSchema.parse({
  version: 1,
  name: "render",
  collections: {
    hpc: { id: MAPPED, kind: "mapped", highAssurance: false },
    share: { id: GUEST, kind: "guest" },
  },
  steps: [
    { id: "mk", mkdir: { collection: "share", paths: ["/in/"] } },
    {
      id: "copy-all",
      needs: ["mk"],
      transfer: { source: "hpc", destination: "share", itemsFrom: "items.txt" },
    },
  ],
});

const lines = Array.from({ length: 25 }, (_, i) => `/data/f${i} /in/f${i}`);
const planOf = (granted?: string[]) => {
  const result = planWorkflow(
    workflow,
    granted === undefined ? {} : { granted: { scopes: granted } },
    {
      file: "wf.yaml",
      createdAt: "2026-11-28T00:00:00.000Z",
      maxItemsPerBatch: 2,
      batchLines: { "copy-all": lines },
    },
  );
  if (result.plan === undefined) throw new Error(JSON.stringify(result.diagnostics));
  return result.plan;
};

describe("renderPlanText", () => {
  it("marks each consent granted or missing, and gives the command for the missing", () => {
    const text = renderPlanText(planOf([TRANSFER_ALL]), plain);
    expect(text).toContain(`✓ ${TRANSFER_ALL}: granted`);
    expect(text).toContain(`✗ https://auth.globus.org/scopes/${MAPPED}/data_access (hpc): missing`);
    expect(text).toContain("1 consent missing; grant it with: transflow consent wf.yaml");
  });

  it("says consents were not checked when nothing is known of tokens", () => {
    const text = renderPlanText(planOf(), plain);
    expect(text).toContain(`? ${TRANSFER_ALL}: not checked`);
    expect(text).not.toContain("missing;");
  });

  it("lists a step's first batches and its last, summing up the rest", () => {
    const text = renderPlanText(planOf([]), plain);
    // 25 items in batches of 2: 13 batches; 5 shown, 7 summed up, then the last.
    expect(text).toMatch(/batch 1 {2}2 items {2}\/data\/f0 → \/in\/f0 … \/data\/f1 → \/in\/f1/);
    expect(text).toContain("… 7 more batches");
    expect(text).toMatch(/batch 13 {2}1 item {2}\/data\/f24 → \/in\/f24/);
    expect(text).not.toContain("batch 6 ");
    expect(text).toContain("26 items in 13 tasks (13 transfer, 0 delete) and 1 mkdir");
  });

  it("has no colour codes without a terminal, and some with one", () => {
    expect(renderPlanText(planOf([]), plain)).not.toContain("\u001b[");
    const tty = makeStyle({ isTTY: true }, {});
    expect(renderPlanText(planOf([]), tty)).toContain("\u001b[31m");
    expect(renderPlanText(planOf([]), makeStyle({ isTTY: true }, { NO_COLOR: "1" }))).not.toContain(
      "\u001b[",
    );
  });
});

describe("renderPlanMermaid", () => {
  it("draws one node per step and one arrow per need", () => {
    const text = renderPlanMermaid(planOf([]));
    expect(text.split("\n")).toEqual([
      "flowchart TD",
      '  step1["mk<br/>mkdir on share<br/>1 directory"]',
      '  step2["copy-all<br/>transfer hpc → share<br/>25 items, 13 tasks"]',
      "  step1 --> step2",
      "",
    ]);
  });
});

describe("renderTable", () => {
  it("pads columns to the widest cell, right-aligning the ones asked for", () => {
    expect(
      renderTable(
        ["name", "n"],
        [
          ["a", "1"],
          ["longer", "100"],
        ],
        { alignRight: [1] },
      ),
    ).toEqual(["name      n", "a         1", "longer  100"]);
  });
});

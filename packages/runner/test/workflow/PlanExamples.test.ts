/**
 * The plan of every example workflow, offline, as plan.json: a change to planning shows up here as
 * a diff a reviewer can read. Inputs take their defaults except where an example requires one.
 */
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { planJson } from "@transflow/core";
import { describe, expect, it } from "vitest";
import { planPreparedWorkflow } from "../../src/workflow/PlanWorkflow.ts";
import { prepareWorkflowFile } from "../../src/workflow/PrepareWorkflow.ts";

const examples = readdirSync(
  fileURLToPath(new URL("../../../../workflows/", import.meta.url)),
).filter((f) => /\.(ya?ml|json|ts)$/.test(f));

describe("plans of the example workflows", () => {
  it("covers every example", () => {
    expect(examples.length).toBeGreaterThanOrEqual(4);
  });

  it.each(examples)("%s", async (name) => {
    // Named from the repository root (vitest's working directory), as users name files, so the
    // snapshot does not depend on where the repository is.
    const prepared = await prepareWorkflowFile(`workflows/${name}`, { env: {} });
    const result = await planPreparedWorkflow(
      prepared,
      {},
      {
        createdAt: "2026-11-28T00:00:00.000Z",
      },
    );
    expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    if (result.plan === undefined) throw new Error("no plan");
    await expect(planJson(result.plan)).toMatchFileSnapshot(`__snapshots__/${name}.plan.json`);
  });
});

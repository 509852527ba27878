/**
 * `transflow plan <workflow>`: what a run would need (consents) and do (steps, batches), without
 * running anything. Looks the collections up unless `--offline`; writes plan.json with `-o`.
 * Exit 0: the plan is good; 2: the workflow is invalid; 3: consents are missing.
 */
import {
  batchDocument,
  type Diagnostic,
  hasErrors,
  type Plan,
  type PlanFacts,
  type PlanIdentity,
  planJsonChunks,
} from "@transflow/core";
import {
  planPreparedWorkflow,
  prepareWorkflowFile,
  writePlanFile,
} from "@transflow/runner/workflow";
import { ExitCode, type Io } from "../Io.ts";
import { renderDiagnostic } from "../render/Diagnostics.ts";
import { renderPlanMermaid } from "../render/PlanMermaid.ts";
import { renderPlanText } from "../render/PlanText.ts";
import { makeStyle } from "../render/Style.ts";
import { type InputOptions, readInputs } from "./inputs.ts";

export type PlanFormat = "text" | "json" | "mermaid";

export interface PlanCommandOptions extends InputOptions {
  readonly offline?: boolean;
  readonly json?: boolean;
  readonly format?: PlanFormat;
  readonly output?: string;
  readonly showDocuments?: boolean;
  readonly maxItemsPerBatch?: number;
}

/**
 * When the plan was made: now, or `SOURCE_DATE_EPOCH` (seconds) when set, so that the same
 * workflow and facts give a byte-identical plan.json in reproducible pipelines and tests.
 */
const createdAt = (env: Io["env"]): string => {
  const epoch = env.SOURCE_DATE_EPOCH;
  const seconds = epoch === undefined || !/^\d+$/.test(epoch) ? undefined : Number(epoch);
  return new Date(seconds === undefined ? Date.now() : seconds * 1000).toISOString();
};

/** What is known before planning: looked up at Globus, or (offline) only what the file declares. */
const gatherFacts = async (
  io: Io,
  options: PlanCommandOptions,
  prepared: Awaited<ReturnType<typeof prepareWorkflowFile>>,
): Promise<{ facts: PlanFacts; identity: PlanIdentity; diagnostics: readonly Diagnostic[] }> => {
  if (options.offline === true || prepared.workflow === undefined) {
    return { facts: {}, identity: "user", diagnostics: [] };
  }
  // Loaded only here: Effect and the HTTP client are not needed offline.
  const { gatherPlanFacts } = await import("@transflow/runner");
  return gatherPlanFacts({
    workflow: prepared.workflow,
    file: prepared.file,
    locate: prepared.locate,
    env: io.env,
  });
};

const writeChunks = async (io: Io, chunks: Iterable<string>): Promise<void> => {
  const stream = io.stdout as Io["stdout"] & {
    once?: (event: "drain", listener: () => void) => unknown;
  };
  for (const chunk of chunks) {
    if (stream.write(chunk) === false && stream.once !== undefined) {
      await new Promise<void>((resolve) => stream.once?.("drain", resolve));
    }
  }
};

/** Every batch's exact Transfer request, as `globus transfer --dry-run` shows one. */
const renderDocuments = (plan: Plan): string => {
  const now = new Date(plan.createdAt);
  const out: string[] = [];
  for (const step of plan.steps) {
    step.batches.forEach((_, index) => {
      const sent = batchDocument(step, index, { now });
      if (sent === undefined) return;
      const where =
        sent.action === "mkdir"
          ? `POST /v0.10/operation/endpoint/${sent.collectionId}/mkdir`
          : `POST /v0.10/${sent.action}`;
      out.push(
        `# step ${step.id}, batch ${index + 1} of ${step.batches.length}: ${where} (submission_id added at run time)`,
        JSON.stringify(sent.document, null, 2),
      );
    });
  }
  return `${out.join("\n")}\n`;
};

export const planCommand = async (
  io: Io,
  file: string,
  options: PlanCommandOptions,
): Promise<number> => {
  const format: PlanFormat = options.json === true ? "json" : (options.format ?? "text");
  const err = makeStyle(io.stderr, io.env);
  if (options.showDocuments === true && format !== "text") {
    io.stderr.write(
      `${err.red("error")}: --show-documents goes with the text format; plan.json (-o) holds every item already\n`,
    );
    return ExitCode.invalid;
  }
  const given = await readInputs(options);
  const prepared = await prepareWorkflowFile(file, { inputs: given.inputs, env: io.env });
  const gathered = hasErrors(given.diagnostics)
    ? { facts: {}, identity: "user" as const, diagnostics: [] }
    : await gatherFacts(io, options, prepared);
  const result = hasErrors(given.diagnostics)
    ? { diagnostics: [] }
    : await planPreparedWorkflow(prepared, gathered.facts, {
        createdAt: createdAt(io.env),
        identity: gathered.identity,
        ...(options.maxItemsPerBatch === undefined
          ? {}
          : { maxItemsPerBatch: options.maxItemsPerBatch }),
      });
  const diagnostics = [...given.diagnostics, ...gathered.diagnostics, ...result.diagnostics];
  const plan = hasErrors(diagnostics) ? undefined : result.plan;

  if (plan === undefined) {
    if (format === "json") {
      io.stdout.write(`${JSON.stringify({ valid: false, diagnostics }, null, 2)}\n`);
    } else {
      for (const d of diagnostics) io.stderr.write(renderDiagnostic(d, err));
      const errors = diagnostics.filter((d) => d.severity === "error").length;
      io.stderr.write(`${err.red("✗")} no plan: ${errors} error${errors === 1 ? "" : "s"}\n`);
    }
    return ExitCode.invalid;
  }

  // Warnings from the lookup are not part of the plan; they still reach the user.
  const outside = gathered.diagnostics;
  if (format !== "json") for (const d of outside) io.stderr.write(renderDiagnostic(d, err));

  let written: { file: string; bytes: number } | undefined;
  if (options.output !== undefined) {
    written = { file: options.output, bytes: await writePlanFile(options.output, plan) };
  }
  switch (format) {
    case "json":
      if (written === undefined) await writeChunks(io, planJsonChunks(plan));
      else {
        const { steps: _, ...head } = plan;
        io.stdout.write(
          `${JSON.stringify({ planFile: written.file, bytes: written.bytes, ...head, diagnostics: outside }, null, 2)}\n`,
        );
      }
      break;
    case "mermaid":
      io.stdout.write(renderPlanMermaid(plan));
      break;
    case "text": {
      const out = makeStyle(io.stdout, io.env);
      io.stdout.write(renderPlanText(plan, out));
      if (options.showDocuments === true) io.stdout.write(`\n${renderDocuments(plan)}`);
      if (written !== undefined) {
        io.stdout.write(
          `\n${out.green("✓")} wrote ${written.file} (${written.bytes.toLocaleString("en")} bytes): run it later with transflow run ${written.file}\n`,
        );
      }
      break;
    }
  }
  const { consents } = plan;
  return consents.checked && consents.missing.length > 0 ? ExitCode.consentRequired : ExitCode.ok;
};

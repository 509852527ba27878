/**
 * A plan for people: collections and their facts, consents (granted, missing, and the command that
 * grants them), steps and batches as a table, Globus's limits and the warnings. Reads only each
 * batch's first and last item, so a million-item plan renders at once.
 */
import {
  type BatchSummary,
  batchSummary,
  type Plan,
  type PlanBatch,
  type PlanCollection,
  type PlanStep,
  type PlanTransferItem,
} from "@transflow/core";
import type { EntityType } from "@transflow/core/globus";
import { renderDiagnostic } from "./Diagnostics.ts";
import type { Style } from "./Style.ts";
import { renderTable } from "./Table.ts";

/** Batches listed per step before the rest are summed up in one line. */
const SHOWN_BATCHES = 5;

const count = (n: number, word: string, plural = `${word}s`): string =>
  `${n.toLocaleString("en")} ${n === 1 ? word : plural}`;

const ENTITY_TYPES: Record<EntityType, string> = {
  GCSv5_mapped_collection: "GCS v5 mapped collection",
  GCSv5_guest_collection: "GCS v5 guest collection",
  GCSv5_endpoint: "GCS v5 endpoint (not a collection)",
  GCP_mapped_collection: "Globus Connect Personal",
  GCP_guest_collection: "Globus Connect Personal guest",
  GCSv4_host: "GCS v4 endpoint",
  GCSv4_share: "GCS v4 shared endpoint",
};

const describeCollection = (c: PlanCollection): string => {
  const kind = c.entityType === null ? "kind unknown" : ENTITY_TYPES[c.entityType];
  return c.highAssurance === true ? `${kind}, high assurance` : kind;
};

/** Where the facts came from, in one word. */
const factSource = (c: PlanCollection): string => {
  const sources = new Set([c.from.entityType, c.from.highAssurance]);
  if (sources.has("lookup") || sources.has("both")) return "looked up";
  if (sources.has("declared")) return "declared";
  return "unknown";
};

const shortItem = (item: PlanTransferItem | string | undefined): string => {
  if (item === undefined) return "";
  if (typeof item === "string") return item;
  const [source, destination, recursive] = item;
  return `${source} → ${destination}${recursive === true ? " (recursive)" : ""}`;
};

const batchRange = (summary: BatchSummary<PlanTransferItem | string>): string =>
  summary.itemCount === 1
    ? shortItem(summary.first)
    : `${shortItem(summary.first)} … ${shortItem(summary.last)}`;

const stepWhere = (plan: Plan, step: PlanStep): string => {
  const name = (alias: string) =>
    plan.collections.find((c) => c.alias === alias)?.displayName ?? alias;
  switch (step.action) {
    case "transfer":
      return `${step.source} → ${step.destination}`;
    case "delete":
    case "mkdir":
      return name(step.collection) === step.collection
        ? step.collection
        : `${step.collection} (${name(step.collection)})`;
  }
};

const stepOptions = (step: PlanStep): string => {
  if (step.action === "mkdir") return "";
  const parts: string[] = [];
  for (const [key, value] of Object.entries(step.options)) {
    if (key === "label" || key === "filterRules") continue;
    parts.push(value === true ? key : `${key}=${typeof value === "object" ? "…" : String(value)}`);
  }
  if (step.action === "transfer" && step.options.filterRules !== undefined) {
    parts.push(`${count(step.options.filterRules.length, "filter rule")}`);
  }
  return parts.join(", ");
};

const batchLines = (step: PlanStep, style: Style): string[] => {
  const batches = step.batches as readonly PlanBatch<PlanTransferItem | string>[];
  const lines: string[] = [];
  const line = (batch: PlanBatch<PlanTransferItem | string>, index: number) => {
    const summary = batchSummary(batch);
    lines.push(
      `       ${style.dim(`batch ${index + 1}`)}  ${count(summary.itemCount, "item")}  ${batchRange(summary)}  ${style.dim(batch.fingerprint.slice(0, 19))}`,
    );
  };
  if (step.action === "mkdir") return lines;
  const head = batches.length > SHOWN_BATCHES + 1 ? SHOWN_BATCHES : batches.length;
  for (let i = 0; i < head; i++) line(batches[i] as PlanBatch<PlanTransferItem | string>, i);
  if (head < batches.length) {
    const rest = batches.length - head - 1;
    lines.push(`       ${style.dim(`… ${count(rest, "more batch", "more batches")}`)}`);
    line(batches[batches.length - 1] as PlanBatch<PlanTransferItem | string>, batches.length - 1);
  }
  return lines;
};

/** What a run would need and do, for a terminal. */
export const renderPlanText = (plan: Plan, style: Style): string => {
  const out: string[] = [];
  const section = (title: string) => out.push("", style.bold(title));

  out.push(
    `${style.bold("Plan")} for ${style.bold(plan.workflow.name)} (${plan.workflow.file}), run by a ${plan.identity === "client" ? "client identity" : "user"}`,
  );
  out.push(style.dim(`workflow ${plan.workflow.fingerprint}`));
  const inputs = Object.entries(plan.inputs);
  if (inputs.length > 0) {
    out.push(`inputs: ${inputs.map(([name, value]) => `${name}=${String(value)}`).join(", ")}`);
  }

  section("Collections");
  out.push(
    ...renderTable(
      ["collection", "id", "type", "facts", "data_access"],
      plan.collections.map((c) => [
        c.displayName === null || c.displayName === c.alias
          ? c.alias
          : `${c.alias} (${c.displayName})`,
        c.id,
        describeCollection(c),
        factSource(c),
        c.needsDataAccess ? "needed" : c.used ? "-" : "unused",
      ]),
    ).map((row) => `  ${row}`),
  );

  section("Consents");
  const { consents } = plan;
  out.push(`  scope: ${consents.scope}`);
  for (const required of consents.required) {
    const what = required.collections ? ` (${required.collections.join(", ")})` : "";
    const [mark, state] = !consents.checked
      ? [style.dim("?"), style.dim("not checked")]
      : consents.granted.includes(required.scope)
        ? [style.green("✓"), "granted"]
        : consents.unverified.includes(required.scope)
          ? [style.yellow("?"), style.yellow("unverified")]
          : [style.red("✗"), style.red("missing")];
    out.push(`  ${mark} ${required.scope}${what}: ${state}`);
  }
  if (!consents.checked) {
    out.push(
      `  ${style.dim("consents were not checked (--offline, or no tokens); this grants them all:")} ${consents.command ?? ""}`,
    );
  } else if (consents.missing.length > 0 && consents.command !== undefined) {
    out.push(
      `  ${style.yellow("→")} ${count(consents.missing.length, "consent")} missing; grant ${consents.missing.length === 1 ? "it" : "them"} with: ${style.bold(consents.command)}`,
    );
  }
  if (consents.unverified.length > 0) {
    out.push(
      `  ${style.dim("a refresh token given in the environment cannot show data_access consents; a run stops for consent if one is missing")}`,
    );
  }
  for (const session of consents.sessions) {
    out.push(`  ${style.yellow("!")} ${session.collection}: ${session.summary}`);
  }

  section("Steps");
  const { limits } = plan;
  out.push(
    ...renderTable(
      ["#", "step", "action", "where", "items", "tasks", "needs", "options"],
      plan.steps.map((step, i) => [
        String(i + 1),
        step.id,
        step.action,
        stepWhere(plan, step),
        step.itemCount.toLocaleString("en"),
        step.action === "mkdir" ? "-" : step.batches.length.toLocaleString("en"),
        step.needs.length === 0 ? "-" : step.needs.join(", "),
        stepOptions(step),
      ]),
      { alignRight: [0, 4, 5] },
    ).flatMap((row, i) => {
      const step = i === 0 ? undefined : plan.steps[i - 1];
      return [`  ${row}`, ...(step === undefined ? [] : batchLines(step, style))];
    }),
  );
  out.push(
    "",
    `${style.bold("Limits")}: ${count(limits.items, "item")} in ${count(limits.tasks, "task")} (${limits.transferTasks.toLocaleString("en")} transfer, ${limits.deleteTasks.toLocaleString("en")} delete)${limits.mkdirOperations === 0 ? "" : ` and ${count(limits.mkdirOperations, "mkdir")}`}; batches of at most ${limits.maxItemsPerBatch.toLocaleString("en")} items; Globus keeps ${limits.maxPendingTasks} pending and works on ${limits.maxActiveTasks} at a time per user.`,
  );

  if (plan.warnings.length > 0) {
    section("Warnings");
    for (const warning of plan.warnings) {
      out.push(`  ${renderDiagnostic(warning, style).trimEnd().replaceAll("\n", "\n  ")}`);
    }
  }
  return `${out.join("\n")}\n`;
};

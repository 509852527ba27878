/**
 * The step graph of a plan as a Mermaid flowchart, to paste into a pull request: one node per step
 * (what it does, where, how many items and tasks), one arrow per `needs`.
 */
import type { Plan, PlanStep } from "@transflow/core";

/** Mermaid labels are double-quoted; these characters are written as entity codes inside them. */
const escapeLabel = (text: string): string =>
  text
    .replaceAll("&", "#amp;")
    .replaceAll('"', "#quot;")
    .replaceAll("<", "#lt;")
    .replaceAll(">", "#gt;");

const items = (n: number, word: string, plural = `${word}s`): string =>
  `${n.toLocaleString("en")} ${n === 1 ? word : plural}`;

const label = (step: PlanStep): string => {
  const head = `${step.id}`;
  switch (step.action) {
    case "transfer":
      return [
        head,
        `transfer ${step.source} → ${step.destination}`,
        `${items(step.itemCount, "item")}, ${items(step.batches.length, "task")}`,
      ].join("<br/>");
    case "delete":
      return [
        head,
        `delete on ${step.collection}`,
        `${items(step.itemCount, "path")}, ${items(step.batches.length, "task")}`,
      ].join("<br/>");
    case "mkdir":
      return [
        head,
        `mkdir on ${step.collection}`,
        items(step.itemCount, "directory", "directories"),
      ].join("<br/>");
  }
};

export const renderPlanMermaid = (plan: Plan): string => {
  const node = new Map(plan.steps.map((step, i) => [step.id, `step${i + 1}`]));
  const lines = ["flowchart TD"];
  plan.steps.forEach((step, i) => {
    const text = label(step).split("<br/>").map(escapeLabel).join("<br/>");
    lines.push(`  step${i + 1}["${text}"]`);
  });
  for (const step of plan.steps) {
    for (const need of step.needs) lines.push(`  ${node.get(need)} --> ${node.get(step.id)}`);
  }
  return `${lines.join("\n")}\n`;
};

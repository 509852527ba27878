/**
 * `--inputs-file`: a YAML or JSON mapping of input names to values, and `--input name=value`
 * pairs. Parsing only; conversion to each input's declared type happens in checkWorkflow.
 */
import { type Diagnostic, makeError } from "../diagnostics/Diagnostic.ts";
import type { InputValue } from "./Templates.ts";
import { parseWorkflowText } from "./WorkflowDocument.ts";

export interface ParsedInputs {
  readonly inputs: Record<string, InputValue>;
  readonly diagnostics: readonly Diagnostic[];
}

/** Parses an inputs file: a mapping whose values are strings, numbers or booleans. */
export const parseInputsText = (text: string, file: string): ParsedInputs => {
  const parsed = parseWorkflowText(text, file);
  if (parsed.diagnostics.length > 0) return { inputs: {}, diagnostics: parsed.diagnostics };
  const value = parsed.value;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return {
      inputs: {},
      diagnostics: [
        makeError("invalid-type", "an inputs file is a mapping of name: value", parsed.locate([])),
      ],
    };
  }
  const inputs: Record<string, InputValue> = {};
  const diagnostics: Diagnostic[] = [];
  for (const [name, v] of Object.entries(value)) {
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") inputs[name] = v;
    else {
      diagnostics.push(
        makeError(
          "invalid-type",
          `input "${name}" must be a string, number or boolean`,
          parsed.locate([name]),
        ),
      );
    }
  }
  return { inputs, diagnostics };
};

/** Parses `--input name=value` arguments; later ones win. */
export const parseInputArguments = (args: readonly string[]): ParsedInputs => {
  const inputs: Record<string, InputValue> = {};
  const diagnostics: Diagnostic[] = [];
  for (const arg of args) {
    const eq = arg.indexOf("=");
    if (eq <= 0) {
      diagnostics.push(
        makeError(
          "bad-input-argument",
          `--input ${arg}: expected name=value`,
          undefined,
          "for example --input run=2026-11-27",
        ),
      );
      continue;
    }
    inputs[arg.slice(0, eq)] = arg.slice(eq + 1);
  }
  return { inputs, diagnostics };
};

/**
 * `${{ inputs.name }}` and `${{ env.NAME }}` in workflow strings. Values come from the caller (the
 * runner reads the environment); core only substitutes, and reports every unknown reference.
 */

import { type Diagnostic, makeError } from "../diagnostics/Diagnostic.ts";
import { suggestion } from "../diagnostics/DidYouMean.ts";
import type { DataPath, Locator } from "./WorkflowDocument.ts";

export type InputValue = string | number | boolean;

export interface TemplateContext {
  readonly inputs: Readonly<Record<string, InputValue>>;
  /** Names of declared inputs (values may be missing when a required input was not given). */
  readonly declaredInputs: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
}

const TEMPLATE = /\$\{\{(.*?)\}\}/g;
const REFERENCE = /^(inputs|env)\.([A-Za-z_][A-Za-z0-9_-]*)$/;

/** Whether a string contains a `${{ … }}` template. */
export const hasTemplate = (text: string): boolean => text.includes("${{");

/** Substitutes one string; problems are appended to `diagnostics`, located at `path`. */
export const renderTemplate = (
  text: string,
  context: TemplateContext,
  path: DataPath,
  locate: Locator,
  diagnostics: Diagnostic[],
): string => {
  if (!hasTemplate(text)) return text;
  const rendered = text.replace(TEMPLATE, (whole, body: string) => {
    const expression = body.trim();
    const reference = REFERENCE.exec(expression);
    if (reference === null) {
      diagnostics.push(
        makeError(
          "bad-template",
          `cannot read the template ${whole}: a template is \${{ inputs.NAME }} or \${{ env.NAME }}`,
          locate(path),
        ),
      );
      return whole;
    }
    const [, scope, name = ""] = reference;
    if (scope === "inputs") {
      const value = context.inputs[name];
      if (value !== undefined) return String(value);
      if (!context.declaredInputs.includes(name)) {
        diagnostics.push(
          makeError(
            "unknown-input",
            `unknown input "${name}" in ${whole}`,
            locate(path),
            suggestion(name, context.declaredInputs) ?? "declare it under inputs:",
          ),
        );
      }
      return "";
    }
    const value = context.env[name];
    if (value === undefined) {
      diagnostics.push(
        makeError(
          "unset-env",
          `environment variable ${name} is not set (used in ${whole})`,
          locate(path),
          `set ${name} before running, or use an input with a default instead`,
        ),
      );
      return "";
    }
    return value;
  });
  if (TEMPLATE_OPEN_ONLY.test(rendered.replace(TEMPLATE, ""))) {
    diagnostics.push(
      makeError(
        "bad-template",
        "a template is opened with ${{ but not closed with }}",
        locate(path),
      ),
    );
  }
  return rendered;
};

const TEMPLATE_OPEN_ONLY = /\$\{\{/;

/**
 * Substitutes templates in every string of a plain value, keys excepted. `skip` names top-level
 * keys left as written (the inputs section itself).
 */
export const renderTemplates = (
  value: unknown,
  context: TemplateContext,
  locate: Locator,
  diagnostics: Diagnostic[],
  skip: readonly string[] = [],
): unknown => {
  const walk = (node: unknown, path: (string | number)[]): unknown => {
    if (typeof node === "string") return renderTemplate(node, context, path, locate, diagnostics);
    if (Array.isArray(node)) return node.map((item, i) => walk(item, [...path, i]));
    if (node !== null && typeof node === "object") {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(node)) {
        out[key] = path.length === 0 && skip.includes(key) ? child : walk(child, [...path, key]);
      }
      return out;
    }
    return node;
  };
  return walk(value, []);
};

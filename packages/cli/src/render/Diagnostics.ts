/**
 * Diagnostics for people: `file:line:col: error: message`, a hint below, colour on a TTY.
 */
import { type Diagnostic, formatLocation } from "@transflow/core";
import type { Style } from "./Style.ts";

export const renderDiagnostic = (d: Diagnostic, style: Style): string => {
  const where = d.at ? `${style.bold(formatLocation(d.at))}: ` : "";
  const severity = d.severity === "error" ? style.red("error") : style.yellow("warning");
  const hint = d.hint ? `\n  ${style.dim(`hint: ${d.hint}`)}` : "";
  return `${where}${severity}: ${d.summary}${hint}\n`;
};

/**
 * Problems as values. Core never throws for bad input: every check returns diagnostics, so a user
 * sees every problem in every file at once (as Terraform's tfdiags do).
 */

/** Where a problem is: the file, and when known the 1-based line and column and the data path. */
export interface SourceLocation {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  /** Path into the workflow document, e.g. `["steps", 2, "transfer", "source"]`. */
  readonly path?: readonly (string | number)[];
}

export type Severity = "error" | "warning";

export interface Diagnostic {
  readonly severity: Severity;
  /** Stable machine-readable code, e.g. `unknown-collection`, `yaml-syntax`, `cycle`. */
  readonly code: string;
  /** One line saying what is wrong. */
  readonly summary: string;
  /** What to do about it, e.g. a did-you-mean. */
  readonly hint?: string;
  readonly at?: SourceLocation;
}

export const makeError = (
  code: string,
  summary: string,
  at?: SourceLocation,
  hint?: string,
): Diagnostic => ({
  severity: "error",
  code,
  summary,
  ...(hint === undefined ? {} : { hint }),
  ...(at === undefined ? {} : { at }),
});

export const makeWarning = (
  code: string,
  summary: string,
  at?: SourceLocation,
  hint?: string,
): Diagnostic => ({ ...makeError(code, summary, at, hint), severity: "warning" });

export const hasErrors = (diagnostics: readonly Diagnostic[]): boolean =>
  diagnostics.some((d) => d.severity === "error");

/** `file:line:col` (or as much of it as is known). */
export const formatLocation = (at: SourceLocation): string =>
  at.line === undefined ? at.file : `${at.file}:${at.line}:${at.column ?? 1}`;

/** `a.b[2].c`: a data path the way people read it. */
export const formatPath = (path: readonly (string | number)[]): string =>
  path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");

/** The one-line text form used by `transflow validate`: `file:line:col: error: summary`, hint below. */
export const formatDiagnostic = (d: Diagnostic): string => {
  const where = d.at ? `${formatLocation(d.at)}: ` : "";
  const hint = d.hint ? `\n  hint: ${d.hint}` : "";
  return `${where}${d.severity}: ${d.summary}${hint}`;
};

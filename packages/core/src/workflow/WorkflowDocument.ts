/**
 * Workflow text (YAML or JSON) → a plain value plus a locator that turns a data path back into
 * file:line:column. Only parsing lives here; what the value must look like is `WorkflowSchema`'s job.
 */
import { type Document, isMap, isNode, isScalar, LineCounter, parseDocument } from "yaml";
import { type Diagnostic, makeError, type SourceLocation } from "../diagnostics/Diagnostic.ts";

export type DataPath = readonly (string | number)[];

/** Finds where a data path sits in the source. `key: true` points at the key rather than the value. */
export type Locator = (path: DataPath, options?: { readonly key?: string }) => SourceLocation;

export interface ParsedWorkflowDocument {
  /** The document as plain data, or undefined when the text could not be parsed. */
  readonly value: unknown;
  readonly locate: Locator;
  readonly diagnostics: readonly Diagnostic[];
}

/** A locator for values without source text (a TypeScript workflow's default export). */
export const pathOnlyLocator =
  (file: string): Locator =>
  (path, options) => ({ file, path: options?.key === undefined ? path : [...path, options.key] });

const firstLine = (message: string): string => (message.split("\n")[0] ?? message).trim();

const yamlLocator = (doc: Document, counter: LineCounter, file: string): Locator => {
  const position = (offset: number, path: DataPath): SourceLocation => {
    const { line, col } = counter.linePos(offset);
    return { file, line, column: col, path };
  };
  return (path, options) => {
    if (options?.key !== undefined) {
      const parent = doc.getIn(path as (string | number)[], true);
      if (isMap(parent)) {
        const pair = parent.items.find(
          (p) => isScalar(p.key) && String(p.key.value) === options.key,
        );
        if (pair && isNode(pair.key) && pair.key.range) {
          return position(pair.key.range[0], [...path, options.key]);
        }
      }
    }
    // A missing key has no node: point at the nearest ancestor that exists.
    for (let n = path.length; n >= 0; n--) {
      const node =
        n === 0 ? doc.contents : doc.getIn(path.slice(0, n) as (string | number)[], true);
      if (isNode(node) && node.range) return position(node.range[0], path);
    }
    return { file, line: 1, column: 1, path };
  };
};

/**
 * Parses YAML (JSON is accepted too: it is YAML 1.2). Duplicate keys, tabs used for indentation,
 * unclosed quotes and several documents in one file are errors with their line and column.
 */
export const parseWorkflowText = (text: string, file: string): ParsedWorkflowDocument => {
  const counter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: counter,
    uniqueKeys: true,
    prettyErrors: false,
    strict: true,
  });
  const locate = yamlLocator(doc, counter, file);
  // One error per line: after the first, yaml's parser mostly reports echoes of it.
  const errorLines = new Set<number>();
  const lines = text.split("\n");
  const diagnostics: Diagnostic[] = [];
  for (const error of doc.errors) {
    const at = counter.linePos(errorOffset(text, error.code, error.message, error.pos[0]));
    if (errorLines.has(at.line)) continue;
    errorLines.add(at.line);
    const templateInFlow = (lines[at.line - 1] ?? "").includes("${{");
    diagnostics.push(
      makeError(
        "yaml-syntax",
        yamlMessage(error.code, firstLine(error.message)),
        { file, line: at.line, column: at.col },
        templateInFlow
          ? 'put quotes around a value that contains ${{ … }} inside { } or [ ], e.g. "/data/${{ inputs.run }}/"'
          : yamlHint(error.code),
      ),
    );
  }
  if (diagnostics.length > 0) return { value: undefined, locate, diagnostics };
  if (doc.contents === null) {
    return {
      value: undefined,
      locate,
      diagnostics: [
        makeError(
          "empty-file",
          "the file is empty: a workflow needs at least version, name, collections and steps",
          { file, line: 1, column: 1 },
          "start from an example in workflows/, or run `transflow schema` for the full shape",
        ),
      ],
    };
  }
  return { value: doc.toJS({ maxAliasCount: 100 }), locate, diagnostics };
};

/** yaml reports an unclosed quote where the text ends; point at the quote that opened it instead. */
const errorOffset = (text: string, code: string, message: string, offset: number): number => {
  const quote = /closing (["'])quote/.exec(message)?.[1];
  if (code !== "MISSING_CHAR" || quote === undefined) return offset;
  const opening = text.lastIndexOf(quote, Math.max(0, offset - 1));
  return opening >= 0 ? opening : offset;
};

const yamlMessage = (code: string, message: string): string => {
  switch (code) {
    case "DUPLICATE_KEY":
      return "duplicate key: each key may appear once in a mapping";
    case "TAB_AS_INDENT":
      return "a tab is used for indentation; YAML indents with spaces only";
    case "MULTIPLE_DOCS":
      return "a workflow file holds one YAML document, but this one has several (---)";
    case "MISSING_CHAR":
      return message.replace(/^Missing closing (.)quote/, "unclosed $1 quote");
    default:
      return message;
  }
};

const yamlHint = (code: string): string | undefined => {
  switch (code) {
    case "TAB_AS_INDENT":
      return "replace the tabs at the start of the line with spaces";
    case "DUPLICATE_KEY":
      return "remove or rename one of them";
    default:
      return undefined;
  }
};

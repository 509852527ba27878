/**
 * journal.jsonl, line by line: each record is one line of JSON ending in `\n`, whose last member
 * is `"crc"`, the CRC-32 of the line's text without that member (docs/journal-format.md). Here:
 * turning a record into its line, a line back into a record (checking the checksum and every
 * field), and reading a whole journal, telling a torn last line (a crash mid-append: never
 * acknowledged) from corruption (anything else: reported, never skipped). No file I/O.
 */
import { crc32 } from "node:zlib";
import { JOURNAL_RECORD_VERSION, type JournalEntry, type JournalRecord } from "./RunState.ts";

type FieldKind =
  | "string"
  | "index" // a non-negative integer
  | "count" // a non-negative number
  | "boolean"
  | readonly string[]; // one of these strings

type FieldSpec = readonly [name: string, kind: FieldKind, optional?: "optional"];

const TASK_STATUSES = ["ACTIVE", "INACTIVE", "SUCCEEDED", "FAILED"] as const;

/**
 * Every field each record type may carry, in the order lines write them. This is the allowlist:
 * a field not named here is never written, whatever the caller's object holds.
 */
const RECORD_FIELDS: Readonly<Record<JournalEntry["type"], readonly FieldSpec[]>> = {
  "batch-submission-id": [
    ["step", "string"],
    ["batch", "index"],
    ["fingerprint", "string"],
    ["submissionId", "string"],
  ],
  "batch-submitted": [
    ["step", "string"],
    ["batch", "index"],
    ["fingerprint", "string"],
    ["submissionId", "string"],
    ["taskId", "string"],
    ["code", ["Accepted", "Duplicate"]],
  ],
  "task-status": [
    ["step", "string"],
    ["batch", "index"],
    ["taskId", "string"],
    ["status", TASK_STATUSES],
    ["niceStatus", "string", "optional"],
    ["bytes", "count", "optional"],
    ["files", "count", "optional"],
    ["filesTransferred", "count", "optional"],
    ["filesSkipped", "count", "optional"],
    ["faults", "count", "optional"],
    ["fatalError", "string", "optional"],
  ],
  "mkdir-done": [
    ["step", "string"],
    ["batch", "index"],
    ["path", "string"],
    ["existed", "boolean"],
  ],
  "step-done": [
    ["step", "string"],
    ["outcome", ["succeeded", "failed", "skipped"]],
    ["reason", "string", "optional"],
  ],
  "run-done": [["outcome", ["succeeded", "failed", "cancelled"]]],
  "run-interrupted": [["reason", ["signal", "detach"]]],
};

const fits = (value: unknown, kind: FieldKind): boolean => {
  switch (kind) {
    case "string":
      return typeof value === "string";
    case "index":
      return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
    case "count":
      return typeof value === "number" && Number.isFinite(value) && value >= 0;
    case "boolean":
      return typeof value === "boolean";
    default:
      return typeof value === "string" && kind.includes(value);
  }
};

const kindText = (kind: FieldKind): string =>
  typeof kind === "string"
    ? {
        string: "a string",
        index: "an integer ≥ 0",
        count: "a number ≥ 0",
        boolean: "true or false",
      }[kind]
    : `one of ${kind.join(", ")}`;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * The record `value` holds, rebuilt from the allowed fields only (in line order), or why it is
 * not one. Fields the type does not list are dropped, so a stray `token` never reaches a line.
 */
export const decodeRecord = (value: unknown): JournalRecord | string => {
  if (!isObject(value)) return "not a JSON object";
  if (value.v !== JOURNAL_RECORD_VERSION) {
    return `record version ${JSON.stringify(value.v)} is not ${JOURNAL_RECORD_VERSION} (written by another transflow version?)`;
  }
  if (typeof value.t !== "string" || Number.isNaN(Date.parse(value.t))) {
    return `"t" is not a time`;
  }
  const type = value.type;
  const fields =
    typeof type === "string" && Object.hasOwn(RECORD_FIELDS, type)
      ? RECORD_FIELDS[type as JournalEntry["type"]]
      : undefined;
  if (fields === undefined) return `unknown record type ${JSON.stringify(type)}`;
  const out: Record<string, unknown> = { v: value.v, t: value.t, type };
  for (const [name, kind, optional] of fields) {
    const field = value[name];
    if (field === undefined && optional !== undefined) continue;
    if (!fits(field, kind)) return `${type}: "${name}" must be ${kindText(kind)}`;
    out[name] = field;
  }
  return out as JournalRecord;
};

/** The line's checksum: CRC-32 (as zlib computes it) of its UTF-8 text, 8 lowercase hex digits. */
export const lineChecksum = (text: string): string => crc32(text).toString(16).padStart(8, "0");

/** `record`'s line, `\n` included. `record` must come from `decodeRecord`. */
export const encodeLine = (record: JournalRecord): string => {
  const body = JSON.stringify(record);
  return `${body.slice(0, -1)},"crc":"${lineChecksum(body)}"}\n`;
};

const CRC_SUFFIX = /,"crc":"([0-9a-f]{8})"\}$/;

/** The record of one line (without its `\n`), or why the line is bad. */
export const decodeLine = (line: string): JournalRecord | string => {
  const match = CRC_SUFFIX.exec(line);
  if (match === null) return "the line does not end with its checksum";
  const body = `${line.slice(0, match.index)}}`;
  const expected = lineChecksum(body);
  if (expected !== match[1]) {
    return `checksum mismatch: the line says ${match[1]}, its text gives ${expected}`;
  }
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return "not JSON";
  }
  return decodeRecord(value);
};

/** A problem at a line of a journal (1-based). */
export interface LineProblem {
  readonly line: number;
  readonly reason: string;
}

export type ParsedJournal =
  | {
      readonly records: readonly JournalRecord[];
      /** The line number of each record. */
      readonly lines: readonly number[];
      /** A torn last line, ignored: it was never acknowledged. */
      readonly torn?: LineProblem;
      /** Bytes of whole lines: where the next record must start. */
      readonly validBytes: number;
    }
  | { readonly corrupt: LineProblem };

const utf8 = new TextDecoder("utf-8", { fatal: true });
const NEWLINE = 0x0a;

/**
 * The records of a journal's bytes. Bytes after the last `\n` are a torn append (the writer ends
 * every record with `\n` in the same write, and resolves only after fsync), so they are reported
 * in `torn` and left out. Any whole line that does not decode is corruption.
 */
export const parseJournal = (bytes: Uint8Array): ParsedJournal => {
  const records: JournalRecord[] = [];
  const lines: number[] = [];
  let start = 0;
  let line = 0;
  for (;;) {
    const end = bytes.indexOf(NEWLINE, start);
    if (end < 0) break;
    line += 1;
    let text: string;
    try {
      text = utf8.decode(bytes.subarray(start, end));
    } catch {
      return { corrupt: { line, reason: "the line is not valid UTF-8" } };
    }
    if (text === "") return { corrupt: { line, reason: "an empty line" } };
    const record = decodeLine(text);
    if (typeof record === "string") return { corrupt: { line, reason: record } };
    records.push(record);
    lines.push(line);
    start = end + 1;
  }
  if (start === bytes.length) return { records, lines, validBytes: start };
  return {
    records,
    lines,
    validBytes: start,
    torn: {
      line: line + 1,
      reason: `the last line is incomplete (${bytes.length - start} bytes without a line end): an append that never finished, ignored`,
    },
  };
};

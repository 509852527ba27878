/**
 * journal.jsonl lines: the checksum, the allowlist of fields, and reading a whole journal (a torn
 * last line is set aside; anything else bad is corruption at a line).
 */
import { describe, expect, it } from "vitest";
import {
  decodeLine,
  decodeRecord,
  encodeLine,
  lineChecksum,
  parseJournal,
} from "../../src/run/JournalLines.ts";
import type { JournalRecord } from "../../src/run/RunState.ts";
import { entries, makePlan, stamped } from "./support.ts";

const e = entries(makePlan());

const record = (entry: Parameters<typeof stamped>[0]): JournalRecord => {
  const decoded = decodeRecord(stamped(entry));
  if (typeof decoded === "string") throw new Error(decoded);
  return decoded;
};

const a = record(e.submissionId("copy", 0, "sub-0"));
const b = record(e.submitted("copy", 0, "sub-0", "task-0"));
const c = record(e.status("copy", 0, "task-0", "ACTIVE", { bytes: 5 }));
const bytes = (text: string) => new TextEncoder().encode(text);

describe("lines", () => {
  it("writes v, t, type, the fields, then the CRC-32 of the rest, and a line end", () => {
    const line = encodeLine(a);
    expect(line.endsWith("}\n")).toBe(true);
    const body = line.slice(0, line.indexOf(',"crc"'));
    expect(body).toBe(
      `{"v":1,"t":"2026-11-28T00:00:00.000Z","type":"batch-submission-id","step":"copy","batch":0,"fingerprint":"${a.type === "batch-submission-id" ? a.fingerprint : ""}","submissionId":"sub-0"`,
    );
    expect(line).toBe(`${body},"crc":"${lineChecksum(`${body}}`)}"}\n`);
    expect(decodeLine(line.slice(0, -1))).toEqual(a);
  });

  it("matches zlib's CRC-32 (the check value of 123456789)", () => {
    expect(lineChecksum("123456789")).toBe("cbf43926");
  });

  it("keeps only the fields a record type lists: a stray token is never written", () => {
    const sneaky = { ...stamped(e.runDone("succeeded")), accessToken: "AgFAKE-TOKEN-1234" };
    const decoded = decodeRecord(sneaky);
    expect(decoded).toEqual({
      v: 1,
      t: "2026-11-28T00:00:00.000Z",
      type: "run-done",
      outcome: "succeeded",
    });
    expect(encodeLine(decoded as JournalRecord)).not.toContain("FAKE-TOKEN");
  });

  it.each<[string, unknown, RegExp]>([
    ["another version", { ...stamped(e.runDone("failed")), v: 2 }, /version 2 is not 1/],
    [
      "an unknown type",
      { v: 1, t: "2026-11-28T00:00:00Z", type: "teleport" },
      /unknown record type/,
    ],
    ["a bad time", { ...stamped(e.runDone("failed")), t: "soon" }, /"t" is not a time/],
    [
      "a missing field",
      { v: 1, t: "2026-11-28T00:00:00Z", type: "step-done", outcome: "failed" },
      /"step" must be a string/,
    ],
    [
      "a fractional batch",
      { ...stamped(e.submissionId("copy", 0, "s")), batch: 0.5 },
      /"batch" must be an integer/,
    ],
    [
      "an unknown status",
      { ...stamped(e.status("copy", 0, "t", "ACTIVE")), status: "DONE" },
      /"status" must be one of/,
    ],
  ])("refuses %s", (_name, value, reason) => {
    expect(decodeRecord(value)).toMatch(reason);
  });

  it("detects any change to a line through its checksum", () => {
    const line = encodeLine(a).slice(0, -1).replace("sub-0", "sub-1");
    expect(decodeLine(line)).toMatch(
      /checksum mismatch: the line says [0-9a-f]{8}, its text gives/,
    );
    expect(decodeLine('{"v":1,"type":"run-done"}')).toMatch(/does not end with its checksum/);
  });
});

describe("parseJournal", () => {
  const text = [a, b, c].map(encodeLine).join("");

  it("reads every whole line, with its line number", () => {
    const parsed = parseJournal(bytes(text));
    expect(parsed).toEqual({
      records: [a, b, c],
      lines: [1, 2, 3],
      validBytes: bytes(text).length,
    });
    expect(parseJournal(new Uint8Array())).toEqual({ records: [], lines: [], validBytes: 0 });
  });

  it.each([
    ["half a line", encodeLine(c).slice(0, 20)],
    ["a whole record but its line end", encodeLine(c).slice(0, -1)],
    ["zeros (a file grown but never written)", "\0\0\0\0"],
  ])("sets aside a torn last line: %s", (_name, tail) => {
    const good = [a, b].map(encodeLine).join("");
    const parsed = parseJournal(bytes(good + tail));
    expect(parsed).toMatchObject({
      records: [a, b],
      validBytes: bytes(good).length,
      torn: { line: 3, reason: expect.stringMatching(/incomplete .* ignored/) },
    });
  });

  it.each<[string, string, number, RegExp]>([
    ["a torn line followed by more", encodeLine(a).slice(0, 30) + encodeLine(b), 1, /checksum/],
    [
      "a changed middle line",
      encodeLine(a) + encodeLine(b).replace("task-0", "task-X") + encodeLine(c),
      2,
      /checksum mismatch/,
    ],
    ["an empty line", `${encodeLine(a)}\n${encodeLine(b)}`, 2, /an empty line/],
    ["a bad last line that has its line end", `${encodeLine(a)}{"v":1}\n`, 2, /checksum/],
  ])("reports %s as corruption at its line", (_name, journal, line, reason) => {
    const parsed = parseJournal(bytes(journal));
    expect(parsed).toEqual({ corrupt: { line, reason: expect.stringMatching(reason) } });
  });

  it("reports invalid UTF-8 in a whole line", () => {
    const broken = new Uint8Array([...bytes(encodeLine(a)), 0xff, 0xfe, 0x0a]);
    expect(parseJournal(broken)).toEqual({
      corrupt: { line: 2, reason: "the line is not valid UTF-8" },
    });
  });
});

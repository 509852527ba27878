import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readLines, TextFileError } from "../../src/workflow/LineReader.ts";

const dir = mkdtempSync(join(tmpdir(), "transflow-lines-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const linesOf = async (content: string | Buffer): Promise<string[]> => {
  const file = join(dir, `f-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, content);
  const out: string[] = [];
  for await (const chunk of readLines(file)) out.push(...chunk);
  return out;
};

describe("readLines", () => {
  it.each([
    ["a\nb\n", ["a", "b"]],
    ["a\nb", ["a", "b"]],
    ["a\r\nb\r\n", ["a", "b"]],
    ["a\n\n\nb\n", ["a", "", "", "b"]],
    ["", []],
    ["only", ["only"]],
  ])("splits %j", async (content, expected) => {
    expect(await linesOf(content)).toEqual(expected);
  });

  it("keeps multi-byte characters that straddle a 1 MiB chunk boundary", async () => {
    // "é" is two bytes; an odd-length first line puts one across the boundary.
    const first = "x".repeat((1 << 20) - 1);
    const lines = [`${first}é`, "ünïcödé /data/café 2026.txt", "last"];
    expect(await linesOf(`${lines.join("\n")}\n`)).toEqual(lines);
  });

  it("reads a long file whole and in order", async () => {
    const lines = Array.from(
      { length: 200_000 },
      (_, i) => `/data/file-${i}.dat /scratch/file-${i}.dat`,
    );
    const read = await linesOf(`${lines.join("\n")}\n`);
    expect(read.length).toBe(lines.length);
    expect(read[123_456]).toBe(lines[123_456]);
  });

  it("refuses a binary file and invalid UTF-8", async () => {
    await expect(linesOf(Buffer.from([0x41, 0x00, 0x42, 0x0a]))).rejects.toMatchObject({
      reason: "binary",
    });
    await expect(linesOf(Buffer.from([0x41, 0xff, 0xfe, 0x0a]))).rejects.toBeInstanceOf(
      TextFileError,
    );
  });
});

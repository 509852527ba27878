/**
 * Streams a text file line by line without holding it whole: batch files can have millions of
 * lines. Refuses binary content and invalid UTF-8 with an error the caller turns into a diagnostic.
 */
import { createReadStream } from "node:fs";

export class TextFileError extends Error {
  readonly reason: "binary" | "not-utf8";
  constructor(reason: "binary" | "not-utf8", message: string) {
    super(message);
    this.reason = reason;
  }
}

const NEWLINE = 0x0a;
const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Decodes whole lines only. A newline byte never occurs inside a UTF-8 sequence, so cutting at
 * the last one is safe; and a non-streaming decode gives one-byte strings for ASCII text, half
 * the memory of what a streaming decode returns for millions of paths.
 */
const decodeLines = (bytes: Buffer): string[] => {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw new TextFileError("not-utf8", "not valid UTF-8 text");
  }
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (line.endsWith("\r")) lines[i] = line.slice(0, -1);
  }
  return lines;
};

/**
 * Yields the lines (without `\n` or `\r\n`) in order, a chunk's worth at a time: one await per
 * megabyte rather than per line. The last line may lack a newline.
 */
export async function* readLines(file: string): AsyncGenerator<string[], void, undefined> {
  const stream = createReadStream(file, { highWaterMark: 1 << 20 });
  let rest: Buffer = Buffer.alloc(0);
  let first = true;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (first && chunk.subarray(0, 8192).includes(0)) {
        throw new TextFileError("binary", "not a text file (it contains NUL bytes)");
      }
      first = false;
      const bytes = rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk;
      const end = bytes.lastIndexOf(NEWLINE);
      if (end < 0) {
        rest = bytes;
        continue;
      }
      // Copy the tail: keeping a slice would pin the whole megabyte chunk in memory.
      rest = Buffer.from(bytes.subarray(end + 1));
      yield decodeLines(bytes.subarray(0, end));
    }
    if (rest.length > 0) yield decodeLines(rest);
  } finally {
    stream.destroy();
  }
}

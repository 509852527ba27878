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

/**
 * Yields the lines (without `\n` or `\r\n`) in order, a chunk's worth at a time: one await per
 * megabyte rather than per line. The last line may lack a newline.
 */
export async function* readLines(file: string): AsyncGenerator<string[], void, undefined> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const stream = createReadStream(file, { highWaterMark: 1 << 20 });
  let rest = "";
  let first = true;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (first && chunk.subarray(0, 8192).includes(0)) {
      stream.destroy();
      throw new TextFileError("binary", "not a text file (it contains NUL bytes)");
    }
    first = false;
    let text: string;
    try {
      text = rest + decoder.decode(chunk, { stream: true });
    } catch {
      stream.destroy();
      throw new TextFileError("not-utf8", "not valid UTF-8 text");
    }
    const lines: string[] = [];
    let start = 0;
    for (let end = text.indexOf("\n"); end >= 0; end = text.indexOf("\n", start)) {
      lines.push(
        text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end),
      );
      start = end + 1;
    }
    rest = text.slice(start);
    if (lines.length > 0) yield lines;
  }
  try {
    rest += decoder.decode();
  } catch {
    throw new TextFileError("not-utf8", "not valid UTF-8 text");
  }
  if (rest.length > 0) yield [rest.endsWith("\r") ? rest.slice(0, -1) : rest];
}

/**
 * globus-cli `--batch` files, read one line at a time: shell-style word splitting, the per-line
 * options of `globus transfer` / `globus delete`, prefixes, and diagnostics that name file:line.
 * Owns no I/O: callers read the file and feed lines in; nothing here keeps lines it has parsed.
 */
import { type Diagnostic, makeError } from "../diagnostics/Diagnostic.ts";
import { isAbsoluteGlobusPath, makeGlobusPathJoiner } from "./GlobusPath.ts";

// ---------------------------------------------------------------------------------------------
// Shell-style words

const TAB = 9;
const LF = 10;
const CR = 13;
const SPACE = 32;
const DOUBLE_QUOTE = 34;
const HASH = 35;
const SINGLE_QUOTE = 39;
const DASH = 45;
const BACKSLASH = 92;
const LOWER_R = 114;

/** Python's message for an unclosed quote, as globus-cli prints it. */
const NO_CLOSING_QUOTATION = "No closing quotation";
/** Python's message for a backslash with nothing after it. */
const NO_ESCAPED_CHARACTER = "No escaped character";

interface ScanError {
  readonly error: string;
  /** 1-based. */
  readonly column: number;
}

/**
 * Splits `line` into `words`, pushing each word's 0-based start offset onto `starts`. Returns an
 * error or `undefined`. Unquoted runs are copied with one `slice` each, so a line without quotes
 * or backslashes costs one slice per word.
 */
const scanWords = (line: string, words: string[], starts: number[]): ScanError | undefined => {
  const n = line.length;
  let i = 0;
  outer: while (i < n) {
    const first = line.charCodeAt(i);
    if (first === SPACE || first === TAB || first === LF || first === CR) {
      i++;
      continue;
    }
    if (first === HASH) {
      // A comment runs to the end of the line: to a line feed, if the caller left one in.
      i = line.indexOf("\n", i);
      if (i < 0) return undefined;
      continue;
    }
    const start = i;
    let token = "";
    let runStart = i;
    while (i < n) {
      const c = line.charCodeAt(i);
      // Everything above `'` except the backslash is an ordinary word character.
      if (c > SINGLE_QUOTE && c !== BACKSLASH) {
        i++;
        continue;
      }
      if (c === SPACE || c === TAB || c === LF || c === CR) {
        words.push(token + line.slice(runStart, i));
        starts.push(start);
        i++;
        continue outer;
      }
      if (c === HASH) {
        // Python's shlex starts a comment at any unquoted `#`, even inside a word.
        words.push(token + line.slice(runStart, i));
        starts.push(start);
        i = line.indexOf("\n", i);
        if (i < 0) return undefined;
        continue outer;
      }
      if (c === SINGLE_QUOTE) {
        const close = line.indexOf("'", i + 1);
        if (close < 0) return { error: NO_CLOSING_QUOTATION, column: i + 1 };
        token += line.slice(runStart, i) + line.slice(i + 1, close);
        i = close + 1;
        runStart = i;
        continue;
      }
      if (c === DOUBLE_QUOTE) {
        token += line.slice(runStart, i);
        const open = i;
        let segStart = i + 1;
        let j = segStart;
        for (;;) {
          if (j >= n) return { error: NO_CLOSING_QUOTATION, column: open + 1 };
          const d = line.charCodeAt(j);
          if (d === DOUBLE_QUOTE) break;
          if (d === BACKSLASH) {
            if (j + 1 >= n) return { error: NO_ESCAPED_CHARACTER, column: j + 1 };
            const e = line.charCodeAt(j + 1);
            // Inside double quotes shlex only unescapes `"` and `\`; `\$` stays `\$`.
            if (e === DOUBLE_QUOTE || e === BACKSLASH) {
              token += line.slice(segStart, j);
              segStart = j + 1;
            }
            j += 2;
            continue;
          }
          j++;
        }
        token += line.slice(segStart, j);
        i = j + 1;
        runStart = i;
        continue;
      }
      if (c === BACKSLASH) {
        if (i + 1 >= n) return { error: NO_ESCAPED_CHARACTER, column: i + 1 };
        token += line.slice(runStart, i);
        // The escaped character starts the next run, so it is copied as is.
        i += 2;
        runStart = i - 1;
        continue;
      }
      // Other control characters and `!`, `$`, `%`, `&`, and friends: ordinary.
      i++;
    }
    words.push(token + line.slice(runStart, n));
    starts.push(start);
    return undefined;
  }
  return undefined;
};

/** The result of {@link splitShellWords}. `column` is 1-based. */
export type ShellWordsResult =
  | { readonly ok: true; readonly words: string[] }
  | { readonly ok: false; readonly error: string; readonly column: number };

/**
 * Splits one line into words exactly as Python's `shlex.split(line, comments=True)` does, which is
 * what globus-cli runs on each `--batch` line:
 * - spaces, tabs, CR and LF separate words;
 * - `'…'` keeps everything literally; `"…"` too, except that `\"` and `\\` are unescaped
 *   (unlike a POSIX shell, `\$`, `` \` `` and `\` before a newline keep their backslash);
 * - outside quotes a backslash makes the next character literal;
 * - an unquoted `#` ends the line, even in the middle of a word (`a#b` is `a`);
 * - errors are Python's: `No closing quotation` (column of the opening quote) and
 *   `No escaped character` (column of the trailing backslash).
 */
export const splitShellWords = (line: string): ShellWordsResult => {
  const words: string[] = [];
  const failure = scanWords(line, words, []);
  return failure === undefined
    ? { ok: true, words }
    : { ok: false, error: failure.error, column: failure.column };
};

// ---------------------------------------------------------------------------------------------
// One line

/** A blank line, a comment, or nothing but whitespace. */
export interface BatchBlankLine {
  readonly kind: "blank";
}

/** A line that gave one item. */
export interface BatchItemLine<T> {
  readonly kind: "item";
  readonly item: T;
}

/** A line that could not be parsed; `column` is 1-based. */
export interface BatchLineError {
  readonly kind: "error";
  readonly message: string;
  readonly column: number;
  /** What to do about it. */
  readonly hint?: string;
}

/** What one batch line gave. */
export type BatchLineResult<T> = BatchBlankLine | BatchItemLine<T> | BatchLineError;

/** Parses one line of a batch file (without its line break). */
export type BatchLineParser<T> = (line: string) => BatchLineResult<T>;

/**
 * One item of a transfer batch file, paths already joined with the prefixes and normalised.
 * `recursive` is absent when the line did not say (Globus then detects file or directory);
 * `--no-recursive` gives `false`.
 */
export interface BatchTransferItem {
  readonly sourcePath: string;
  readonly destinationPath: string;
  readonly recursive?: boolean;
  readonly externalChecksum?: string;
}

/** One item of a delete batch file: the path, joined with the prefix and normalised. */
export interface BatchDeleteItem {
  readonly path: string;
}

/** Prefixes given with the batch file, as `globus transfer SRC:PREFIX DST:PREFIX --batch`. */
export interface TransferBatchLineOptions {
  readonly sourcePrefix?: string;
  readonly destinationPrefix?: string;
}

/** The prefix given with the batch file, as `globus delete COLLECTION:PREFIX --batch`. */
export interface DeleteBatchLineOptions {
  readonly prefix?: string;
}

const BLANK: BatchBlankLine = { kind: "blank" };

const TRANSFER_LINE_FORM =
  "a line is [--recursive | -r | --no-recursive] [--external-checksum SUM] SOURCE_PATH DEST_PATH";
const QUOTE_SPACES_HINT = "quote a path that contains spaces, or escape each space with \\";

const lineError = (message: string, column: number, hint?: string): BatchLineError =>
  hint === undefined
    ? { kind: "error", message, column }
    : { kind: "error", message, column, hint };

// Scratch arrays reused across lines: parsing is synchronous and never re-entered, and reuse keeps
// a million-line file from allocating two arrays per line.
const scratchWords: string[] = [];
const scratchStarts: number[] = [];

const readWords = (line: string): ScanError | undefined => {
  scratchWords.length = 0;
  scratchStarts.length = 0;
  return scanWords(line, scratchWords, scratchStarts);
};

/** 1-based column of word `k` of the last {@link readWords}. */
const columnOf = (k: number): number => (scratchStarts[k] ?? 0) + 1;

/** Turns a batch-line word into a path on the collection: joins the prefix and normalises. */
type PathResolver = (word: string) => string;

/** The checked path, or the error saying to make it absolute. */
const resolvePath = (
  resolve: PathResolver,
  word: string,
  what: string,
  prefixName: string,
  column: number,
): string | BatchLineError => {
  const path = resolve(word);
  if (isAbsoluteGlobusPath(path)) return path;
  const quoted = JSON.stringify(path);
  return lineError(
    `${what} ${quoted} is not absolute: start it with "/" or "~/", or set ${prefixName}`,
    column,
  );
};

/**
 * A word of the common line: no quotes, backslash or `#`, not an option (`-…`), and already a
 * normalised path (no `//`, no segment starting with `.`).
 */
const PLAIN_WORD = String.raw`(?![-.])(?:[^\s"'\\#/]|\/(?![/.]))+`;

const RECURSIVE_FLAG = "(-r|--recursive|--no-recursive)";

/**
 * The common line: two plain words between shlex's whitespace, perhaps with a recursive flag
 * before or after them. On a million-line file the cost is in calls, not characters, so one regex
 * match here replaces a scan in JavaScript and the checks of both paths; every other line takes
 * the full parse, which gives the same result.
 */
const SIMPLE_TRANSFER_LINE = new RegExp(
  [
    String.raw`^[ \t\r\n]*`,
    String.raw`(?:${RECURSIVE_FLAG}[ \t\r\n]+)?`,
    String.raw`(${PLAIN_WORD})[ \t\r\n]+(${PLAIN_WORD})`,
    String.raw`(?:[ \t\r\n]+${RECURSIVE_FLAG})?`,
    String.raw`[ \t\r\n]*$`,
  ].join(""),
);

/** The common delete line: one plain word. */
const SIMPLE_DELETE_LINE = new RegExp(String.raw`^[ \t\r\n]*(${PLAIN_WORD})[ \t\r\n]*$`);

/** `recursive` from the flags matched by {@link SIMPLE_TRANSFER_LINE}: the last one wins. */
const simpleRecursive = (
  before: string | undefined,
  after: string | undefined,
): boolean | undefined => {
  const flag = after ?? before;
  return flag === undefined ? undefined : flag !== "--no-recursive";
};

/**
 * A transfer line parser with its prefixes fixed: the one to hand {@link parseBatchLines} or
 * {@link makeBatchReader}, since it normalises the prefixes once rather than on every line.
 * @see parseTransferBatchLine for the line format.
 */
export const makeTransferBatchLineParser = (
  options: TransferBatchLineOptions = {},
): BatchLineParser<BatchTransferItem> => {
  const source = makeGlobusPathJoiner(options.sourcePrefix);
  const destination = makeGlobusPathJoiner(options.destinationPrefix);
  return (line) => {
    if (line.length === 0) return BLANK;
    const simple = SIMPLE_TRANSFER_LINE.exec(line);
    if (simple !== null) {
      const sourcePath = source.joinNormalized(simple[2] ?? "");
      const destinationPath = destination.joinNormalized(simple[3] ?? "");
      if (isAbsoluteGlobusPath(sourcePath) && isAbsoluteGlobusPath(destinationPath)) {
        const recursive = simpleRecursive(simple[1], simple[4]);
        return {
          kind: "item",
          item:
            recursive === undefined
              ? { sourcePath, destinationPath }
              : { sourcePath, destinationPath, recursive },
        };
      }
      // A relative path: the full parse below reports it, with its column.
    }
    return parseTransferWords(line, source.join, destination.join);
  };
};

/**
 * Parses one line of a `globus transfer --batch` file:
 * `[--recursive | -r | --no-recursive] [--external-checksum SUM] SOURCE_PATH DEST_PATH`.
 *
 * Words are split as {@link splitShellWords} does. Options are read as click reads them: before,
 * between or after the paths, `--external-checksum=SUM` too, the last of `--recursive` /
 * `--no-recursive` wins, and `--` ends the options (so a path may start with `-`).
 * `--recursive` and `--external-checksum` cannot be combined. Paths are joined with the
 * prefixes (as `joinGlobusPath` joins them) and must then be absolute or home-relative.
 * Unlike globus-cli, an empty `--external-checksum` is an error rather than sent to Globus.
 *
 * For many lines with the same prefixes, use {@link makeTransferBatchLineParser}.
 */
export const parseTransferBatchLine = (
  line: string,
  options: TransferBatchLineOptions = {},
): BatchLineResult<BatchTransferItem> => makeTransferBatchLineParser(options)(line);

const parseTransferWords = (
  line: string,
  resolveSource: PathResolver,
  resolveDestination: PathResolver,
): BatchLineResult<BatchTransferItem> => {
  const scanError = readWords(line);
  if (scanError !== undefined) return lineError(scanError.error, scanError.column);
  const words = scratchWords;
  const count = words.length;
  if (count === 0) return BLANK;

  let recursive: boolean | undefined;
  let recursiveColumn = 0;
  let checksum: string | undefined;
  let checksumColumn = 0;
  let source: string | undefined;
  let sourceColumn = 0;
  let destination: string | undefined;
  let destinationColumn = 0;
  let optionsEnded = false;

  for (let k = 0; k < count; k++) {
    const word = words[k] ?? "";
    const column = columnOf(k);
    // A lone "-" is a path, as click reads it.
    if (!optionsEnded && word.length > 1 && word.charCodeAt(0) === DASH) {
      if (word === "--") {
        optionsEnded = true;
        continue;
      }
      if (word.charCodeAt(1) === DASH) {
        const eq = word.indexOf("=");
        const name = eq < 0 ? word : word.slice(0, eq);
        if (name === "--recursive" || name === "--no-recursive") {
          if (eq >= 0) return lineError(`option ${name} does not take a value`, column);
          recursive = name === "--recursive";
          recursiveColumn = column;
        } else if (name === "--external-checksum") {
          let value: string | undefined;
          if (eq >= 0) {
            value = word.slice(eq + 1);
          } else {
            // As click does, the next word is the value even if it starts with "-".
            k++;
            value = words[k];
          }
          if (value === undefined || value === "") {
            return lineError("option --external-checksum needs a checksum value", column);
          }
          checksum = value;
          checksumColumn = column;
        } else {
          return lineError(`unknown option ${name}`, column, TRANSFER_LINE_FORM);
        }
      } else {
        // Short options may be grouped (`-rr`), as click allows; `-r` is the only one.
        for (let p = 1; p < word.length; p++) {
          if (word.charCodeAt(p) !== LOWER_R) {
            return lineError(`unknown option -${word.charAt(p)}`, column, TRANSFER_LINE_FORM);
          }
        }
        recursive = true;
        recursiveColumn = column;
      }
      continue;
    }
    if (source === undefined) {
      source = word;
      sourceColumn = column;
    } else if (destination === undefined) {
      destination = word;
      destinationColumn = column;
    } else {
      return lineError(
        `too many paths: ${JSON.stringify(word)} is a third path`,
        column,
        QUOTE_SPACES_HINT,
      );
    }
  }

  if (source === undefined) {
    return lineError("missing SOURCE_PATH and DEST_PATH", columnOf(0), TRANSFER_LINE_FORM);
  }
  if (destination === undefined) {
    return lineError("missing DEST_PATH", sourceColumn, TRANSFER_LINE_FORM);
  }
  if (recursive === true && checksum !== undefined) {
    return lineError(
      "--recursive and --external-checksum cannot be used together",
      Math.max(recursiveColumn, checksumColumn),
      "an external checksum is for one file; a recursive item is a directory",
    );
  }

  const sourcePath = resolvePath(
    resolveSource,
    source,
    "source path",
    "sourcePrefix",
    sourceColumn,
  );
  if (typeof sourcePath !== "string") return sourcePath;
  const destinationPath = resolvePath(
    resolveDestination,
    destination,
    "destination path",
    "destinationPrefix",
    destinationColumn,
  );
  if (typeof destinationPath !== "string") return destinationPath;

  const item: BatchTransferItem =
    recursive === undefined
      ? checksum === undefined
        ? { sourcePath, destinationPath }
        : { sourcePath, destinationPath, externalChecksum: checksum }
      : checksum === undefined
        ? { sourcePath, destinationPath, recursive }
        : { sourcePath, destinationPath, recursive, externalChecksum: checksum };
  return { kind: "item", item };
};

/**
 * A delete line parser with its prefix fixed (normalised once).
 * @see parseDeleteBatchLine for the line format.
 */
export const makeDeleteBatchLineParser = (
  options: DeleteBatchLineOptions = {},
): BatchLineParser<BatchDeleteItem> => {
  const joiner = makeGlobusPathJoiner(options.prefix);
  const resolve = joiner.join;
  return (line) => {
    if (line.length === 0) return BLANK;
    const simple = SIMPLE_DELETE_LINE.exec(line);
    if (simple !== null) {
      const path = joiner.joinNormalized(simple[1] ?? "");
      if (isAbsoluteGlobusPath(path)) return { kind: "item", item: { path } };
    }
    const scanError = readWords(line);
    if (scanError !== undefined) return lineError(scanError.error, scanError.column);
    const words = scratchWords;
    const count = words.length;
    if (count === 0) return BLANK;

    let path: string | undefined;
    let pathColumn = 0;
    let optionsEnded = false;
    for (let k = 0; k < count; k++) {
      const word = words[k] ?? "";
      const column = columnOf(k);
      if (!optionsEnded && word.length > 1 && word.charCodeAt(0) === DASH) {
        if (word === "--") {
          optionsEnded = true;
          continue;
        }
        const eq = word.indexOf("=");
        return lineError(
          `unknown option ${eq < 0 ? word : word.slice(0, eq)}`,
          column,
          "a delete batch line is one PATH; write -- before a path that starts with -",
        );
      }
      if (path !== undefined) {
        return lineError(
          `too many paths: ${JSON.stringify(word)} is a second path`,
          column,
          QUOTE_SPACES_HINT,
        );
      }
      path = word;
      pathColumn = column;
    }
    if (path === undefined) return lineError("missing PATH", columnOf(0));

    const resolved = resolvePath(resolve, path, "path", "prefix", pathColumn);
    return typeof resolved === "string" ? { kind: "item", item: { path: resolved } } : resolved;
  };
};

/**
 * Parses one line of a `globus delete --batch` file: a single `PATH` (shell words as
 * {@link splitShellWords} splits them, `#` comments, blank lines skipped), joined with the prefix.
 * The line takes no options; `--` lets a path start with `-`.
 *
 * For many lines with the same prefix, use {@link makeDeleteBatchLineParser}.
 */
export const parseDeleteBatchLine = (
  line: string,
  options: DeleteBatchLineOptions = {},
): BatchLineResult<BatchDeleteItem> => makeDeleteBatchLineParser(options)(line);

// ---------------------------------------------------------------------------------------------
// A whole file

/** Options for {@link makeBatchReader} and {@link parseBatchLines}. */
export interface BatchReaderOptions {
  /**
   * Bad lines reported one by one; past this, one more diagnostic counts the rest, so a file of
   * a million bad lines does not give a million diagnostics.
   * @default 100
   */
  readonly maxDiagnostics?: number;
}

/** Reads a batch file pushed to it one line at a time; keeps counts, never the lines. */
export interface BatchReader<T> {
  /** Parses the next line; returns its item, or `undefined` for a blank, comment or bad line. */
  readonly readLine: (line: string) => T | undefined;
  /** Lines read so far (blank and bad ones included). */
  readonly lineCount: () => number;
  /** Bad lines so far, reported or not. */
  readonly errorCount: () => number;
  /** One `batch-line` error per bad line at `file:line:column` (capped; see `maxDiagnostics`). */
  readonly diagnostics: () => Diagnostic[];
}

const DEFAULT_MAX_DIAGNOSTICS = 100;

/**
 * A push-style reader for a batch file: feed it lines (without line breaks) in order, e.g. from a
 * stream, and read the diagnostics at the end. Line numbers are 1-based and count every line fed.
 *
 * @param file Where the lines come from, as diagnostics should name it.
 * @param parseLine From {@link makeTransferBatchLineParser} or {@link makeDeleteBatchLineParser}.
 */
export const makeBatchReader = <T>(
  file: string,
  parseLine: BatchLineParser<T>,
  options: BatchReaderOptions = {},
): BatchReader<T> => {
  const maxDiagnostics = options.maxDiagnostics ?? DEFAULT_MAX_DIAGNOSTICS;
  const reported: Diagnostic[] = [];
  let lines = 0;
  let errors = 0;
  let firstUnreportedLine = 0;
  return {
    readLine: (line) => {
      lines++;
      const result = parseLine(line);
      if (result.kind === "item") return result.item;
      if (result.kind === "error") {
        errors++;
        if (reported.length < maxDiagnostics) {
          reported.push(
            makeError(
              "batch-line",
              `cannot parse this line: ${result.message}`,
              { file, line: lines, column: result.column },
              result.hint,
            ),
          );
        } else if (firstUnreportedLine === 0) {
          firstUnreportedLine = lines;
        }
      }
      return undefined;
    },
    lineCount: () => lines,
    errorCount: () => errors,
    diagnostics: () => {
      const unreported = errors - reported.length;
      if (unreported === 0) return [...reported];
      return [
        ...reported,
        makeError(
          "batch-line",
          `${unreported} more ${unreported === 1 ? "line" : "lines"} cannot be parsed`,
          { file, line: firstUnreportedLine, column: 1 },
          "fix the lines above and validate again to see the rest",
        ),
      ];
    },
  };
};

/**
 * Parses a batch file given as lines: yields each item in order and, when done, returns the
 * diagnostics (`const diagnostics = yield* parseBatchLines(…)`, or read `.next().value` once
 * `done`). Holds no more than the line it is on, so `lines` may be a lazy iterator such as
 * {@link batchFileLines}.
 */
export function* parseBatchLines<T>(
  lines: Iterable<string>,
  file: string,
  parseLine: BatchLineParser<T>,
  options: BatchReaderOptions = {},
): Generator<T, Diagnostic[], undefined> {
  const reader = makeBatchReader(file, parseLine, options);
  for (const line of lines) {
    const item = reader.readLine(line);
    if (item !== undefined) yield item;
  }
  return reader.diagnostics();
}

/**
 * The lines of a batch file's text, one at a time, without building an array of them. Breaks at
 * `\n`, `\r\n` and `\r`, as Python's universal newlines do; a final line break adds no empty line.
 * A leading byte-order mark is dropped (globus-cli would make it part of the first path).
 */
export function* batchFileLines(text: string): Generator<string, void, undefined> {
  const n = text.length;
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  if (text.indexOf("\r") < 0) {
    while (pos < n) {
      const end = text.indexOf("\n", pos);
      if (end < 0) {
        yield text.slice(pos);
        return;
      }
      yield text.slice(pos, end);
      pos = end + 1;
    }
    return;
  }
  let start = pos;
  while (pos < n) {
    const c = text.charCodeAt(pos);
    if (c === LF || c === CR) {
      yield text.slice(start, pos);
      pos += c === CR && text.charCodeAt(pos + 1) === LF ? 2 : 1;
      start = pos;
    } else {
      pos++;
    }
  }
  if (start < n) yield text.slice(start);
}

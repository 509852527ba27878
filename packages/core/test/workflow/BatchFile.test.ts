import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type BatchLineResult,
  type BatchTransferItem,
  batchFileLines,
  makeBatchReader,
  makeDeleteBatchLineParser,
  makeTransferBatchLineParser,
  parseBatchLines,
  parseDeleteBatchLine,
  parseTransferBatchLine,
  splitShellWords,
} from "../../src/workflow/BatchFile.ts";

/** Builds the expected item result of a transfer line. */
const item = (
  sourcePath: string,
  destinationPath: string,
  extra: { recursive?: boolean; externalChecksum?: string } = {},
): BatchLineResult<BatchTransferItem> => ({
  kind: "item",
  item: { sourcePath, destinationPath, ...extra },
});

/** Runs a generator to the end: the items it yielded and the value it returned. */
const drain = <T, R>(gen: Generator<T, R, undefined>): { items: T[]; returned: R } => {
  const items: T[] = [];
  for (;;) {
    const next = gen.next();
    if (next.done === true) return { items, returned: next.value };
    items.push(next.value);
  }
};

describe("splitShellWords", () => {
  // Every expectation here was checked against Python 3's shlex.split(line, comments=True).
  it.each<[string, string[]]>([
    ["", []],
    ["   ", []],
    ["\t \r", []],
    ["a b", ["a", "b"]],
    ["  a   b  ", ["a", "b"]],
    ["a\tb", ["a", "b"]],
    ["a\r", ["a"]],
    ["a\nb", ["a", "b"]],
    // single quotes: everything literal
    ["'a b' c", ["a b", "c"]],
    [String.raw`'a\b'`, [String.raw`a\b`]],
    [`'say "hi"'`, [`say "hi"`]],
    // double quotes: only \" and \\ are escapes (not \$, \` or \n, unlike a POSIX shell)
    ['"a b" c', ["a b", "c"]],
    [String.raw`"a\"b"`, ['a"b']],
    [String.raw`"a\\b"`, [String.raw`a\b`]],
    [String.raw`"a\$b"`, [String.raw`a\$b`]],
    [String.raw`"a\`b"`, [String.raw`a\`b`]],
    [String.raw`"a\nb"`, [String.raw`a\nb`]],
    [`"it's"`, ["it's"]],
    // quotes join with what is around them; empty quotes are an empty word
    ["a'b c'd", ["ab cd"]],
    ['a"b c"d', ["ab cd"]],
    ["''", [""]],
    ['""', [""]],
    ["x '' y", ["x", "", "y"]],
    ['a""b', ["ab"]],
    // backslash outside quotes: the next character is literal
    [String.raw`a\ b`, ["a b"]],
    [String.raw`a\\b`, [String.raw`a\b`]],
    [String.raw`\'a`, ["'a"]],
    [String.raw`\"a`, ['"a']],
    [String.raw`a\#b`, ["a#b"]],
    [String.raw`\#a`, ["#a"]],
    // comments: an unquoted # ends the line, even inside a word
    ["# comment", []],
    ["  # comment", []],
    ["a # comment", ["a"]],
    ["a #b", ["a"]],
    ["a#b c", ["a"]],
    ["'a#b' c", ["a#b", "c"]],
    ['"a#b" c#d', ["a#b", "c"]],
    ["# comment\nb", ["b"]],
    // nothing else is special
    ["$HOME ~/x", ["$HOME", "~/x"]],
    ["é ü", ["é", "ü"]],
    ["a\u000bb", ["a\u000bb"]],
    ["a\u00a0b", ["a\u00a0b"]],
  ])("%j → %j", (line, words) => {
    expect(splitShellWords(line)).toEqual({ ok: true, words });
  });

  it.each<[string, string, number]>([
    ["'abc", "No closing quotation", 1],
    ['"abc', "No closing quotation", 1],
    ['a "b', "No closing quotation", 3],
    [`/x/y 'it"s`, "No closing quotation", 6],
    [String.raw`"a\"`, "No closing quotation", 1],
    ["a\\", "No escaped character", 2],
    ['"a\\', "No escaped character", 3],
  ])("%j fails: %s at column %i", (line, error, column) => {
    expect(splitShellWords(line)).toEqual({ ok: false, error, column });
  });
});

describe("parseTransferBatchLine", () => {
  it.each<[string, BatchLineResult<BatchTransferItem>]>([
    // blank lines and comments
    ["", { kind: "blank" }],
    ["   \t", { kind: "blank" }],
    ["# a comment", { kind: "blank" }],
    ["   # indented comment", { kind: "blank" }],
    // plain items; recursive is absent when the line does not say
    ["/data/f.txt /dest/f.txt", item("/data/f.txt", "/dest/f.txt")],
    ["  /data/f.txt\t\t~/f.txt  \r", item("/data/f.txt", "~/f.txt")],
    ["/data/f.txt /dest/f.txt # copy it", item("/data/f.txt", "/dest/f.txt")],
    // quoting
    [`"/data/my file.txt" '/dest/my file.txt'`, item("/data/my file.txt", "/dest/my file.txt")],
    [String.raw`/data/my\ file.txt /dest/it\'s`, item("/data/my file.txt", "/dest/it's")],
    [`'/data/#1' "/dest/#1"`, item("/data/#1", "/dest/#1")],
    // normalisation
    ["/a/./b//c/../d/ /x//y/./", item("/a/b/d/", "/x/y/")],
    ["/a/../../b ~/x/../y", item("/b", "~/y")],
    // --recursive / -r / --no-recursive anywhere
    ["-r /d/ /e/", item("/d/", "/e/", { recursive: true })],
    ["--recursive /d/ /e/", item("/d/", "/e/", { recursive: true })],
    ["/d/ -r /e/", item("/d/", "/e/", { recursive: true })],
    ["/d/ /e/ -r", item("/d/", "/e/", { recursive: true })],
    ["/d/ /e/ --recursive", item("/d/", "/e/", { recursive: true })],
    ["--no-recursive /d /e", item("/d", "/e", { recursive: false })],
    ["/d --no-recursive /e", item("/d", "/e", { recursive: false })],
    ["/d /e --no-recursive", item("/d", "/e", { recursive: false })],
    ["-rr /d /e", item("/d", "/e", { recursive: true })],
    // the last of --recursive / --no-recursive wins, as in click
    ["-r /d /e --no-recursive", item("/d", "/e", { recursive: false })],
    ["--no-recursive /d /e -r", item("/d", "/e", { recursive: true })],
    ["-r --no-recursive /d /e", item("/d", "/e", { recursive: false })],
    // --external-checksum anywhere, with a separate or an = value
    ["--external-checksum abc123 /f /g", item("/f", "/g", { externalChecksum: "abc123" })],
    ["/f --external-checksum abc123 /g", item("/f", "/g", { externalChecksum: "abc123" })],
    ["/f /g --external-checksum abc123", item("/f", "/g", { externalChecksum: "abc123" })],
    ["--external-checksum=abc123 /f /g", item("/f", "/g", { externalChecksum: "abc123" })],
    ["/f /g --external-checksum='ab c'", item("/f", "/g", { externalChecksum: "ab c" })],
    [
      "--external-checksum a --external-checksum b /f /g",
      item("/f", "/g", { externalChecksum: "b" }),
    ],
    // --no-recursive is not --recursive: it may go with a checksum
    [
      "--no-recursive --external-checksum abc /f /g",
      item("/f", "/g", { recursive: false, externalChecksum: "abc" }),
    ],
    [
      "-r --no-recursive /f /g --external-checksum abc",
      item("/f", "/g", { recursive: false, externalChecksum: "abc" }),
    ],
    // `--` ends the options; a lone `-` is a path
    ["-r -- /d/ /-e/", item("/d/", "/-e/", { recursive: true })],
    ["--external-checksum -r /f /g", item("/f", "/g", { externalChecksum: "-r" })],
  ])("%j", (line, expected) => {
    expect(parseTransferBatchLine(line)).toEqual(expected);
  });

  it.each<[string, string, number]>([
    // shell errors
    ["/f 'g", "No closing quotation", 4],
    ['/f "/g h', "No closing quotation", 4],
    ["/f /g\\", "No escaped character", 6],
    // unknown options name the option
    ["--foo /f /g", "unknown option --foo", 1],
    ["/f --foo=bar /g", "unknown option --foo", 4],
    ["/f /g -x", "unknown option -x", 7],
    ["-rx /f /g", "unknown option -x", 1],
    ["--Recursive /f /g", "unknown option --Recursive", 1],
    ["--help /f /g", "unknown option --help", 1],
    ["'--foo' /f /g", "unknown option --foo", 1],
    ["--recursive=yes /f /g", "option --recursive does not take a value", 1],
    ["/f /g --no-recursive=1", "option --no-recursive does not take a value", 7],
    ["/f /g --external-checksum", "option --external-checksum needs a checksum value", 7],
    ["/f /g --external-checksum=", "option --external-checksum needs a checksum value", 7],
    ["--external-checksum '' /f /g", "option --external-checksum needs a checksum value", 1],
    // mutual exclusion, reported at the later of the two
    [
      "-r --external-checksum abc /f /g",
      "--recursive and --external-checksum cannot be used together",
      4,
    ],
    [
      "--external-checksum abc /f /g --recursive",
      "--recursive and --external-checksum cannot be used together",
      31,
    ],
    [
      "--no-recursive /f --external-checksum=abc /g -r",
      "--recursive and --external-checksum cannot be used together",
      46,
    ],
    // wrong number of paths
    ["/data/f#1 /dest/f", "missing DEST_PATH", 1],
    ["-r", "missing SOURCE_PATH and DEST_PATH", 1],
    ["  --", "missing SOURCE_PATH and DEST_PATH", 3],
    ["  /only/one", "missing DEST_PATH", 3],
    ["-r /only/one # /commented/out", "missing DEST_PATH", 4],
    ["/f /g /h", 'too many paths: "/h" is a third path', 7],
    ["/my file /g", 'too many paths: "/g" is a third path', 10],
    // paths must end up absolute or home-relative
    [
      "f.txt /g",
      'source path "f.txt" is not absolute: start it with "/" or "~/", or set sourcePrefix',
      1,
    ],
    [
      "/f  ./g",
      'destination path "g" is not absolute: start it with "/" or "~/", or set destinationPrefix',
      5,
    ],
    [
      "-- /f -r",
      'destination path "-r" is not absolute: start it with "/" or "~/", or set destinationPrefix',
      7,
    ],
    [
      "/f ~user/g",
      'destination path "~user/g" is not absolute: start it with "/" or "~/", or set destinationPrefix',
      4,
    ],
  ])("%j fails: %s at column %i", (line, message, column) => {
    expect(parseTransferBatchLine(line)).toMatchObject({ kind: "error", message, column });
  });

  it("explains what a line looks like and how to quote spaces", () => {
    expect(parseTransferBatchLine("--foo /f /g")).toMatchObject({
      hint: expect.stringContaining("SOURCE_PATH DEST_PATH"),
    });
    expect(parseTransferBatchLine("/my file /g")).toMatchObject({
      hint: expect.stringContaining("quote a path that contains spaces"),
    });
  });

  it.each<[string, string | undefined, string | undefined, BatchLineResult<BatchTransferItem>]>([
    // relative paths go under the prefixes
    ["godata/f1.txt myfile1.txt", "/share/", "~/", item("/share/godata/f1.txt", "~/myfile1.txt")],
    ["godata mydir -r", "/share", "~", item("/share/godata", "~/mydir", { recursive: true })],
    ["a/../b ./c/", "/in/x/", "/out", item("/in/x/b", "/out/c/")],
    ["../../../up /x", "/in/", undefined, item("/up", "/x")],
    [`"my dir/f" 'x y'`, "/in", "/out/", item("/in/my dir/f", "/out/x y")],
    ["'' ''", "/in/a/", "/out/./b", item("/in/a/", "/out/b")],
    // absolute and home-relative paths replace them
    ["/abs/f ~/home/f", "/share/", "/dest/", item("/abs/f", "~/home/f")],
    // the prefixes themselves are normalised
    ["f g", "/share/./in//", "~/out/../o2", item("/share/in/f", "~/o2/g")],
    // only one prefix given: the other path must be absolute
    ["f /g", "/in", undefined, item("/in/f", "/g")],
  ])("%j with prefixes %j and %j", (line, sourcePrefix, destinationPrefix, expected) => {
    const options = {
      ...(sourcePrefix === undefined ? {} : { sourcePrefix }),
      ...(destinationPrefix === undefined ? {} : { destinationPrefix }),
    };
    expect(parseTransferBatchLine(line, options)).toEqual(expected);
    expect(makeTransferBatchLineParser(options)(line)).toEqual(expected);
  });

  it("reports a relative path that a relative prefix leaves relative", () => {
    expect(parseTransferBatchLine("f /g", { sourcePrefix: "data" })).toEqual({
      kind: "error",
      message:
        'source path "data/f" is not absolute: start it with "/" or "~/", or set sourcePrefix',
      column: 1,
    });
  });

  it("gives the same result on its fast path as on its full parse", () => {
    // A trailing comment sends any line to the full parse without changing its meaning.
    const word = fc.constantFrom(
      "/data/f",
      "/d/",
      "rel/x",
      "~/h",
      "/a/./b",
      "/a//b",
      "../c",
      ".hidden",
      "/.x/y",
      "-r",
      "--recursive",
      "--no-recursive",
      "--external-checksum",
      "--external-checksum=abc",
      "abc",
      "--",
      "-",
      "--foo",
      "'q w'",
      "''",
      "é/ü",
    );
    const space = fc.constantFrom(" ", "  ", "\t", " \r");
    const line = fc
      .array(fc.tuple(word, space), { maxLength: 5 })
      .map((parts) => parts.map(([w, s]) => w + s).join(""));
    const prefixes = fc.constantFrom(
      {},
      { sourcePrefix: "/in/" },
      { sourcePrefix: "/in", destinationPrefix: "~/out" },
      { destinationPrefix: "/o/./p//" },
    );
    fc.assert(
      fc.property(line, prefixes, (l, options) => {
        const parse = makeTransferBatchLineParser(options);
        expect(parse(l)).toEqual(parse(`${l} #`));
      }),
      { seed: 20_261_127, numRuns: 3_000 },
    );
  });
});

describe("parseDeleteBatchLine", () => {
  it.each<[string, { prefix?: string }, BatchLineResult<{ path: string }>]>([
    ["", {}, { kind: "blank" }],
    ["  # only a comment", {}, { kind: "blank" }],
    ["/data/old.txt", {}, { kind: "item", item: { path: "/data/old.txt" } }],
    ["  ~/old/dir/  # tidy up", {}, { kind: "item", item: { path: "~/old/dir/" } }],
    ["'/data/my file'", {}, { kind: "item", item: { path: "/data/my file" } }],
    [String.raw`/data/my\ file`, {}, { kind: "item", item: { path: "/data/my file" } }],
    ["/a/./b//c/../", {}, { kind: "item", item: { path: "/a/b/" } }],
    [
      "run1/out.log",
      { prefix: "/scratch/" },
      { kind: "item", item: { path: "/scratch/run1/out.log" } },
    ],
    ["/abs", { prefix: "/scratch/" }, { kind: "item", item: { path: "/abs" } }],
    ["../x", { prefix: "/scratch/a" }, { kind: "item", item: { path: "/scratch/x" } }],
    ["-- -odd", { prefix: "/s" }, { kind: "item", item: { path: "/s/-odd" } }],
  ])("%j with %j", (line, options, expected) => {
    expect(parseDeleteBatchLine(line, options)).toEqual(expected);
    expect(makeDeleteBatchLineParser(options)(line)).toEqual(expected);
  });

  it.each<[string, string, number]>([
    ["/a /b", 'too many paths: "/b" is a second path', 4],
    ["/my file", 'too many paths: "file" is a second path', 5],
    ["-r /a", "unknown option -r", 1],
    ["/a --recursive=yes", "unknown option --recursive", 4],
    ["--", "missing PATH", 1],
    ["'/a", "No closing quotation", 1],
    ["rel", 'path "rel" is not absolute: start it with "/" or "~/", or set prefix', 1],
  ])("%j fails: %s at column %i", (line, message, column) => {
    expect(parseDeleteBatchLine(line)).toMatchObject({ kind: "error", message, column });
  });
});

describe("delete fast path", () => {
  it("gives the same result as the full parse", () => {
    const line = fc
      .tuple(
        fc.constantFrom("", " ", "\t"),
        fc.constantFrom("/a/b", "/a/./b", "rel/x", "~/h/", ".hidden", "-x", "--", "é", "/a//b"),
        fc.constantFrom("", " ", " \r"),
      )
      .map(([a, w, b]) => a + w + b);
    fc.assert(
      fc.property(line, fc.constantFrom({}, { prefix: "/p/" }, { prefix: "~" }), (l, options) => {
        const parse = makeDeleteBatchLineParser(options);
        expect(parse(l)).toEqual(parse(`${l} #`));
      }),
      { seed: 20_261_127, numRuns: 500 },
    );
  });
});

describe("batchFileLines", () => {
  it.each<[string, string[]]>([
    ["", []],
    ["a", ["a"]],
    ["a\n", ["a"]],
    ["a\nb", ["a", "b"]],
    ["a\n\nb\n", ["a", "", "b"]],
    ["\n", [""]],
    ["a\r\nb\r\n", ["a", "b"]],
    ["a\rb\r", ["a", "b"]],
    ["a\r\n\r\nb", ["a", "", "b"]],
    ["a\n\rb", ["a", "", "b"]],
    ["\ufeffa b\nc d\n", ["a b", "c d"]],
  ])("%j → %j", (text, lines) => {
    expect([...batchFileLines(text)]).toEqual(lines);
  });
});

describe("parseBatchLines", () => {
  const file = "workflows/batch.txt";
  const text = [
    "# sources under /share, destinations under ~/",
    "godata/file1.txt myfile1.txt",
    "",
    "godata/file2.txt",
    "  godata mydir -r",
    "--recursive godata mydir2 --external-checksum abc",
    "'godata/file 3.txt' \"my file3.txt\"",
    "--foo a b",
  ].join("\n");

  it("yields the items and returns a diagnostic per bad line at file:line:column", () => {
    const parse = makeTransferBatchLineParser({ sourcePrefix: "/share/", destinationPrefix: "~/" });
    const { items, returned } = drain(parseBatchLines(batchFileLines(text), file, parse));
    expect(items).toEqual([
      { sourcePath: "/share/godata/file1.txt", destinationPath: "~/myfile1.txt" },
      { sourcePath: "/share/godata", destinationPath: "~/mydir", recursive: true },
      { sourcePath: "/share/godata/file 3.txt", destinationPath: "~/my file3.txt" },
    ]);
    expect(returned).toEqual([
      {
        severity: "error",
        code: "batch-line",
        summary: "cannot parse this line: missing DEST_PATH",
        hint: expect.stringContaining("SOURCE_PATH DEST_PATH"),
        at: { file, line: 4, column: 1 },
      },
      {
        severity: "error",
        code: "batch-line",
        summary:
          "cannot parse this line: --recursive and --external-checksum cannot be used together",
        hint: expect.any(String),
        at: { file, line: 6, column: 27 },
      },
      {
        severity: "error",
        code: "batch-line",
        summary: "cannot parse this line: unknown option --foo",
        hint: expect.any(String),
        at: { file, line: 8, column: 1 },
      },
    ]);
  });

  it("returns the diagnostics to yield*", () => {
    const collected: { path: string }[] = [];
    function* run(): Generator<{ path: string }, void, undefined> {
      const diagnostics = yield* parseBatchLines(
        ["/a", "b", "/c"],
        "rm.txt",
        makeDeleteBatchLineParser(),
      );
      expect(diagnostics).toEqual([
        {
          severity: "error",
          code: "batch-line",
          summary:
            'cannot parse this line: path "b" is not absolute: start it with "/" or "~/", or set prefix',
          at: { file: "rm.txt", line: 2, column: 1 },
        },
      ]);
    }
    for (const it of run()) collected.push(it);
    expect(collected).toEqual([{ path: "/a" }, { path: "/c" }]);
  });

  it("reports at most maxDiagnostics bad lines, then counts the rest", () => {
    const lines = ["/ok /ok", "bad", "bad", "/ok /ok", "bad", "bad", "bad"];
    const { items, returned } = drain(
      parseBatchLines(lines, file, makeTransferBatchLineParser(), { maxDiagnostics: 2 }),
    );
    expect(items).toHaveLength(2);
    expect(returned.map((d) => [d.summary, d.at?.line])).toEqual([
      ["cannot parse this line: missing DEST_PATH", 2],
      ["cannot parse this line: missing DEST_PATH", 3],
      ["3 more lines cannot be parsed", 5],
    ]);
  });
});

describe("makeBatchReader", () => {
  it("takes lines pushed one at a time and counts them", () => {
    const reader = makeBatchReader("t.txt", makeTransferBatchLineParser({ sourcePrefix: "/s" }));
    expect(reader.readLine("a /b")).toEqual({ sourcePath: "/s/a", destinationPath: "/b" });
    expect(reader.readLine("# nothing")).toBeUndefined();
    expect(reader.readLine("a b")).toBeUndefined();
    expect(reader.lineCount()).toBe(3);
    expect(reader.errorCount()).toBe(1);
    expect(reader.diagnostics()).toEqual([
      {
        severity: "error",
        code: "batch-line",
        summary:
          'cannot parse this line: destination path "b" is not absolute: start it with "/" or "~/", or set destinationPrefix',
        at: { file: "t.txt", line: 3, column: 3 },
      },
    ]);
  });

  it("keeps counting over many lines", () => {
    const reader = makeBatchReader("big.txt", makeTransferBatchLineParser({ sourcePrefix: "/in" }));
    let items = 0;
    for (let i = 0; i < 100_000; i++) {
      if (reader.readLine(`run/f${i}.dat /out/run/f${i}.dat`) !== undefined) items++;
    }
    expect(items).toBe(100_000);
    expect(reader.lineCount()).toBe(100_000);
    expect(reader.diagnostics()).toEqual([]);
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  isAbsoluteGlobusPath,
  joinGlobusPath,
  makeGlobusPathJoiner,
  normalizeGlobusPath,
} from "../../src/workflow/GlobusPath.ts";

describe("isAbsoluteGlobusPath", () => {
  it.each([
    ["/", true],
    ["/data/x", true],
    ["~", true],
    ["~/", true],
    ["~/x", true],
    ["~user/x", false],
    ["~x", false],
    ["data/x", false],
    ["./x", false],
    ["", false],
  ])("%j → %s", (path, expected) => {
    expect(isAbsoluteGlobusPath(path)).toBe(expected);
  });
});

describe("normalizeGlobusPath", () => {
  it.each([
    // already normal: returned as is
    ["/", "/"],
    ["/a/b", "/a/b"],
    ["/a/b/", "/a/b/"],
    ["~", "~"],
    ["~/", "~/"],
    ["~/a", "~/a"],
    ["a/b", "a/b"],
    ["", ""],
    ["/.hidden/x", "/.hidden/x"],
    ["/a/..b/c.", "/a/..b/c."],
    // dots and doubled slashes
    ["/a/./b//c/../d/", "/a/b/d/"],
    ["//a///b", "/a/b"],
    ["//", "/"],
    ["/./", "/"],
    ["/a/.", "/a"],
    ["/a/b/..", "/a"],
    ["/a/b/../", "/a/"],
    ["/a/../", "/"],
    ["/a/..", "/"],
    // `..` above the root stays at the root
    ["/..", "/"],
    ["/../", "/"],
    ["/../../a", "/a"],
    ["/a/../../b/", "/b/"],
    // home-relative: the leading ~ is kept, and so is a `..` right after it
    ["~/a/./b/../c", "~/a/c"],
    ["~//a/", "~/a/"],
    ["~/a/..", "~"],
    ["~/a/../", "~/"],
    ["~/..", "~/.."],
    ["~/../x/../y", "~/../y"],
    // relative: leading `..` kept, empty result is `.`
    ["a/./b", "a/b"],
    ["./a", "a"],
    ["../a", "../a"],
    ["a/../../b", "../b"],
    ["../../a/..", "../.."],
    [".", "."],
    ["./", "./"],
    ["a/..", "."],
    ["a/../", "./"],
    // `~` that is not the first segment is an ordinary name
    ["/a/~/..", "/a"],
    ["~x/..", "."],
    // a relative path to a directory named `~` must not turn into a home path
    ["./~/x", "./~/x"],
    ["a/../~", "./~"],
    ["./~", "./~"],
  ])("%j → %j", (path, expected) => {
    expect(normalizeGlobusPath(path)).toBe(expected);
  });
});

describe("joinGlobusPath", () => {
  it.each([
    // relative paths go under the prefix
    ["/share/", "godata/f.txt", "/share/godata/f.txt"],
    ["/share", "godata/f.txt", "/share/godata/f.txt"],
    ["~/", "myfile.txt", "~/myfile.txt"],
    ["~", "dir/", "~/dir/"],
    ["/", "a", "/a"],
    ["/share/", "./godata//f.txt", "/share/godata/f.txt"],
    ["/share/run1/", "../run2/f", "/share/run2/f"],
    ["/share/", "../../../f", "/f"],
    ["/share/a/", "..", "/share"],
    ["/share/a/", "../", "/share/"],
    ["/share/x/../y/", "z", "/share/y/z"],
    // absolute and home-relative paths replace the prefix
    ["/share/", "/other/f.txt", "/other/f.txt"],
    ["/share/", "//other/./f.txt", "/other/f.txt"],
    ["/share/", "~/f.txt", "~/f.txt"],
    ["/share/", "~", "~"],
    // `~x` is a relative name
    ["/share/", "~x/f", "/share/~x/f"],
    // an empty path is the prefix itself; an empty prefix is no prefix
    ["/share/./a/", "", "/share/a/"],
    ["", "a/./b", "a/b"],
    ["", "/a/./b", "/a/b"],
    // relative prefixes stay relative
    ["data", "x", "data/x"],
    ["a/..", "x", "x"],
    [".", "x", "x"],
  ])("%j + %j → %j", (prefix, path, expected) => {
    expect(joinGlobusPath(prefix, path)).toBe(expected);
  });
});

describe("makeGlobusPathJoiner", () => {
  it("joins like joinGlobusPath, normalising the prefix once", () => {
    const joiner = makeGlobusPathJoiner("/share/./in//");
    expect(joiner.join("a/../b")).toBe("/share/in/b");
    expect(joiner.join("")).toBe("/share/in/");
    expect(joiner.join("/abs")).toBe("/abs");
    expect(joiner.joinNormalized("run/f.dat")).toBe("/share/in/run/f.dat");
    expect(joiner.joinNormalized("~/f")).toBe("~/f");
  });

  it("only normalises without a prefix", () => {
    for (const prefix of [undefined, ""]) {
      const joiner = makeGlobusPathJoiner(prefix);
      expect(joiner.join("/a/./b")).toBe("/a/b");
      expect(joiner.joinNormalized("/a/b")).toBe("/a/b");
    }
  });
});

describe("properties", () => {
  const segment = fc.constantFrom("a", "bc", ".", "..", "", "~", ".x", "x.", "...");
  const path = fc
    .tuple(fc.constantFrom("", "/", "~/", "~", "./", "../"), fc.array(segment, { maxLength: 8 }))
    .map(([start, segments]) => start + segments.join("/"));
  const settings = { seed: 20_261_127, numRuns: 2_000 };

  it("normalising twice changes nothing", () => {
    fc.assert(
      fc.property(path, (p) => {
        const once = normalizeGlobusPath(p);
        expect(normalizeGlobusPath(once)).toBe(once);
      }),
      settings,
    );
  });

  it("keeps absolute paths absolute, without dot segments or doubled slashes", () => {
    fc.assert(
      fc.property(path, (p) => {
        fc.pre(p.startsWith("/"));
        const n = normalizeGlobusPath(p);
        expect(n.startsWith("/")).toBe(true);
        expect(n).not.toMatch(/\/\/|\/\.\.?(\/|$)/);
      }),
      settings,
    );
  });

  it("keeps a trailing slash, except where the result is the bare root", () => {
    fc.assert(
      fc.property(path, (p) => {
        fc.pre(p.length > 1 && p.endsWith("/"));
        expect(normalizeGlobusPath(p).endsWith("/")).toBe(true);
      }),
      settings,
    );
  });

  it("keeps home-relative paths home-relative", () => {
    fc.assert(
      fc.property(path, (p) => {
        fc.pre(p === "~" || p.startsWith("~/"));
        expect(isAbsoluteGlobusPath(normalizeGlobusPath(p))).toBe(true);
      }),
      settings,
    );
  });

  it("a joiner gives what joinGlobusPath gives", () => {
    fc.assert(
      fc.property(path, path, (prefix, p) => {
        expect(makeGlobusPathJoiner(prefix).join(p)).toBe(joinGlobusPath(prefix, p));
      }),
      settings,
    );
  });

  it("joinNormalized agrees with join for paths that need no normalising", () => {
    fc.assert(
      fc.property(path, path, (prefix, p) => {
        fc.pre(normalizeGlobusPath(p) === p && !p.startsWith("."));
        const joiner = makeGlobusPathJoiner(prefix);
        expect(joiner.joinNormalized(p)).toBe(joiner.join(p));
      }),
      settings,
    );
  });
});

import { describe, expect, it } from "vitest";
import {
  compileFilterRules,
  compileGlob,
  hasGlobMagic,
  unescapeGlob,
} from "../../src/transfer/FilterRules.ts";

describe("compileGlob (filter rules: fnmatch)", () => {
  it.each([
    ["*.tmp", "a.tmp", true],
    ["*.tmp", ".tmp", true],
    ["*.tmp", "a.tmpx", false],
    ["*", "", true],
    ["*", ".hidden", true],
    ["a**b", "ab", true],
    ["?", "a", true],
    ["?", "", false],
    ["?", "ab", false],
    ["??.txt", "ab.txt", true],
    ["?", "é", true],
    ["?", "😀", true],
    ["[abc]", "b", true],
    ["[abc]", "d", false],
    ["[a-c]x", "bx", true],
    ["[a-c]x", "dx", false],
    ["[!a-c]*", "dog", true],
    ["[!a-c]*", "cat", false],
    ["[!a-c]*", "", false],
    ["[^a]", "^", true],
    ["[^a]", "b", false],
    ["[]]", "]", true],
    ["[!]]", "a", true],
    ["[!]]", "]", false],
    ["[a-]", "-", true],
    ["[z-a]", "m", false],
    ["[!z-a]", "m", true],
    ["[", "[", true],
    ["[abc", "[abc", true],
    ["a]", "a]", true],
    ["file[1].txt", "file1.txt", true],
    ["file[1].txt", "file[1].txt", false],
    ["a\\*", "a\\b", true],
    ["(x)+{y}|$^.", "(x)+{y}|$^.", true],
    ["(x)+{y}|$^.", "x", false],
    ["A*", "a", false],
    ["*", "line\nbreak", true],
  ])("%j matches %j: %s", (pattern, name, expected) => {
    expect(compileGlob(pattern).test(name)).toBe(expected);
  });
});

describe("compileGlob (delete globs: escapes, shell dot rule)", () => {
  const glob = (p: string) => compileGlob(p, { backslashEscapes: true, matchLeadingDot: false });
  it.each([
    ["*.log", "a.log", true],
    ["*.log", ".a.log", false],
    ["?x", ".x", false],
    ["[.]x", ".x", false],
    [".*", ".hidden", true],
    ["\\.*", ".hidden", true],
    ["\\*.log", "*.log", true],
    ["\\*.log", "a.log", false],
    ["\\[x\\].log", "[x].log", true],
    ["[\\]]", "]", true],
    ["a\\", "a\\", true],
  ])("%j matches %j: %s", (pattern, name, expected) => {
    expect(glob(pattern).test(name)).toBe(expected);
  });

  it("finds unescaped magic and removes escapes", () => {
    expect(hasGlobMagic("a*b", { backslashEscapes: true })).toBe(true);
    expect(hasGlobMagic("a\\*b", { backslashEscapes: true })).toBe(false);
    expect(hasGlobMagic("a\\*b")).toBe(true);
    expect(hasGlobMagic("plain.txt")).toBe(false);
    expect(unescapeGlob("a\\*b\\\\c\\[d")).toBe("a*b\\c[d");
  });
});

describe("compileFilterRules", () => {
  it("includes everything without rules", () => {
    const rules = compileFilterRules([]);
    expect(rules.isEmpty).toBe(true);
    expect(rules.includes("anything", "file")).toBe(true);
  });

  it("lets the first matching rule decide and includes unmatched names", () => {
    const rules = compileFilterRules([
      { method: "include", name: "keep.tmp" },
      { method: "exclude", name: "*.tmp" },
      { method: "include", name: "*" },
    ]);
    expect(rules.includes("keep.tmp", "file")).toBe(true);
    expect(rules.includes("drop.tmp", "file")).toBe(false);
    expect(rules.includes("drop.tmp", "dir")).toBe(false);
    expect(rules.includes("other", "file")).toBe(true);
  });

  it("limits a rule with type to files or directories", () => {
    const rules = compileFilterRules([
      { method: "exclude", name: "build", type: "dir" },
      { method: "exclude", name: "*.o", type: "file" },
    ]);
    expect(rules.includes("build", "dir")).toBe(false);
    expect(rules.includes("build", "file")).toBe(true);
    expect(rules.includes("x.o", "file")).toBe(false);
    expect(rules.includes("x.o", "dir")).toBe(true);
  });
});

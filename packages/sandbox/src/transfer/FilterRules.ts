/**
 * Glob matching for a transfer's `filter_rules` and a delete's `interpret_globs`: `*`, `?`,
 * `[...]`, `[!...]` against one path component. Pure: it never touches the filesystem.
 * @see globus-api.md §5.6 (filter_rules), §5.7 (interpret_globs)
 */

/** One `filter_rule` of a transfer document, in the engine's spelling. @see globus-api.md §5.6 */
export interface FilterRule {
  readonly method: "include" | "exclude";
  /** A glob matched against an entry's name (never against its path). */
  readonly name: string;
  /** Limits the rule to files or to directories; absent applies to both. */
  readonly type?: "file" | "dir";
}

/** What a filter rule sees of an entry: a followed symlink counts as what it points to. */
export type EntryKind = "file" | "dir";

export interface GlobOptions {
  /**
   * `\x` matches `x` literally (delete's `interpret_globs`). Off for filter rules, which follow
   * Python's `fnmatch`, where a backslash is an ordinary character.
   * @default false
   */
  readonly backslashEscapes?: boolean;
  /**
   * Whether a wildcard may match a leading `.` of the name. On for filter rules (`fnmatch` has no
   * special dot rule); off for deletes, as in a shell, so `*` never sweeps up hidden files.
   * @default true
   */
  readonly matchLeadingDot?: boolean;
}

// Exactly the characters a `u`-flag RegExp lets you escape; escaping any other one is an error.
const REGEX_SPECIAL = /[\\^$.*+?()[\]{}|/]/;

const literal = (ch: string): string => (REGEX_SPECIAL.test(ch) ? `\\${ch}` : ch);

const classMember = (codePoint: number): string => `\\u{${codePoint.toString(16)}}`;

/**
 * Parses a bracket expression starting at `chars[start]` (the `[`). Returns the regex source and
 * the index after the closing `]`, or undefined when the bracket never closes, in which case the
 * `[` is an ordinary character (as in fnmatch and shells).
 */
const parseBracket = (
  chars: readonly string[],
  start: number,
  escapes: boolean,
): { readonly source: string; readonly next: number } | undefined => {
  let i = start + 1;
  let negate = false;
  // `!` negates, as POSIX says; `^` is an ordinary member, as in Python's fnmatch.
  if (chars[i] === "!") {
    negate = true;
    i++;
  }
  const ranges: [number, number][] = [];
  let first = true;
  for (;;) {
    let ch = chars[i];
    if (ch === undefined) return undefined;
    // A `]` right after `[` or `[!` is a member, so `[]]` and `[!]]` work.
    if (ch === "]" && !first) break;
    first = false;
    if (escapes && ch === "\\" && chars[i + 1] !== undefined) {
      i++;
      ch = chars[i] ?? ch;
    }
    const low = ch.codePointAt(0) ?? 0;
    const dash = chars[i + 1];
    const after = chars[i + 2];
    // `a-z` is a range unless the `-` is last (`[a-]` holds `a` and `-`).
    if (dash === "-" && after !== undefined && after !== "]") {
      let highChar = after;
      let skip = 3;
      if (escapes && after === "\\" && chars[i + 3] !== undefined) {
        highChar = chars[i + 3] ?? after;
        skip = 4;
      }
      ranges.push([low, highChar.codePointAt(0) ?? 0]);
      i += skip;
      continue;
    }
    ranges.push([low, low]);
    i++;
  }
  // A reversed range such as `[z-a]` matches nothing, as in Python's fnmatch.
  const members = ranges
    .filter(([lo, hi]) => lo <= hi)
    .map(([lo, hi]) => (lo === hi ? classMember(lo) : `${classMember(lo)}-${classMember(hi)}`))
    .join("");
  const source = members === "" ? (negate ? "." : "(?!)") : `[${negate ? "^" : ""}${members}]`;
  return { source, next: i + 1 };
};

/**
 * Compiles a glob for one path component into an anchored RegExp: `*` any run of characters,
 * `?` exactly one, `[abc]`, `[a-c]`, `[!a-c]` one of (or none of) a set; everything else literal,
 * case-sensitive. An unclosed `[` is literal.
 *
 * @example compileGlob("[!a-c]*").test("dog") // true
 */
export const compileGlob = (pattern: string, options: GlobOptions = {}): RegExp => {
  const escapes = options.backslashEscapes ?? false;
  const chars = Array.from(pattern);
  let source = "";
  let i = 0;
  while (i < chars.length) {
    const ch = chars[i] ?? "";
    if (escapes && ch === "\\" && i + 1 < chars.length) {
      source += literal(chars[i + 1] ?? "");
      i += 2;
    } else if (ch === "*") {
      // Consecutive stars mean the same as one; collapsing avoids needless backtracking.
      while (chars[i + 1] === "*") i++;
      source += ".*";
      i++;
    } else if (ch === "?") {
      source += ".";
      i++;
    } else if (ch === "[") {
      const bracket = parseBracket(chars, i, escapes);
      if (bracket === undefined) {
        source += "\\[";
        i++;
      } else {
        source += bracket.source;
        i = bracket.next;
      }
    } else {
      source += literal(ch);
      i++;
    }
  }
  // With the shell's dot rule a leading `.` must be written out: `*`, `?` and `[.]` skip it.
  const dotFirst = chars[0] === "." || (escapes && chars[0] === "\\" && chars[1] === ".");
  const guard = options.matchLeadingDot === false && !dotFirst ? "(?!\\.)" : "";
  return new RegExp(`^${guard}(?:${source})$`, "su");
};

/** Whether `pattern` has an unescaped `*`, `?` or `[`, i.e. whether it needs expanding at all. */
export const hasGlobMagic = (pattern: string, options: GlobOptions = {}): boolean => {
  const escapes = options.backslashEscapes ?? false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (escapes && ch === "\\") i++;
    else if (ch === "*" || ch === "?" || ch === "[") return true;
  }
  return false;
};

/** Removes glob escapes: `\*` → `*`, `\\` → `\`; a trailing lone backslash stays. */
export const unescapeGlob = (pattern: string): string => pattern.replace(/\\(.)/gsu, "$1");

/** A compiled, ordered rule list. */
export interface FilterRuleSet {
  /** True when there are no rules: callers skip matching altogether. */
  readonly isEmpty: boolean;
  /**
   * Whether an entry is transferred: the first rule that matches its name (and type) decides;
   * an entry no rule matches is included.
   */
  readonly includes: (name: string, kind: EntryKind) => boolean;
}

/**
 * Compiles filter rules once per task. Rules are checked in order and the first match wins;
 * unmatched entries are included; `type` limits a rule to files or directories. Excluding a
 * directory excluding everything below it is the walker's job: it never descends into it.
 * @see globus-api.md §5.6
 */
export const compileFilterRules = (rules: readonly FilterRule[]): FilterRuleSet => {
  const compiled = rules.map((rule) => ({
    include: rule.method === "include",
    type: rule.type,
    regex: compileGlob(rule.name),
  }));
  return {
    isEmpty: compiled.length === 0,
    includes: (name, kind) => {
      for (const rule of compiled) {
        if (rule.type !== undefined && rule.type !== kind) continue;
        if (rule.regex.test(name)) return rule.include;
      }
      return true;
    },
  };
};

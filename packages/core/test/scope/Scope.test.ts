/**
 * Tests for Globus scope strings: every accept/reject rule of reference §3.3, the builders' exact
 * strings, merging, `scopeContains`, and seeded property tests for round-trips and totality.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  dataAccessScope,
  isValidScopeName,
  makeScope,
  mergeScopes,
  type ParseScopesResult,
  parseScopes,
  type Scope,
  scopeContains,
  serializeScope,
  serializeScopes,
  TRANSFER_ALL_SCOPE,
  TRANSFER_RESOURCE_SERVER,
  transferScopeWithDataAccess,
} from "../../src/scope/Scope.ts";

const PROPERTY_RUNS = { seed: 42, numRuns: 300 } as const;

/** The parsed scopes, failing the test with the parser's message when the text was rejected. */
const parsed = (text: string): Scope[] => {
  const result = parseScopes(text);
  if (!result.ok) expect.fail(`expected ${JSON.stringify(text)} to parse: ${result.error}`);
  return result.scopes;
};

const normalised = (text: string): string => serializeScopes(parsed(text));

const serializedOrError = (result: ParseScopesResult): string =>
  result.ok ? serializeScopes(result.scopes) : "error";

describe("parseScopes accepts (reference §3.3)", () => {
  it.each([
    // empty
    ["", ""],
    ["   ", ""],
    // plain scopes and the reference's serialisation examples
    ["foo", "foo"],
    ["*foo", "*foo"],
    ["foo bar", "foo bar"],
    ["foo[bar]", "foo[bar]"],
    ["foo[*bar]", "foo[*bar]"],
    ["foo[bar[baz]]", "foo[bar[baz]]"],
    ["foo[bar] baz", "foo[bar] baz"],
    ["alpha[*beta]", "alpha[*beta]"],
    ["top[foo bar]", "top[foo bar]"],
    [
      "flow_user[*ap_scope[*transfer:all[*data_access]]]",
      "flow_user[*ap_scope[*transfer:all[*data_access]]]",
    ],
    // whitespace is not significant
    ["foo ", "foo"],
    [" foo", "foo"],
    [" foo  ", "foo"],
    ["foo[ bar]", "foo[bar]"],
    ["foo[bar ]", "foo[bar]"],
    ["foo[ bar   *baz  ]", "foo[bar *baz]"],
    ["foo\tbar\nbaz\r\n", "foo bar baz"],
    ["foo[bar] ", "foo[bar]"],
    ["foo[bar]\tbaz", "foo[bar] baz"],
    ["foo[bar[baz] ]", "foo[bar[baz]]"],
    // required beats optional for the same edge
    ["foo[bar *bar]", "foo[bar]"],
    ["foo[*bar bar]", "foo[bar]"],
    ["foo[*bar *bar]", "foo[*bar]"],
    // the same scope in several places is one node with one set of dependencies
    ["foo[bar[baz]] bar[*baz]", "foo[bar[baz]] bar[baz]"],
    ["foo[bar[*baz]] bar[baz]", "foo[bar[baz]] bar[baz]"],
    ["foo[bar] bar[baz]", "foo[bar[baz]] bar[baz]"],
    ["foo[bar baz] foo[qux bar]", "foo[bar baz qux]"],
    ["a[b c] b[c]", "a[b[c] c] b[c]"],
    ["foo foo", "foo"],
    ["*foo foo", "foo"],
    ["*foo *foo", "*foo"],
    ["foo[bar] bar", "foo[bar] bar"],
  ])("%j → %j", (text, expected) => {
    expect(normalised(text)).toBe(expected);
  });

  it("reads URN and URL scope names whole", () => {
    expect(
      parsed(
        "urn:globus:auth:scope:transfer.api.globus.org:all[*https://auth.globus.org/scopes/C1/data_access]",
      ),
    ).toEqual([
      makeScope(TRANSFER_ALL_SCOPE, {
        dependencies: [makeScope(dataAccessScope("C1"), { optional: true })],
      }),
    ]);
  });

  it("gives a merged scope the same dependencies wherever it appears", () => {
    const [foo, bar] = parsed("foo[*bar[baz]] bar[qux]");
    expect(foo?.dependencies).toEqual([
      makeScope("bar", {
        optional: true,
        dependencies: [makeScope("baz"), makeScope("qux")],
      }),
    ]);
    expect(bar).toEqual(makeScope("bar", { dependencies: [makeScope("baz"), makeScope("qux")] }));
  });

  it("parses deep nesting without exhausting the call stack", () => {
    const depth = 20_000;
    const text = `${Array.from({ length: depth }, (_, i) => `s${i}[`).join("")}leaf${"]".repeat(depth)}`;
    const scopes = parsed(text);
    expect(serializeScopes(scopes)).toBe(text);
  });
});

describe("parseScopes rejects (reference §3.3)", () => {
  it.each<[string, number, RegExp]>([
    // `*` must immediately precede a name
    ["foo*", 3, /"\*" at character 4 must be immediately followed by a scope name/],
    ["foo *", 4, /"\*" at character 5 must be immediately followed by a scope name/],
    ["* foo", 0, /"\*" at character 1 must be immediately followed by a scope name/],
    ["foo * ", 4, /"\*" at character 5 must be immediately followed/],
    ["foo*[bar]", 3, /"\*" at character 4 must be immediately followed/],
    ["foo *[bar]", 4, /"\*" at character 5 must be immediately followed/],
    ["foo[bar*]", 7, /"\*" at character 8 must be immediately followed/],
    ["**foo", 0, /"\*" at character 1 must be immediately followed/],
    ["foo*bar", 3, /"\*" at character 4 must start a scope/],
    // no space before `[`
    ["foo [bar]", 4, /"\[" at character 5 must directly follow "foo", without a space/],
    ["foo [bar*]", 4, /without a space/],
    ["foo\t[bar]", 4, /without a space/],
    ["a b [c]", 4, /must directly follow "b", without a space/],
    // `]` must be followed by a space or `]`
    ["foo[bar]baz", 7, /"\]" at character 8 must be followed by a space or another "\]"/],
    ["foo[bar]*baz", 7, /"\]" at character 8 must be followed by a space/],
    ["foo[bar][baz]", 7, /"\]" at character 8 must be followed by a space/],
    ["foo[bar[baz]]qux", 12, /"\]" at character 13 must be followed by a space/],
    // empty brackets, brackets without a scope, double brackets
    ["foo[]", 3, /"\[" at character 4 is empty/],
    ["foo[ ]", 3, /"\[" at character 4 is empty/],
    ["[foo]", 0, /"\[" at character 1 must directly follow a scope name/],
    [" [foo]", 1, /"\[" at character 2 must directly follow a scope name/],
    ["foo[[bar]]", 4, /"\[" at character 5 must directly follow a scope name/],
    ["foo[bar] [baz]", 9, /"\[" at character 10 must directly follow a scope name/],
    // unbalanced brackets
    ["foo[", 3, /"\[" at character 4 \(dependencies of "foo"\) is never closed/],
    ["foo[bar", 3, /is never closed/],
    ["foo[bar[baz]", 3, /"\[" at character 4 .*is never closed/],
    ["foo[bar[baz", 7, /"\[" at character 8 \(dependencies of "bar"\) is never closed/],
    ["foo]", 3, /"\]" at character 4 has no matching "\["/],
    ["foo bar]", 7, /"\]" at character 8 has no matching/],
    ["foo[bar]]", 8, /"\]" at character 9 has no matching/],
    ["foo[bar] baz]", 12, /"\]" at character 13 has no matching/],
    // dependency cycles
    ["foo[foo]", 4, /dependency cycle foo -> foo \(at character 5\)/],
    ["foo[*foo]", 5, /dependency cycle foo -> foo \(at character 6\)/],
    ["foo[bar[foo]]", 8, /dependency cycle foo -> bar -> foo \(at character 9\)/],
    ["foo[bar[baz[bar]]]", 12, /dependency cycle bar -> baz -> bar/],
    ["foo[bar[*baz[bar]]]", 13, /dependency cycle bar -> baz -> bar/],
    ["foo[bar[*baz[*bar]]]", 14, /dependency cycle bar -> baz -> bar/],
    ["foo[bar] bar[foo]", 13, /dependency cycle foo -> bar -> foo \(at character 14\)/],
  ])("%j at index %i", (text, index, message) => {
    const result = parseScopes(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.index).toBe(index);
    expect(result.error).toMatch(message);
  });

  it("finds a cycle through 1000 nested scopes quickly", () => {
    const depth = 1000;
    const text = `${Array.from({ length: depth }, (_, i) => `foo${i}[`).join("")} foo10${"]".repeat(depth)}`;
    const result = parseScopes(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatch(/^dependency cycle foo10 -> foo11 -> .* -> foo999 -> foo10 /);
  });
});

describe("serializeScope / serializeScopes", () => {
  it.each<[Scope, string]>([
    [makeScope("simple"), "simple"],
    [makeScope("simple", { optional: true }), "*simple"],
    [makeScope("top", { dependencies: [makeScope("foo"), makeScope("bar")] }), "top[foo bar]"],
    [
      makeScope("top", {
        dependencies: [makeScope("mid", { dependencies: [makeScope("bottom")] })],
      }),
      "top[mid[bottom]]",
    ],
    [
      makeScope("top", { dependencies: [makeScope("subscope", { optional: true })] }),
      "top[*subscope]",
    ],
    [
      makeScope("*a", { optional: true, dependencies: [makeScope("b"), makeScope("c")] }),
      "**a[b c]",
    ],
  ])("%j → %j", (scope, expected) => {
    expect(serializeScope(scope)).toBe(expected);
  });

  it("joins scopes with one space, without merging, and gives '' for none", () => {
    expect(serializeScopes([])).toBe("");
    expect(serializeScopes([makeScope("foo"), makeScope("bar"), makeScope("foo")])).toBe(
      "foo bar foo",
    );
  });
});

describe("mergeScopes", () => {
  it.each<[string, string, string]>([
    ["foo", "bar", "foo bar"],
    ["foo[bar]", "foo[baz]", "foo[bar baz]"],
    ["foo[*bar]", "foo[bar]", "foo[bar]"],
    ["*foo", "foo", "foo"],
    ["foo[bar[baz]]", "bar[*baz qux]", "foo[bar[baz qux]] bar[baz qux]"],
    ["", "foo", "foo"],
    ["", "", ""],
  ])("%j + %j → %j", (a, b, expected) => {
    const result = mergeScopes(parsed(a), parsed(b));
    expect(serializedOrError(result)).toBe(expected);
  });

  it("rejects a cycle that only appears across the two lists", () => {
    const result = mergeScopes(parsed("foo[bar]"), parsed("bar[foo]"));
    expect(result).toEqual({
      ok: false,
      error: "dependency cycle foo -> bar -> foo: a scope cannot depend on itself",
    });
  });

  it("rejects scope values whose names are not scope names", () => {
    const result = mergeScopes([makeScope("foo", { dependencies: [makeScope("a b")] })], []);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatch(/^"a b" is not a valid scope name/);
    expect(result.index).toBeUndefined();
    expect(mergeScopes([], [makeScope("")]).ok).toBe(false);
  });

  it("merges shared sub-trees of scope values once", () => {
    const shared = makeScope("shared", { dependencies: [makeScope("leaf")] });
    const result = mergeScopes(
      [makeScope("a", { dependencies: [shared, makeScope("b", { dependencies: [shared] })] })],
      [shared],
    );
    expect(serializedOrError(result)).toBe("a[shared[leaf] b[shared[leaf]]] shared[leaf]");
  });
});

describe("builders", () => {
  it("names Transfer's resource server and all scope", () => {
    expect(TRANSFER_RESOURCE_SERVER).toBe("transfer.api.globus.org");
    expect(TRANSFER_ALL_SCOPE).toBe("urn:globus:auth:scope:transfer.api.globus.org:all");
  });

  it("builds a collection's data_access scope", () => {
    expect(dataAccessScope("6c54cade-bde5-45c1-bdea-f4bd71dba2cc")).toBe(
      "https://auth.globus.org/scopes/6c54cade-bde5-45c1-bdea-f4bd71dba2cc/data_access",
    );
  });

  it.each<[readonly string[], string]>([
    [[], "urn:globus:auth:scope:transfer.api.globus.org:all"],
    [
      ["C"],
      "urn:globus:auth:scope:transfer.api.globus.org:all[*https://auth.globus.org/scopes/C/data_access]",
    ],
    [
      ["C1", "C2"],
      "urn:globus:auth:scope:transfer.api.globus.org:all[*https://auth.globus.org/scopes/C1/data_access *https://auth.globus.org/scopes/C2/data_access]",
    ],
    [
      ["C2", "C1", "C2", "C1"],
      "urn:globus:auth:scope:transfer.api.globus.org:all[*https://auth.globus.org/scopes/C2/data_access *https://auth.globus.org/scopes/C1/data_access]",
    ],
  ])("transferScopeWithDataAccess(%j)", (collectionIds, expected) => {
    const scope = transferScopeWithDataAccess(collectionIds);
    expect(serializeScope(scope)).toBe(expected);
    expect(parsed(expected)).toEqual([scope]);
  });
});

describe("isValidScopeName", () => {
  it.each<[string, boolean]>([
    ["foo", true],
    [TRANSFER_ALL_SCOPE, true],
    [dataAccessScope("C"), true],
    ["openid", true],
    ["", false],
    ["*foo", false],
    ["foo[bar]", false],
    ["foo[", false],
    ["foo]", false],
    ["foo bar", false],
    ["foo\tbar", false],
    ["foo\n", false],
  ])("%j → %s", (name, valid) => {
    expect(isValidScopeName(name)).toBe(valid);
  });
});

describe("scopeContains", () => {
  const transferC1C2 = serializeScope(transferScopeWithDataAccess(["C1", "C2"]));
  it.each<[string, string, boolean]>([
    ["foo", "foo", true],
    ["foo", "bar", false],
    ["", "foo", false],
    ["foo bar", "bar", true],
    ["foo[bar]", "foo", true],
    ["foo", "foo[bar]", false],
    ["foo[*bar]", "foo[bar]", true],
    ["*foo[bar]", "foo[*bar]", true],
    ["foo[bar[baz]]", "foo[bar[baz]]", true],
    ["foo[bar]", "foo[bar[baz]]", false],
    ["foo[bar baz]", "foo[baz]", true],
    ["foo[bar baz]", "foo[baz bar]", true],
    ["foo[bar] baz[qux]", "foo[qux]", false],
    ["bar[baz]", "foo[bar[baz]]", false],
    [transferC1C2, serializeScope(transferScopeWithDataAccess(["C2"])), true],
    [transferC1C2, serializeScope(transferScopeWithDataAccess(["C3"])), false],
    [transferC1C2, TRANSFER_ALL_SCOPE, true],
    [TRANSFER_ALL_SCOPE, transferC1C2, false],
  ])("granted %j meets %j: %s", (granted, required, expected) => {
    const [requiredScope] = parsed(required);
    if (requiredScope === undefined) expect.fail("no required scope");
    expect(scopeContains(parsed(granted), requiredScope)).toBe(expected);
  });

  it("is met by any one of several granted trees with the same name", () => {
    const granted = [
      makeScope("foo", { dependencies: [makeScope("a")] }),
      makeScope("foo", { dependencies: [makeScope("b")] }),
    ];
    expect(scopeContains(granted, makeScope("foo", { dependencies: [makeScope("b")] }))).toBe(true);
    expect(
      scopeContains(granted, makeScope("foo", { dependencies: [makeScope("a"), makeScope("b")] })),
    ).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

/** A tree shape; names are assigned afterwards so they can be made unique or rank-ordered. */
interface Shape {
  readonly optional: boolean;
  readonly pick: number;
  readonly children: readonly Shape[];
}

const shapeArbitrary = (depth: number): fc.Arbitrary<Shape> =>
  fc.record({
    optional: fc.boolean(),
    pick: fc.nat(),
    children: depth === 0 ? fc.constant([]) : fc.array(shapeArbitrary(depth - 1), { maxLength: 3 }),
  });

const forestArbitrary = fc.array(shapeArbitrary(3), { maxLength: 4 });

const NAME_FORMS = [
  (n: number) => `urn:globus:auth:scope:s${n}.example.org:all`,
  (n: number) => `https://auth.globus.org/scopes/c${n}/data_access`,
  (n: number) => `scope_${n}`,
];

/** Every node gets a name no other node has, so parsing changes nothing. */
const withUniqueNames = (forest: readonly Shape[]): Scope[] => {
  let counter = 0;
  const build = (shape: Shape): Scope => {
    const n = counter++;
    const form = NAME_FORMS[shape.pick % NAME_FORMS.length] ?? NAME_FORMS[0];
    return {
      name: form === undefined ? `scope_${n}` : form(n),
      optional: shape.optional,
      dependencies: shape.children.map(build),
    };
  };
  return forest.map(build);
};

const POOL = ["a", "b", "c", "d", "e", "f"];

/**
 * Names come from a small pool and a child always ranks after its parent, so names repeat across
 * the forest (exercising merging) but the merged graph can never have a cycle.
 */
const withRankedNames = (forest: readonly Shape[]): Scope[] => {
  const build = (shape: Shape, rank: number): Scope => {
    const remaining = POOL.length - rank - 1;
    return {
      name: POOL[rank] ?? "z",
      optional: shape.optional,
      dependencies:
        remaining <= 0
          ? []
          : shape.children.map((child) => build(child, rank + 1 + (child.pick % remaining))),
    };
  };
  return forest.map((shape) => build(shape, shape.pick % POOL.length));
};

const scopeText = fc.oneof(
  fc.string({
    unit: fc.constantFrom("a", "b", "c", ":", "/", "*", "*", "[", "[", "]", "]", " ", " ", "\t"),
    maxLength: 40,
  }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme-ascii", maxLength: 40 }),
);

const allNames = (scopes: readonly Scope[]): string[] =>
  scopes.flatMap((scope) => [scope.name, ...allNames(scope.dependencies)]);

describe("properties", () => {
  it("round-trips forests with unique names exactly", () => {
    fc.assert(
      fc.property(forestArbitrary, (forest) => {
        const scopes = withUniqueNames(forest);
        const text = serializeScopes(scopes);
        const result = parseScopes(text);
        expect(result).toEqual({ ok: true, scopes });
        expect(serializedOrError(result)).toBe(text);
      }),
      PROPERTY_RUNS,
    );
  });

  it("parses serialised forests with repeated names into a fixed point", () => {
    fc.assert(
      fc.property(forestArbitrary, (forest) => {
        const scopes = withRankedNames(forest);
        const once = serializedOrError(parseScopes(serializeScopes(scopes)));
        expect(once).not.toBe("error");
        expect(serializedOrError(parseScopes(once))).toBe(once);
        expect(serializedOrError(mergeScopes(scopes, []))).toBe(once);
      }),
      PROPERTY_RUNS,
    );
  });

  it("merges scope values as parsing the concatenated strings would", () => {
    fc.assert(
      fc.property(forestArbitrary, forestArbitrary, fc.boolean(), (a, b, ranked) => {
        const name = ranked ? withRankedNames : withUniqueNames;
        const left = name(a);
        const right = name(b);
        const concatenated = `${serializeScopes(left)} ${serializeScopes(right)}`;
        expect(serializedOrError(mergeScopes(left, right))).toBe(
          serializedOrError(parseScopes(concatenated)),
        );
      }),
      PROPERTY_RUNS,
    );
  });

  it("never throws on arbitrary text, and what it accepts is well formed", () => {
    fc.assert(
      fc.property(scopeText, (text) => {
        const result = parseScopes(text);
        if (!result.ok) {
          expect(result.error.length).toBeGreaterThan(0);
          expect(result.index).toBeGreaterThanOrEqual(0);
          expect(result.index).toBeLessThan(text.length);
          return;
        }
        expect(allNames(result.scopes).every(isValidScopeName)).toBe(true);
        const once = serializeScopes(result.scopes);
        expect(serializedOrError(parseScopes(once))).toBe(once);
      }),
      { ...PROPERTY_RUNS, numRuns: 2000 },
    );
  });

  it("finds every parsed scope in the forest it came from", () => {
    fc.assert(
      fc.property(forestArbitrary, (forest) => {
        const scopes = parsed(serializeScopes(withRankedNames(forest)));
        for (const scope of scopes) expect(scopeContains(scopes, scope)).toBe(true);
      }),
      PROPERTY_RUNS,
    );
  });
});

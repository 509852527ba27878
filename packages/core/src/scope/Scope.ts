/**
 * Globus scope strings: the `Scope` value, the dependent-scope parser and serialiser, merging, the
 * Transfer / data_access builders and the "does a granted consent tree meet this one" check.
 * Pure: bad input comes back as a result value, never as an exception.
 */

/**
 * One scope in a consent tree: its name (a URN, URL or bare OIDC string), whether it is optional
 * (`*`, atomically revocable) and the scopes it depends on.
 *
 * @see reference/globus-api.md §3.3
 */
export interface Scope {
  readonly name: string;
  /** Written `*name`: the user may decline or revoke it on its own. */
  readonly optional: boolean;
  readonly dependencies: readonly Scope[];
}

/** The scopes read from a scope string, or why it could not be read. */
export type ParseScopesResult = { readonly ok: true; readonly scopes: Scope[] } | ScopeParseFailure;

/** Why a scope string (or a merge of scopes) was rejected. */
export interface ScopeParseFailure {
  readonly ok: false;
  /** One human sentence, naming the 1-based character when the problem has a place in the text. */
  readonly error: string;
  /** 0-based offset into the parsed text of the character at fault, when there is one. */
  readonly index?: number;
}

/** Resource server of the Globus Transfer service. */
export const TRANSFER_RESOURCE_SERVER = "transfer.api.globus.org";

/** The Transfer `all` scope every transfer, delete and ls call needs. */
export const TRANSFER_ALL_SCOPE = "urn:globus:auth:scope:transfer.api.globus.org:all";

/** Builds a `Scope`; by default required and without dependencies. */
export const makeScope = (
  name: string,
  options: { readonly optional?: boolean; readonly dependencies?: readonly Scope[] } = {},
): Scope => ({
  name,
  optional: options.optional ?? false,
  dependencies: options.dependencies ?? [],
});

const isWhitespace = (char: string): boolean => /\s/u.test(char);

const isSpecial = (char: string): boolean =>
  char === "[" || char === "]" || char === "*" || isWhitespace(char);

/** Whether `name` can be a scope name: non-empty, without `[`, `]`, `*` or whitespace. */
export const isValidScopeName = (name: string): boolean =>
  name.length > 0 && !/[[\]*\s]/u.test(name);

/**
 * The collection's `data_access` scope, needed as a dependency of Transfer `all` for non-high-
 * assurance GCSv5 mapped collections.
 *
 * @see reference/globus-api.md §4.1
 */
export const dataAccessScope = (collectionId: string): string =>
  `https://auth.globus.org/scopes/${collectionId}/data_access`;

/**
 * Transfer `all` with each collection's `data_access` as an optional dependency, de-duplicated and
 * in the given order, as the Python SDK's `add_app_data_access_scope` builds it. Collection ids are
 * expected to be UUIDs (validated where the workflow is read).
 *
 * @see reference/globus-api.md §4.1
 */
export const transferScopeWithDataAccess = (collectionIds: readonly string[]): Scope =>
  makeScope(TRANSFER_ALL_SCOPE, {
    dependencies: [...new Set(collectionIds)].map((id) =>
      makeScope(dataAccessScope(id), { optional: true }),
    ),
  });

/** One scope as a string: `*` when optional, the name, then `[deps joined by one space]`. */
export const serializeScope = (scope: Scope): string => {
  // An explicit stack rather than recursion, so very deep trees cannot overflow the call stack.
  const parts: string[] = [];
  const stack: (Scope | string)[] = [scope];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    if (typeof item === "string") {
      parts.push(item);
      continue;
    }
    parts.push(item.optional ? `*${item.name}` : item.name);
    if (item.dependencies.length > 0) {
      stack.push("]");
      for (let i = item.dependencies.length - 1; i >= 0; i--) {
        const dependency = item.dependencies[i];
        if (dependency === undefined) continue;
        stack.push(dependency);
        if (i > 0) stack.push(" ");
      }
      stack.push("[");
    }
  }
  return parts.join("");
};

/**
 * Scopes joined by one space, in the given order and without merging; `""` for none. The output
 * is deterministic, so plans that carry it are byte-identical between runs.
 */
export const serializeScopes = (scopes: readonly Scope[]): string =>
  scopes.map(serializeScope).join(" ");

// ---------------------------------------------------------------------------------------------
// Graph: every occurrence of a name is one node with one set of dependency edges, as in the
// Python SDK's graph parser (and as Globus Auth treats a consent request).

interface Edge {
  optional: boolean;
  /** Where the edge's first occurrence starts in the text, when it came from text. */
  readonly index: number | undefined;
}

interface ScopeGraph {
  /** Top-level names in first-seen order; optional only if every occurrence is optional. */
  readonly roots: Map<string, boolean>;
  /** Out-edges of every node, in first-seen order. */
  readonly nodes: Map<string, Map<string, Edge>>;
}

const emptyGraph = (): ScopeGraph => ({ roots: new Map(), nodes: new Map() });

const edgesOf = (graph: ScopeGraph, name: string): Map<string, Edge> => {
  const known = graph.nodes.get(name);
  if (known !== undefined) return known;
  const edges = new Map<string, Edge>();
  graph.nodes.set(name, edges);
  return edges;
};

const addRoot = (graph: ScopeGraph, name: string, optional: boolean): void => {
  edgesOf(graph, name);
  const known = graph.roots.get(name);
  graph.roots.set(name, (known ?? true) && optional);
};

const addEdge = (
  graph: ScopeGraph,
  parent: string,
  child: string,
  optional: boolean,
  index: number | undefined,
): void => {
  edgesOf(graph, child);
  const edges = edgesOf(graph, parent);
  const known = edges.get(child);
  // Required beats optional for the same edge: `foo[bar *bar]` is `foo[bar]`.
  if (known === undefined) edges.set(child, { optional, index });
  else known.optional = known.optional && optional;
};

/** 1-based, as people count characters. */
const character = (index: number): string => `character ${index + 1}`;

const failure = (error: string, index?: number): ScopeParseFailure =>
  index === undefined ? { ok: false, error } : { ok: false, error, index };

/**
 * Rejects cycles and returns the names with every node after all of its dependencies. Iterative
 * depth-first search, so a long chain costs linear time and no call-stack depth.
 */
const orderDependenciesFirst = (
  graph: ScopeGraph,
): { readonly ok: true; readonly order: string[] } | ScopeParseFailure => {
  const done = new Set<string>();
  const order: string[] = [];
  for (const root of graph.roots.keys()) {
    if (done.has(root)) continue;
    const path: { readonly name: string; readonly children: Iterator<[string, Edge]> }[] = [];
    const onPath = new Set<string>([root]);
    path.push({ name: root, children: edgesOf(graph, root).entries() });
    while (path.length > 0) {
      const top = path[path.length - 1];
      if (top === undefined) break;
      const next = top.children.next();
      if (next.done === true) {
        path.pop();
        onPath.delete(top.name);
        done.add(top.name);
        order.push(top.name);
        continue;
      }
      const [child, edge] = next.value;
      if (onPath.has(child)) {
        const names = path.map((step) => step.name);
        const cycle = [...names.slice(names.indexOf(child)), child].join(" -> ");
        const where = edge.index === undefined ? "" : ` (at ${character(edge.index)})`;
        return failure(
          `dependency cycle ${cycle}${where}: a scope cannot depend on itself`,
          edge.index,
        );
      }
      if (done.has(child)) continue;
      onPath.add(child);
      path.push({ name: child, children: edgesOf(graph, child).entries() });
    }
  }
  return { ok: true, order };
};

/** Turns a checked graph into `Scope` values; nodes that share a name share dependencies. */
const scopesOfGraph = (graph: ScopeGraph): ParseScopesResult => {
  const sorted = orderDependenciesFirst(graph);
  if (!sorted.ok) return sorted;
  const dependenciesByName = new Map<string, readonly Scope[]>();
  const built = new Map<string, Scope>();
  const scopeFor = (name: string, optional: boolean): Scope => {
    const key = optional ? `*${name}` : name;
    const known = built.get(key);
    if (known !== undefined) return known;
    const scope: Scope = { name, optional, dependencies: dependenciesByName.get(name) ?? [] };
    built.set(key, scope);
    return scope;
  };
  for (const name of sorted.order) {
    const dependencies = [...edgesOf(graph, name)].map(([child, edge]) =>
      scopeFor(child, edge.optional),
    );
    dependenciesByName.set(name, dependencies);
  }
  const scopes = [...graph.roots].map(([name, optional]) => scopeFor(name, optional));
  return { ok: true, scopes };
};

// ---------------------------------------------------------------------------------------------
// Parser

interface OpenBracket {
  readonly parent: string;
  readonly index: number;
  dependencyCount: number;
}

/**
 * Reads a space-separated list of scopes with `*optional` markers and `[dependencies]`.
 * Whitespace between scopes and inside brackets is not significant; a scope that appears in
 * several places becomes one node with the union of its dependencies (required beats optional
 * for the same edge), and dependency cycles are rejected. `""` gives no scopes.
 *
 * Stricter than the Python SDK in one place: `foo*bar` is rejected rather than read as
 * `foo *bar`.
 *
 * @see reference/globus-api.md §3.3
 */
export const parseScopes = (text: string): ParseScopesResult => {
  const graph = emptyGraph();
  const open: OpenBracket[] = [];
  /** A `*` was read and waits for its name. */
  let optionalPending = false;
  /** The last name read, which a directly following `[` would open. */
  let lastName: string | undefined;
  let afterWhitespace = false;

  let i = 0;
  while (i < text.length) {
    const char = text.charAt(i);
    const previous = i > 0 ? text.charAt(i - 1) : undefined;
    const next = i + 1 < text.length ? text.charAt(i + 1) : undefined;

    if (isWhitespace(char)) {
      afterWhitespace = true;
      i++;
      continue;
    }

    if (char === "*") {
      if (next === undefined || isSpecial(next)) {
        return failure(`"*" at ${character(i)} must be immediately followed by a scope name`, i);
      }
      if (previous !== undefined && !isSpecial(previous)) {
        return failure(
          `"*" at ${character(i)} must start a scope: put a space before it to begin a new scope`,
          i,
        );
      }
      optionalPending = true;
      i++;
      continue;
    }

    if (char === "[") {
      if (lastName === undefined) {
        return failure(`"[" at ${character(i)} must directly follow a scope name`, i);
      }
      if (afterWhitespace) {
        return failure(
          `"[" at ${character(i)} must directly follow "${lastName}", without a space before it`,
          i,
        );
      }
      open.push({ parent: lastName, index: i, dependencyCount: 0 });
      lastName = undefined;
      i++;
      continue;
    }

    if (char === "]") {
      const closing = open.pop();
      if (closing === undefined) {
        return failure(`"]" at ${character(i)} has no matching "["`, i);
      }
      if (closing.dependencyCount === 0) {
        return failure(
          `"[" at ${character(closing.index)} is empty: list at least one scope that "${closing.parent}" depends on, or drop the brackets`,
          closing.index,
        );
      }
      if (next !== undefined && next !== "]" && !isWhitespace(next)) {
        return failure(`"]" at ${character(i)} must be followed by a space or another "]"`, i);
      }
      lastName = undefined;
      afterWhitespace = false;
      i++;
      continue;
    }

    // A name: everything up to the next special character.
    const start = i;
    while (i < text.length && !isSpecial(text.charAt(i))) i++;
    const name = text.slice(start, i);
    const optional = optionalPending;
    optionalPending = false;
    const parent = open[open.length - 1];
    if (parent === undefined) {
      addRoot(graph, name, optional);
    } else {
      parent.dependencyCount++;
      addEdge(graph, parent.parent, name, optional, start);
    }
    lastName = name;
    afterWhitespace = false;
  }

  const unclosed = open[open.length - 1];
  if (unclosed !== undefined) {
    return failure(
      `"[" at ${character(unclosed.index)} (dependencies of "${unclosed.parent}") is never closed: add "]"`,
      unclosed.index,
    );
  }
  return scopesOfGraph(graph);
};

/**
 * The scopes of `a` and then `b` as one list, with the meaning of parsing their concatenated
 * strings: repeated names merge into one node, required beats optional, and a cycle across the
 * two (`foo[bar]` with `bar[foo]`) or a name that is not a valid scope name is a failure.
 */
export const mergeScopes = (a: readonly Scope[], b: readonly Scope[]): ParseScopesResult => {
  const graph = emptyGraph();
  const invalid = (name: string): ScopeParseFailure =>
    failure(
      `"${name}" is not a valid scope name: it must be non-empty, without "[", "]", "*" or whitespace`,
    );
  const roots = [...a, ...b];
  for (const scope of roots) {
    if (!isValidScopeName(scope.name)) return invalid(scope.name);
    addRoot(graph, scope.name, scope.optional);
  }
  // Pre-order, as the text would be read, so dependencies keep their first-seen order. Scope
  // values may share sub-trees; each value's edges need adding only once.
  const expanded = new Set<Scope>();
  const pending = roots.reverse();
  for (let scope = pending.pop(); scope !== undefined; scope = pending.pop()) {
    if (expanded.has(scope)) continue;
    expanded.add(scope);
    for (const dependency of scope.dependencies) {
      if (!isValidScopeName(dependency.name)) return invalid(dependency.name);
      addEdge(graph, scope.name, dependency.name, dependency.optional, undefined);
    }
    for (let i = scope.dependencies.length - 1; i >= 0; i--) {
      const dependency = scope.dependencies[i];
      if (dependency !== undefined) pending.push(dependency);
    }
  }
  return scopesOfGraph(graph);
};

/**
 * Whether a granted consent forest meets a required scope: some granted top-level scope has the
 * same name and, recursively, meets every required dependency under it. Optional-ness does not
 * matter for meeting, and extra granted dependencies are fine.
 */
export const scopeContains = (granted: readonly Scope[], required: Scope): boolean =>
  granted.some(
    (scope) =>
      scope.name === required.name &&
      required.dependencies.every((dependency) => scopeContains(scope.dependencies, dependency)),
  );

/**
 * Consents as Globus Auth keeps them: per (client, identity) a forest of scope trees, merged with
 * core's `mergeScopes`, and one consent record (integer id, times) per path from a root. Tokens do
 * not carry consents: every "has the user consented" question is answered here.
 */
import { mergeScopes, type Scope, scopeContains } from "@transflow/core";

/** One node of a consent forest, as `GET /v2/api/identities/<id>/consents` reports it. */
export interface ConsentRecord {
  readonly id: number;
  /** The app the root consent was granted to. */
  readonly rootClientId: string;
  readonly identityId: string;
  /** Scope names from the root down to this consent. */
  readonly path: readonly string[];
  /** Consent ids from the root down to this consent (the wire `dependency_path`). */
  readonly dependencyPath: readonly number[];
  /** Requested with `*`: revocable on its own. */
  readonly optional: boolean;
  /** Milliseconds since the epoch. */
  readonly created: number;
  readonly updated: number;
  readonly lastUsed: number;
  readonly autoApproved: boolean;
}

/** The outcome of recording a consent. */
export type GrantResult = { readonly ok: true } | { readonly ok: false; readonly error: string };

export interface ConsentStore {
  /** The consent forest of (client, identity); empty when nothing was granted. */
  forest(clientId: string, identityId: string): readonly Scope[];
  /** Merges `scopes` into the forest of (client, identity); fails when the merge would cycle. */
  grant(
    clientId: string,
    identityId: string,
    scopes: readonly Scope[],
    now: number,
    autoApproved: boolean,
  ): GrantResult;
  /** Whether every scope in `required` (with its dependencies) is already granted. */
  containsAll(clientId: string, identityId: string, required: readonly Scope[]): boolean;
  /** Removes every `parent → child` edge; true when something was removed. */
  removeDependency(
    clientId: string,
    identityId: string,
    parentName: string,
    childName: string,
  ): boolean;
  /** Marks the trees rooted at `rootNames` as used now (a token was issued for them). */
  touch(clientId: string, identityId: string, rootNames: readonly string[], now: number): void;
  /** Every consent record of an identity, for all clients: each root, then its descendants. */
  records(identityId: string): ConsentRecord[];
}

interface NodeState {
  readonly id: number;
  readonly path: readonly string[];
  readonly created: number;
  updated: number;
  lastUsed: number;
  autoApproved: boolean;
}

interface Grant {
  readonly clientId: string;
  readonly identityId: string;
  forest: readonly Scope[];
  /** By path key (names joined by a space, which no scope name contains). */
  readonly nodes: Map<string, NodeState>;
}

interface PathVisit {
  readonly scope: Scope;
  readonly path: readonly string[];
  readonly key: string;
  readonly parentKey: string | undefined;
}

/** Every path of the forest, pre-order (a root, then its dependencies in order). */
const paths = (forest: readonly Scope[]): PathVisit[] => {
  const visits: PathVisit[] = [];
  const stack: PathVisit[] = [...forest]
    .reverse()
    .map((scope) => ({ scope, path: [scope.name], key: scope.name, parentKey: undefined }));
  for (let visit = stack.pop(); visit !== undefined; visit = stack.pop()) {
    visits.push(visit);
    for (let i = visit.scope.dependencies.length - 1; i >= 0; i--) {
      const dependency = visit.scope.dependencies[i];
      if (dependency === undefined) continue;
      stack.push({
        scope: dependency,
        path: [...visit.path, dependency.name],
        key: `${visit.key} ${dependency.name}`,
        parentKey: visit.key,
      });
    }
  }
  return visits;
};

/** A copy of the forest without any `parent → child` edge. */
const withoutEdge = (forest: readonly Scope[], parent: string, child: string): Scope[] => {
  const rebuilt = new Map<Scope, Scope>();
  const rebuild = (scope: Scope): Scope => {
    const known = rebuilt.get(scope);
    if (known !== undefined) return known;
    const dependencies = scope.dependencies
      .filter((dependency) => !(scope.name === parent && dependency.name === child))
      .map(rebuild);
    const copy: Scope = { name: scope.name, optional: scope.optional, dependencies };
    rebuilt.set(scope, copy);
    return copy;
  };
  return forest.map(rebuild);
};

/** Makes an empty consent store; record ids count up from 1 in grant order. */
export const makeConsentStore = (): ConsentStore => {
  const grants = new Map<string, Grant>();
  let nextId = 1;

  const grantKey = (clientId: string, identityId: string): string => `${clientId} ${identityId}`;
  const grantOf = (clientId: string, identityId: string): Grant => {
    const key = grantKey(clientId, identityId);
    const known = grants.get(key);
    if (known !== undefined) return known;
    const created: Grant = { clientId, identityId, forest: [], nodes: new Map() };
    grants.set(key, created);
    return created;
  };

  return {
    forest: (clientId, identityId) => grants.get(grantKey(clientId, identityId))?.forest ?? [],

    grant: (clientId, identityId, scopes, now, autoApproved) => {
      const grant = grantOf(clientId, identityId);
      const merged = mergeScopes(grant.forest, scopes);
      if (!merged.ok) return { ok: false, error: merged.error };
      const requested = new Set(paths(scopes).map((visit) => visit.key));
      for (const visit of paths(merged.scopes)) {
        const node = grant.nodes.get(visit.key);
        if (node === undefined) {
          grant.nodes.set(visit.key, {
            id: nextId++,
            path: visit.path,
            created: now,
            updated: now,
            lastUsed: now,
            autoApproved,
          });
        } else if (requested.has(visit.key) && !autoApproved) {
          // Approved again on a consent page: the record is refreshed, and no longer automatic.
          node.updated = now;
          node.autoApproved = false;
        }
      }
      grant.forest = merged.scopes;
      return { ok: true };
    },

    containsAll: (clientId, identityId, required) => {
      const forest = grants.get(grantKey(clientId, identityId))?.forest ?? [];
      return required.every((scope) => scopeContains(forest, scope));
    },

    removeDependency: (clientId, identityId, parentName, childName) => {
      const grant = grants.get(grantKey(clientId, identityId));
      if (grant === undefined) return false;
      const before = grant.nodes.size;
      grant.forest = withoutEdge(grant.forest, parentName, childName);
      const remaining = new Set(paths(grant.forest).map((visit) => visit.key));
      for (const key of [...grant.nodes.keys()]) {
        if (!remaining.has(key)) grant.nodes.delete(key);
      }
      return grant.nodes.size !== before;
    },

    touch: (clientId, identityId, rootNames, now) => {
      const grant = grants.get(grantKey(clientId, identityId));
      if (grant === undefined) return;
      const roots = new Set(rootNames);
      for (const node of grant.nodes.values()) {
        const root = node.path[0];
        if (root !== undefined && roots.has(root)) node.lastUsed = now;
      }
    },

    records: (identityId) => {
      const records: ConsentRecord[] = [];
      for (const grant of grants.values()) {
        if (grant.identityId !== identityId) continue;
        const idsByKey = new Map<string, readonly number[]>();
        for (const visit of paths(grant.forest)) {
          const node = grant.nodes.get(visit.key);
          if (node === undefined) continue;
          const parentPath =
            visit.parentKey === undefined ? [] : (idsByKey.get(visit.parentKey) ?? []);
          const dependencyPath = [...parentPath, node.id];
          idsByKey.set(visit.key, dependencyPath);
          records.push({
            id: node.id,
            rootClientId: grant.clientId,
            identityId,
            path: visit.path,
            dependencyPath,
            optional: visit.scope.optional,
            created: node.created,
            updated: node.updated,
            lastUsed: node.lastUsed,
            autoApproved: node.autoApproved,
          });
        }
      }
      return records;
    },
  };
};

/**
 * What every part of the sandbox shares: the configuration, the clock, the seeded random source,
 * and the collections with their local roots resolved.
 */
import { isAbsolute, resolve } from "node:path";
import type { CollectionConfig, IdentityConfig, SandboxConfig } from "../config/SandboxConfig.ts";

export interface ResolvedCollection extends CollectionConfig {
  /** Absolute local folder, undefined for a GCSv5 endpoint (not a data target). */
  readonly localRoot: string | undefined;
}

export interface SandboxContext {
  readonly config: SandboxConfig;
  readonly dataDir: string;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  /** Seeded: the same config seed gives the same sequence (fault decisions, ids). */
  readonly random: () => number;
  readonly collections: ReadonlyMap<string, ResolvedCollection>;
  readonly identities: ReadonlyMap<string, IdentityConfig>;
  /** Sees every access and refresh token issued (leak tests only; see `StartOptions`). */
  readonly onTokenIssued?: (token: string) => void;
}

/** mulberry32: small, fast, good enough for reproducible fault injection. */
export const seededRandom = (seed: number): (() => number) => {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

export const makeContext = (
  config: SandboxConfig,
  dataDir: string,
  now: () => number = Date.now,
): SandboxContext => {
  const root = resolve(dataDir);
  const collections = new Map<string, ResolvedCollection>();
  for (const collection of config.collections) {
    const localRoot =
      collection.root === undefined
        ? undefined
        : isAbsolute(collection.root)
          ? collection.root
          : resolve(root, collection.root);
    collections.set(collection.id, { ...collection, localRoot });
  }
  return {
    config,
    dataDir: root,
    now,
    random: seededRandom(config.seed),
    collections,
    identities: new Map(config.identities.map((i) => [i.id, i])),
  };
};

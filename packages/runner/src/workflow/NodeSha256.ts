/**
 * Node's native SHA-256 behind core's `Sha256` interface: the planner's fingerprints of a
 * million-item plan take a fraction of the time of core's pure-JavaScript hasher, same digests.
 */
import { createHash } from "node:crypto";
import type { Sha256 } from "@transflow/core";

export const makeNodeSha256 = (): Sha256 => {
  const hash = createHash("sha256");
  const self: Sha256 = {
    update: (bytes) => {
      hash.update(bytes);
      return self;
    },
    // Node encodes a lone surrogate as U+FFFD, as TextEncoder (and so core's hasher) does.
    updateText: (text) => {
      hash.update(text, "utf8");
      return self;
    },
    digest: () => new Uint8Array(hash.digest()),
    digestHex: () => hash.digest("hex"),
  };
  return self;
};

import { makeSha256 } from "@transflow/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { makeNodeSha256 } from "../../src/workflow/NodeSha256.ts";

describe("makeNodeSha256", () => {
  it("gives core's digests for any text, lone surrogates included", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: "binary" }), { maxLength: 4 }), (parts) => {
        const ours = makeNodeSha256();
        const core = makeSha256();
        for (const part of parts) {
          ours.updateText(part);
          core.updateText(part);
        }
        expect(ours.digestHex()).toBe(core.digestHex());
      }),
      { seed: 20261128, numRuns: 300 },
    );
  });

  it("hashes bytes and text in one stream, as core does", () => {
    const bytes = new Uint8Array([0, 1, 2, 255]);
    const ours = makeNodeSha256().update(bytes).updateText("\ud800x").digest();
    const core = makeSha256().update(bytes).updateText("\ud800x").digest();
    expect([...ours]).toEqual([...core]);
  });

  it("matches the FIPS 180-4 test vector for abc", () => {
    expect(makeNodeSha256().updateText("abc").digestHex()).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });
});

/**
 * Batching never loses, duplicates or reorders items, for random item sets and limits (seeded
 * properties over the collector and over the whole planner), and keeps to its limits greedily.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { makeBatchCollector, sameKey } from "../../src/plan/Batches.ts";
import { batchItems, ITEM_OVERHEAD_BYTES } from "../../src/plan/Plan.ts";
import { planWorkflow } from "../../src/plan/Planner.ts";
import { WorkflowSchema } from "../../src/workflow/WorkflowSchema.ts";

const PROPERTY_RUNS = { seed: 20_261_127, numRuns: 300 } as const;

/** Short paths from a small alphabet, so duplicates and shared destinations are common. */
const pathArbitrary = fc
  .array(fc.constantFrom("a", "b", "c", "/", "é", " ", "\t", '"', "\\", "\u0001", "😀"), {
    minLength: 1,
    maxLength: 6,
  })
  .map((parts) => `/${parts.join("")}`);

const limitsArbitrary = fc.record({
  maxItems: fc.integer({ min: 1, max: 12 }),
  maxBytes: fc.integer({ min: 1, max: 1_200 }),
});

/** The key rule: a trailing "/" does not count, except for the root. */
const keyOf = (path: string): string =>
  path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;

const lineOf = (item: unknown): string => JSON.stringify(item);

describe("makeBatchCollector", () => {
  it("keeps every first item per key, in order, and cuts batches greedily by count and size", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(pathArbitrary, pathArbitrary, fc.boolean()), { maxLength: 80 }),
        limitsArbitrary,
        (pairs, limits) => {
          const collector = makeBatchCollector(
            (line) => (JSON.parse(line) as string[])[1] ?? "",
            (itemsJson) => `fingerprint of ${itemsJson.length}`,
            limits,
          );
          const seen = new Map<string, number>();
          const expected: string[][] = [];
          /** The size estimate of each kept item: its line as given (escapes unknown to addPair). */
          const weights: number[] = [];
          pairs.forEach(([source, destination, asPair], origin) => {
            const key = keyOf(destination);
            const plain = !/["\\\n]/.test(source + destination);
            const given = asPair && plain;
            const result = given
              ? collector.addPair(source, destination, origin)
              : collector.add(lineOf([source, destination]), destination, origin);
            const earlier = seen.get(key);
            if (earlier === undefined) {
              expect(result).toBe(-1);
              seen.set(key, expected.length);
              expected.push([source, destination]);
              const line = given ? `["${source}","${destination}"]` : lineOf([source, destination]);
              weights.push(ITEM_OVERHEAD_BYTES + line.length);
            } else {
              expect(result).toBe(earlier);
              expect(collector.originAt(result)).toBe(pairs.findIndex(([, d]) => keyOf(d) === key));
              const first = expected[earlier] ?? [];
              expect(collector.wasIdentical()).toBe(
                first[0] === source && first[1] === destination,
              );
              expect(collector.lineAt(result)).toBe(lineOf(first));
            }
          });
          const batches = collector.finish();
          const items = batches.flatMap((b) => batchItems<string[]>(b));
          // Nothing lost, nothing repeated, nothing reordered.
          expect(items).toEqual(expected);
          expect(collector.size()).toBe(expected.length);
          // Each batch within its limits, and closed only when the next item did not fit.
          let start = 0;
          batches.forEach((batch, b) => {
            const own = items.slice(start, start + batch.itemCount);
            expect(batch.itemCount).toBeGreaterThan(0);
            expect(batch.itemCount).toBeLessThanOrEqual(limits.maxItems);
            expect(batch.itemsJson).toBe(own.map(lineOf).join(",\n"));
            expect(batch.fingerprint).toBe(`fingerprint of ${batch.itemsJson.length}`);
            const bytes = weights
              .slice(start, start + batch.itemCount)
              .reduce((sum, w) => sum + w, 0);
            if (own.length > 1) expect(bytes).toBeLessThanOrEqual(limits.maxBytes);
            const next = weights[start + batch.itemCount];
            if (b < batches.length - 1 && next !== undefined) {
              const full = batch.itemCount >= limits.maxItems;
              expect(full || bytes + next > limits.maxBytes).toBe(true);
            }
            start += batch.itemCount;
          });
        },
      ),
      PROPERTY_RUNS,
    );
  });

  it("compares keys with one trailing slash dropped, except the root", () => {
    expect(sameKey("/a/b/", "/a/b")).toBe(true);
    expect(sameKey("/a/b", "/a/b/")).toBe(true);
    expect(sameKey("/a/b//", "/a/b")).toBe(false);
    expect(sameKey("/a/bc", "/a/b/")).toBe(false);
    expect(sameKey("/", "/")).toBe(true);
    expect(sameKey("/", "")).toBe(false);
  });
});

describe("planned batches", () => {
  const SRC = "2d1d4873-a849-4b9c-bd34-2034a2163003";
  const DST = "872a58ab-02b9-4233-a3e0-f017ed8ab090";
  const workflow = WorkflowSchema.parse({
    version: 1,
    name: "batches",
    collections: { src: { id: SRC, kind: "guest" }, dst: { id: DST, kind: "guest" } },
    steps: [{ id: "copy", transfer: { source: "src", destination: "dst", itemsFrom: "b.txt" } }],
  });

  it("are the batch file's items, exact duplicates removed, in order, for any limit", () => {
    fc.assert(
      fc.property(
        // Distinct destinations, each source maybe repeated: duplicates but no conflicts.
        fc.uniqueArray(fc.stringMatching(/^[a-z0-9]{1,6}$/), { maxLength: 60 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        fc.integer({ min: 1, max: 9 }),
        (names, repeats, maxItemsPerBatch) => {
          const lines = names.map((name) => `/data/${name} /in/${name}`);
          const withRepeats = [...lines];
          for (const r of repeats) {
            const line = lines.length === 0 ? undefined : lines[r % lines.length];
            if (line !== undefined) withRepeats.splice(r % (withRepeats.length + 1), 0, line);
          }
          const result = planWorkflow(
            workflow,
            {},
            {
              file: "wf.yaml",
              createdAt: "t",
              maxItemsPerBatch,
              batchLines: { copy: withRepeats },
            },
          );
          if (names.length === 0) {
            expect(result.diagnostics.map((d) => d.code)).toEqual(["no-items"]);
            return;
          }
          const firstSeen = [...new Set(withRepeats)];
          const batches = result.plan?.steps[0]?.batches ?? [];
          const items = batches.flatMap((b) => batchItems<unknown>(b));
          expect(items).toEqual(firstSeen.map((line) => line.split(" ")));
          expect(batches.every((b) => b.itemCount >= 1 && b.itemCount <= maxItemsPerBatch)).toBe(
            true,
          );
          expect(batches.length).toBe(Math.ceil(firstSeen.length / maxItemsPerBatch));
          expect(result.plan?.steps[0]?.duplicatesRemoved).toBe(
            withRepeats.length - firstSeen.length,
          );
        },
      ),
      { ...PROPERTY_RUNS, numRuns: 200 },
    );
  });
});

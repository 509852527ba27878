// Type-level tests, checked by `npm run typecheck`: every @ts-expect-error must remain an error.
import { defineWorkflow } from "../../src/workflow/defineWorkflow.ts";

const collections = {
  hydra: { id: "2d1d4873-a849-4b9c-bd34-2034a2163003", kind: "mapped" },
  leuven: { id: "872a58ab-02b9-4233-a3e0-f017ed8ab090" },
} as const;

// A correct workflow compiles.
defineWorkflow({
  version: 1,
  name: "ok",
  collections,
  steps: [
    {
      id: "copy",
      transfer: {
        source: "hydra",
        destination: "leuven",
        syncLevel: "checksum",
        items: [{ source: "/a/", destination: "/b/", recursive: true }],
      },
    },
    { id: "clean", needs: ["copy"], delete: { collection: "hydra", items: ["/a/tmp/"] } },
    { id: "dir", mkdir: { collection: "leuven", paths: ["/b/"] } },
  ],
});

defineWorkflow({
  version: 1,
  name: "misspelt-alias",
  collections,
  steps: [
    {
      id: "copy",
      transfer: {
        // @ts-expect-error "hydr" is not a declared collection alias
        source: "hydr",
        destination: "leuven",
        items: [{ source: "/a", destination: "/b" }],
      },
    },
  ],
});

defineWorkflow({
  version: 1,
  name: "misspelt-alias-in-delete",
  collections,
  // @ts-expect-error "leuvn" is not a declared collection alias
  steps: [{ id: "clean", delete: { collection: "leuvn", items: ["/a"] } }],
});

defineWorkflow({
  version: 1,
  name: "unknown-option",
  collections,
  steps: [
    {
      id: "copy",
      transfer: {
        source: "hydra",
        destination: "leuven",
        // @ts-expect-error syncLvl is not an option
        syncLvl: "size",
        items: [{ source: "/a", destination: "/b" }],
      },
    },
  ],
});

defineWorkflow({
  version: 1,
  name: "wrong-option-type",
  collections,
  steps: [
    {
      id: "copy",
      transfer: {
        source: "hydra",
        destination: "leuven",
        // @ts-expect-error verifyChecksum is a boolean
        verifyChecksum: "yes",
        items: [{ source: "/a", destination: "/b" }],
      },
    },
  ],
});

defineWorkflow({
  version: 1,
  name: "wrong-enum",
  collections,
  steps: [
    {
      id: "copy",
      transfer: {
        source: "hydra",
        destination: "leuven",
        // @ts-expect-error "fast" is not a sync level
        syncLevel: "fast",
        items: [{ source: "/a", destination: "/b" }],
      },
    },
  ],
});

defineWorkflow({
  version: 1,
  name: "two-actions",
  collections,
  steps: [
    // @ts-expect-error a step has exactly one of transfer, delete or mkdir
    {
      id: "both",
      mkdir: { collection: "leuven", paths: ["/b/"] },
      delete: { collection: "hydra", items: ["/a"] },
    },
  ],
});

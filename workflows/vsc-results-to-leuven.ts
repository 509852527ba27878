// The same workflow as vsc-results-to-leuven.yaml, written in TypeScript: aliases, option names
// and option types are checked by the compiler (`npm run typecheck` checks this file).
import { defineWorkflow } from "@transflow/core";

export default defineWorkflow({
  version: 1,
  name: "vsc-results-to-leuven-ts",
  description: "Copy a run's results from VUB Hydra to KU Leuven scratch",
  inputs: {
    run: { type: "string", description: "Run folder", default: "latest" },
  },
  collections: {
    hydra: { id: "2d1d4873-a849-4b9c-bd34-2034a2163003", name: "VSC VUB Tier2", kind: "mapped" },
    leuven: { id: "872a58ab-02b9-4233-a3e0-f017ed8ab090", name: "VSC KU Leuven tier2 scratch" },
  },
  defaults: {
    transfer: { syncLevel: "checksum", verifyChecksum: true },
  },
  steps: [
    {
      id: "results",
      transfer: {
        source: "hydra",
        destination: "leuven",
        label: "results ${{ inputs.run }}",
        items: [
          {
            source: "/data/${{ inputs.run }}/",
            destination: "/scratch/${{ inputs.run }}/",
            recursive: true,
          },
        ],
        itemsFrom: "./batches/more-items.txt",
      },
    },
    {
      id: "cleanup",
      needs: ["results"],
      delete: { collection: "hydra", recursive: true, items: ["/data/${{ inputs.run }}/tmp/"] },
    },
  ],
});

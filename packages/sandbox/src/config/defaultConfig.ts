/**
 * The configuration used when none is given: one person, a CI client and a native app, and a
 * collection of each kind that matters for consents, seeded with sample files. Stable ids, so
 * workflows and docs can name them.
 */
import type { SandboxConfigInput } from "./SandboxConfig.ts";

/** Well-known ids of the default sandbox, for examples and tests. */
export const defaultIds = {
  confidentialClient: "5ad1c3f0-6e4b-4c1a-9a36-7f0d2b1e8c01",
  nativeClient: "5ad1c3f0-6e4b-4c1a-9a36-7f0d2b1e8c02",
  user: "b0a5e1d2-3c4f-4a6b-8d7e-9f0a1b2c3d01",
  gcsEndpoint: "c0ffee00-0000-4000-8000-000000000001",
  mappedCollection: "c0ffee00-0000-4000-8000-000000000002",
  guestCollection: "c0ffee00-0000-4000-8000-000000000003",
  personalCollection: "c0ffee00-0000-4000-8000-000000000004",
  highAssuranceCollection: "c0ffee00-0000-4000-8000-000000000005",
} as const;

const sampleRun = (run: string): Record<string, string> => ({
  [`/data/${run}/results.csv`]: "sample,value\na,1\nb,2\nc,3\n",
  [`/data/${run}/log.txt`]: `run ${run} finished\n`,
  [`/data/${run}/images/plot-1.dat`]: "0 0\n1 1\n2 4\n3 9\n",
  [`/data/${run}/images/plot-2.dat`]: "0 0\n1 2\n2 8\n3 18\n",
  [`/data/${run}/tmp/scratch.tmp`]: "temporary\n",
});

export const defaultConfig: SandboxConfigInput = {
  clients: [
    {
      id: defaultIds.confidentialClient,
      name: "transflow sandbox CI client",
      type: "confidential",
      // A sandbox secret, printed for clients to use: nothing here protects real data.
      secret: "sandbox-secret-not-for-real-use-0001",
    },
    {
      id: defaultIds.nativeClient,
      name: "transflow sandbox native app",
      type: "native",
      redirectUris: ["http://127.0.0.1", "http://localhost"],
    },
  ],
  identities: [
    {
      id: defaultIds.user,
      username: "researcher@sandbox.example.org",
      name: "Sandbox Researcher",
      email: "researcher@sandbox.example.org",
    },
  ],
  collections: [
    {
      id: defaultIds.gcsEndpoint,
      displayName: "Sandbox GCS Endpoint",
      entityType: "GCSv5_endpoint",
      description: "The GCS v5 endpoint hosting the sandbox collections (not a data target)",
    },
    {
      id: defaultIds.mappedCollection,
      displayName: "Sandbox Mapped Collection",
      entityType: "GCSv5_mapped_collection",
      description: "A GCS v5 mapped collection: needs a data_access consent",
      keywords: "sandbox,mapped,posix",
      root: "mapped",
      home: "/home/researcher/",
      hostEndpointId: defaultIds.gcsEndpoint,
      seed: {
        ...sampleRun("run-001"),
        ...sampleRun("latest"),
        "/home/researcher/README.txt": "home\n",
      },
    },
    {
      id: defaultIds.guestCollection,
      displayName: "Sandbox Guest Collection",
      entityType: "GCSv5_guest_collection",
      description: "A guest (shared) collection: no data_access scope",
      keywords: "sandbox,guest,shared",
      root: "guest",
      hostEndpointId: defaultIds.mappedCollection,
      seed: { "/shared/welcome.txt": "shared with you\n" },
    },
    {
      id: defaultIds.personalCollection,
      displayName: "Sandbox Laptop (Globus Connect Personal)",
      entityType: "GCP_mapped_collection",
      description: "A Globus Connect Personal collection: no data_access scope",
      keywords: "sandbox,personal,laptop",
      root: "personal",
      home: "/home/researcher/",
      seed: { "/home/researcher/notes.txt": "laptop notes\n" },
    },
    {
      id: defaultIds.highAssuranceCollection,
      displayName: "Sandbox High-Assurance Collection",
      entityType: "GCSv5_mapped_collection",
      highAssurance: true,
      authenticationTimeoutMins: 30,
      description: "A high-assurance mapped collection: needs a recent login, no data_access scope",
      keywords: "sandbox,high-assurance,protected",
      root: "high-assurance",
      hostEndpointId: defaultIds.gcsEndpoint,
      seed: { "/protected/patients.csv": "id,value\n1,42\n" },
    },
  ],
};

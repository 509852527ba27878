/**
 * The sandbox's configuration: clients, the user identity, collections (each a local folder),
 * token lifetimes, queueing and fault rules. One zod schema; the shipped default needs no edits.
 */
import { entityTypes } from "@transflow/core/globus";
import { z } from "zod";

const Uuid = z.uuid();

export const ClientConfig = z.strictObject({
  id: Uuid,
  name: z.string().min(1),
  /** Confidential clients authenticate with HTTP Basic and may use client_credentials. */
  type: z.enum(["confidential", "native"]),
  secret: z.string().min(16).optional(),
  /** Redirect URIs allowed at /v2/oauth2/authorize, besides the native default page. */
  redirectUris: z.array(z.string()).default([]),
});
export type ClientConfig = z.output<typeof ClientConfig>;

export const IdentityConfig = z.strictObject({
  id: Uuid,
  username: z.string().min(1),
  name: z.string().min(1),
  email: z.string().min(1),
  organization: z.string().default("Sandbox University"),
  identityProvider: Uuid.default("41143743-f3c8-4d60-bbdb-eeecaba85bd9"),
  identityProviderDisplayName: z.string().default("Sandbox IdP"),
});
export type IdentityConfig = z.output<typeof IdentityConfig>;

export const CollectionConfig = z.strictObject({
  id: Uuid,
  displayName: z.string().min(1),
  entityType: z.enum(entityTypes),
  highAssurance: z.boolean().default(false),
  /** Minutes an authentication stays recent enough for a high-assurance collection. */
  authenticationTimeoutMins: z.number().int().positive().default(30),
  description: z.string().default(""),
  organization: z.string().default("Sandbox University"),
  keywords: z.string().default(""),
  /** Local folder behind the collection, relative to the data dir unless absolute. A GCSv5 endpoint (not a data target) has none. */
  root: z.string().min(1).optional(),
  /** The Globus path `~` stands for. */
  home: z.string().default("/"),
  /** For a guest or GCSv5 collection: the endpoint or mapped collection it belongs to. */
  hostEndpointId: Uuid.optional(),
  /** Bytes the collection may hold; exceeding it is QUOTA_EXCEEDED. */
  quotaBytes: z.number().int().positive().optional(),
  /** Files created at start-up when missing: Globus path → content. */
  seed: z.record(z.string(), z.string()).default({}),
});
export type CollectionConfig = z.output<typeof CollectionConfig>;

export const FaultRuleConfig = z.strictObject({
  /** Label used in /sandbox/state. */
  name: z.string().optional(),
  /** HTTP method to match, or "*" for any. */
  method: z.string().default("*"),
  /** Path pattern: `*` matches within one segment, `**` across segments (e.g. `/transfer/v0.10/task/*`). */
  path: z.string().default("**"),
  /** Act on the first N matching requests. */
  times: z.number().int().positive().optional(),
  /** Act on each matching request with this probability (seeded). */
  probability: z.number().min(0).max(1).optional(),
  action: z.discriminatedUnion("type", [
    z.strictObject({
      type: z.literal("status"),
      status: z.union([
        // 403 answers PermissionDenied: what a caller without a role on a resource gets.
        z.literal(403),
        z.literal(429),
        z.literal(500),
        z.literal(502),
        z.literal(503),
        z.literal(504),
      ]),
      retryAfterSeconds: z.number().int().nonnegative().optional(),
    }),
    z.strictObject({ type: z.literal("delay"), ms: z.number().int().nonnegative() }),
    z.strictObject({ type: z.literal("reset") }),
    /** The bearer token of the matched request stops being valid now (a 401 follows). */
    z.strictObject({ type: z.literal("expireToken") }),
  ]),
});
export type FaultRuleConfig = z.output<typeof FaultRuleConfig>;

export const TaskFaultConfig = z.strictObject({
  /** How many file attempts fail, across tasks, before files copy normally again. */
  times: z.number().int().positive(),
  /** The fault event code recorded (a transient one). */
  code: z.string().default("CONNECTION_RESET"),
});
export type TaskFaultConfig = z.output<typeof TaskFaultConfig>;

export const SandboxConfig = z.strictObject({
  $schema: z.string().optional(),
  /** Folder that holds the collections' roots and nothing else of value. */
  dataDir: z.string().default(".transflow-sandbox"),
  port: z.number().int().min(0).max(65535).default(0),
  /** Approve consent pages at once (headless tests and the quick start). */
  autoApprove: z.boolean().default(false),
  /** Access token lifetime; real Globus says 172800 (48 h) in every recorded response. */
  accessTokenLifetimeSeconds: z.number().int().positive().default(172_800),
  authorizationCodeLifetimeSeconds: z.number().int().positive().default(600),
  /** Transfer and delete tasks worked on at once per identity; the rest queue. */
  concurrentTasks: z
    .strictObject({ transfer: z.number().int().positive(), delete: z.number().int().positive() })
    .default({ transfer: 3, delete: 3 }),
  /** Delay before a task retries a file after a fault. */
  taskRetryDelayMs: z.number().int().nonnegative().default(1000),
  /** Per-identity request limit answering 429, off by default (real: 20/s over 10 s windows). */
  rateLimit: z
    .strictObject({
      requestsPerSecond: z.number().positive().default(20),
      windowSeconds: z.number().positive().default(10),
    })
    .optional(),
  /** Seed of every random fault decision: the same seed gives the same faults. */
  seed: z.number().int().default(1),
  clients: z.array(ClientConfig).min(1),
  identities: z.array(IdentityConfig).min(1),
  collections: z.array(CollectionConfig).min(1),
  faults: z.array(FaultRuleConfig).default([]),
  taskFaults: TaskFaultConfig.optional(),
});
export type SandboxConfig = z.output<typeof SandboxConfig>;
export type SandboxConfigInput = z.input<typeof SandboxConfig>;

/**
 * The Globus clients against the real sandbox, started in-process on a free port: the protocol
 * the unit tests fake, end to end over fetch.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest";
import { dataAccessScope, TRANSFER_ALL_SCOPE } from "@transflow/core";
import { defaultIds, type RunningSandbox, startSandbox } from "@transflow/sandbox";
import { Effect, Layer } from "effect";
import { AuthTokens } from "../../src/globus/AuthTokens.ts";
import { lookupCollections } from "../../src/globus/CollectionLookup.ts";
import { globusLayerFromEnv } from "../../src/globus/GlobusLayers.ts";
import { TransferApi } from "../../src/globus/TransferApi.ts";

let sandbox: RunningSandbox;
let dataDir: string;
const violations: string[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "transflow-runner-sandbox-"));
  sandbox = await startSandbox(undefined, {
    port: 0,
    dataDir,
    checkResponses: true,
    onWireViolation: (message) => violations.push(message),
  });
});

afterAll(async () => {
  await sandbox?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** The services as the cli would build them from the sandbox's environment. */
const services = () =>
  globusLayerFromEnv({
    GLOBUS_SDK_SERVICE_URL_AUTH: sandbox.env.GLOBUS_SDK_SERVICE_URL_AUTH,
    GLOBUS_SDK_SERVICE_URL_TRANSFER: sandbox.env.GLOBUS_SDK_SERVICE_URL_TRANSFER,
    TRANSFLOW_CLIENT_ID: sandbox.env.TRANSFLOW_CLIENT_ID,
    TRANSFLOW_CLIENT_SECRET: sandbox.env.TRANSFLOW_CLIENT_SECRET,
  }).pipe(Layer.orDie);

const dataAccess = (collectionId: string) =>
  `${TRANSFER_ALL_SCOPE}[*${dataAccessScope(collectionId)}]`;

describe("Globus clients against the sandbox", () => {
  it.live("reads each default collection's document with client credentials", () =>
    Effect.gen(function* () {
      const transfer = yield* TransferApi;
      const expected: [string, string][] = [
        [defaultIds.gcsEndpoint, "GCSv5_endpoint"],
        [defaultIds.mappedCollection, "GCSv5_mapped_collection"],
        [defaultIds.guestCollection, "GCSv5_guest_collection"],
        [defaultIds.personalCollection, "GCP_mapped_collection"],
        [defaultIds.highAssuranceCollection, "GCSv5_mapped_collection"],
      ];
      for (const [id, entityType] of expected) {
        const document = yield* transfer.getEndpoint(id);
        expect([document.id, document.entity_type]).toEqual([id, entityType]);
      }
      expect((yield* transfer.getEndpoint(defaultIds.highAssuranceCollection)).high_assurance).toBe(
        true,
      );
      expect((yield* AuthTokens).identity).toBe("client");
      expect(violations).toEqual([]);
    }).pipe(Effect.provide(services())),
  );

  it.live("sorts an unknown id into notFound", () =>
    Effect.gen(function* () {
      const unknown = "c0ffee00-0000-4000-8000-0000000000ff";
      const result = yield* lookupCollections([defaultIds.mappedCollection, unknown]);
      expect(result.documents.map((d) => d.id)).toEqual([defaultIds.mappedCollection]);
      expect(result.notFound).toEqual([unknown]);
      expect(result.failures).toEqual([]);
    }).pipe(Effect.provide(services())),
  );

  it.live("grants a client the data_access scope of a mapped collection", () =>
    Effect.gen(function* () {
      const tokens = yield* AuthTokens;
      const scope = dataAccess(defaultIds.mappedCollection);
      yield* tokens.requestScope(scope);
      expect(yield* tokens.grantedScopes).toContain(scope);
      // The new token works for Transfer.
      const document = yield* (yield* TransferApi).getEndpoint(defaultIds.mappedCollection);
      expect(document.id).toBe(defaultIds.mappedCollection);
    }).pipe(Effect.provide(services())),
  );

  it.live("refuses the data_access scope of a collection that has none", () =>
    Effect.gen(function* () {
      const tokens = yield* AuthTokens;
      const scope = dataAccess(defaultIds.guestCollection);
      const error = yield* Effect.flip(tokens.requestScope(scope));
      expect(error._tag).toBe("OAuthError");
      if (error._tag === "OAuthError") {
        expect([error.status, error.error]).toEqual([400, "unknown_scope_error"]);
        expect(error.message).toContain(dataAccessScope(defaultIds.guestCollection));
      }
      expect(yield* tokens.grantedScopes).not.toContain(scope);
      expect(error.message).not.toContain(sandbox.env.TRANSFLOW_CLIENT_SECRET ?? "never");
    }).pipe(Effect.provide(services())),
  );
});

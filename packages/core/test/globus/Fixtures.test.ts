/**
 * Every recorded Globus body in `test/fixtures/globus/{auth,transfer,errors}` (a copy of shared/fixtures/globus) decodes with the
 * schema that answers it (table taken from the fixtures README), and no fixture is left unmapped.
 * `flows/` and `timers/` are not read: transflow speaks neither service, so they have no schemas.
 */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import {
  ConsentsResponse,
  DependentTokenResponse,
  IdentitiesResponse,
  IntrospectResponse,
  RevokeResponse,
  TokenResponse,
  UserInfo,
} from "../../src/globus/Auth.ts";
import {
  AuthErrorBody,
  AuthRequirementsErrorBody,
  ConsentRequiredBody,
  FlowsErrorBody,
  OAuthErrorBody,
  TransferErrorBody,
} from "../../src/globus/Errors.ts";
import {
  CancelResult,
  DeleteRequest,
  EndpointDocument,
  EndpointList,
  EventList,
  FileDocument,
  FileList,
  MkdirResult,
  OperationResult,
  SkippedErrors,
  SubmissionId,
  SubmissionResult,
  SuccessfulTransfers,
  TaskDocument,
  TaskList,
  TransferRequest,
} from "../../src/globus/Transfer.ts";

const FIXTURES = new URL("../../../../test/fixtures/globus/", import.meta.url);

/** The folders this package models; flows/ and timers/ are out of scope (see the module comment). */
const FOLDERS = ["auth", "transfer", "errors"] as const;

/**
 * File (relative to the fixtures folder) → the schemas that must accept it, the one that answers
 * the call first. Taken from `test/fixtures/globus/README.md`.
 */
const TABLE: Readonly<Record<string, readonly z.ZodType[]>> = {
  // Auth (README "Auth")
  "auth/oauth2_token_client_credentials.json": [TokenResponse],
  "auth/oauth2_token_authorization_code.json": [TokenResponse],
  "auth/oauth2_token_authorization_code_openid.json": [TokenResponse],
  "auth/oauth2_refresh_token.json": [TokenResponse],
  "auth/oauth2_token_with_other_tokens.json": [TokenResponse],
  "auth/oauth2_dependent_tokens.json": [DependentTokenResponse],
  "auth/oauth2_token_introspect.json": [IntrospectResponse],
  "auth/oauth2_revoke_token.json": [RevokeResponse],
  "auth/userinfo.json": [UserInfo],
  "auth/get_identities.json": [IdentitiesResponse],
  "auth/get_identities_multiple.json": [IdentitiesResponse],
  "auth/get_consents.json": [ConsentsResponse],

  // Transfer (README "Transfer")
  "transfer/get_submission_id.json": [SubmissionId],
  "transfer/submit_transfer.json": [SubmissionResult],
  "transfer/submit_delete.json": [SubmissionResult],
  "transfer/get_task.json": [TaskDocument],
  "transfer/get_task_succeeded.json": [TaskDocument],
  "transfer/get_task_delete_queued.json": [TaskDocument],
  "transfer/get_task_delete_succeeded.json": [TaskDocument],
  "transfer/get_task_delete_failed.json": [TaskDocument],
  "transfer/task_list.json": [TaskList],
  "transfer/task_event_list.json": [EventList],
  "transfer/task_skipped_errors.json": [SkippedErrors],
  "transfer/endpoint_manager_task_successful_transfers.json": [SuccessfulTransfers],
  "transfer/cancel_task.json": [CancelResult, OperationResult],
  "transfer/endpoint_search.json": [EndpointList],
  "transfer/get_endpoint_gcsv4_host.json": [EndpointDocument],
  "transfer/get_endpoint_gcp_mapped_collection.json": [EndpointDocument],
  "transfer/get_endpoint_gcsv5_endpoint.json": [EndpointDocument],
  "transfer/get_endpoint_mapped_collection.json": [EndpointDocument],
  "transfer/get_endpoint_guest_collection.json": [EndpointDocument],
  "transfer/operation_ls.json": [FileList],
  "transfer/operation_ls_files.json": [FileList],
  "transfer/operation_mkdir.json": [MkdirResult],
  "transfer/operation_rename.json": [OperationResult],
  "transfer/operation_stat.json": [FileDocument],
  "transfer/submit_transfer_request.json": [TransferRequest],
  "transfer/submit_delete_request.json": [DeleteRequest],

  // Error bodies (README "Error bodies")
  "errors/consent_required.json": [
    ConsentRequiredBody,
    TransferErrorBody,
    AuthRequirementsErrorBody,
  ],
  "errors/consent_required_legacy.json": [ConsentRequiredBody, TransferErrorBody],
  "errors/authorization_requirements.json": [AuthRequirementsErrorBody, TransferErrorBody],
  "errors/auth_policy_failed.json": [AuthRequirementsErrorBody, TransferErrorBody],
  "errors/flows_run_consent_required.json": [ConsentRequiredBody, AuthRequirementsErrorBody],
  "errors/auth_dependent_consent_required.json": [AuthErrorBody, OAuthErrorBody],
  "errors/auth_unauthorized.json": [AuthErrorBody, OAuthErrorBody],
  "errors/auth_invalid_grant.json": [OAuthErrorBody],
  "errors/auth_token_unexpected_error.json": [AuthErrorBody, OAuthErrorBody],
  "errors/transfer_no_transfer_items.json": [TransferErrorBody],
  "errors/transfer_endpoint_not_found.json": [TransferErrorBody],
  "errors/transfer_endpoint_deleted.json": [TransferErrorBody],
  "errors/transfer_internal_error.json": [TransferErrorBody],
  "errors/transfer_gcp_disconnected.json": [TransferErrorBody],
  "errors/transfer_permission_denied.json": [TransferErrorBody],
  "errors/transfer_path_not_found.json": [TransferErrorBody],
  "errors/transfer_endpoint_permission_denied.json": [TransferErrorBody],
  "errors/transfer_authentication_failed.json": [TransferErrorBody],
  "errors/flows_missing_scope.json": [FlowsErrorBody],
};

const fixtureFiles = (): string[] =>
  FOLDERS.flatMap((folder) =>
    readdirSync(new URL(`${folder}/`, FIXTURES))
      .filter((name) => name.endsWith(".json"))
      .map((name) => `${folder}/${name}`),
  ).sort();

const readFixture = (file: string): unknown =>
  JSON.parse(readFileSync(new URL(file, FIXTURES), "utf8"));

/** Decodes with `schema`, failing the test with zod's issues when it does not accept the value. */
const decode = <T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> => {
  const result = schema.safeParse(value);
  if (!result.success) {
    expect.fail(`${what}: ${JSON.stringify(result.error.issues, null, 2)}`);
  }
  return result.data;
};

describe("the fixture table", () => {
  it("maps every fixture file in auth/, transfer/ and errors/", () => {
    const unmapped = fixtureFiles().filter((file) => !(file in TABLE));
    expect(unmapped, "add these files to TABLE with the schema that answers them").toEqual([]);
  });

  it("names only files that exist", () => {
    const files = new Set(fixtureFiles());
    expect(Object.keys(TABLE).filter((file) => !files.has(file))).toEqual([]);
  });
});

describe("every fixture decodes with the schema that answers it", () => {
  it.each(Object.entries(TABLE))("%s", (file, schemas) => {
    const body = readFixture(file);
    for (const schema of schemas) decode(schema, body, file);
  });
});

describe("response schemas keep fields they do not model", () => {
  it("keeps an unknown field of a task document", () => {
    const task = decode(TaskDocument, readFixture("transfer/get_task_delete_queued.json"), "task");
    expect(task.key).toBe("active,2021-01-15T18:13:10.478759");
  });

  it("keeps the relevance rank and legacy fields of endpoint_search items", () => {
    const list = decode(EndpointList, readFixture("transfer/endpoint_search.json"), "search");
    expect(list.DATA[0]?._rank).toBeCloseTo(1.486, 3);
    expect(list.DATA[0]?.s3_owner_activated).toBe(true);
  });
});

/**
 * Transfer's error bodies ({code, message, request_id, resource}) and the ones that carry
 * authorization requirements. `resource` never includes `/v0.10`, as real responses show.
 */
import { type JsonResponse, json, type SandboxRequest } from "../server/Http.ts";

/** The `resource` Globus echoes: the request path without the API version prefix. */
export const resourceOf = (request: SandboxRequest): string =>
  request.path.replace(/^\/v0\.10(?=\/)/, "");

export const transferError = (
  request: SandboxRequest,
  status: number,
  code: string,
  message: string,
  extra: Readonly<Record<string, unknown>> = {},
  headers?: Readonly<Record<string, string>>,
): JsonResponse =>
  json(
    status,
    { code, message, request_id: request.requestId, resource: resourceOf(request), ...extra },
    headers,
  );

export const badRequest = (
  request: SandboxRequest,
  message: string,
  code = "ClientError.BadRequest",
) => transferError(request, 400, code, message);

export const endpointNotFound = (request: SandboxRequest, id: string) =>
  transferError(request, 404, "EndpointNotFound", `No such endpoint '${id}'`);

/** 403 ConsentRequired in the current form: legacy required_scopes plus a GARE. */
export const consentRequired = (request: SandboxRequest, collectionId: string) => {
  const scope = `urn:globus:auth:scope:transfer.api.globus.org:all[*https://auth.globus.org/scopes/${collectionId}/data_access]`;
  const message = "Missing required data_access consent";
  return transferError(request, 403, "ConsentRequired", message, {
    required_scopes: [scope],
    authorization_parameters: { required_scopes: [scope], session_message: message },
  });
};

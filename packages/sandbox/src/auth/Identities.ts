/**
 * The identities the sandbox's Auth can name: the configured people and every client's own
 * identity (`<client id>@clients.auth.globus.org`), in the wire shapes of identities, userinfo and
 * introspect. Lookups only; who is logged in is decided by the authorize flow.
 */
import { createHash } from "node:crypto";
import type { ClientConfig, IdentityConfig } from "../config/SandboxConfig.ts";

/** Usernames of client identities end with this domain, as in Globus. */
export const CLIENT_IDENTITY_DOMAIN = "clients.auth.globus.org";
/**
 * The identity provider recorded for client identities. Globus's real id for it is not in any
 * stored source, so the sandbox uses a fixed id of its own.
 */
export const CLIENTS_IDENTITY_PROVIDER_ID = "5ad1c3f0-0000-4000-8000-0000000c1d01";
const CLIENTS_IDENTITY_PROVIDER_NAME = "Globus Auth clients";

/** One identity, whichever kind. */
export interface SandboxIdentity {
  readonly id: string;
  readonly username: string;
  readonly name: string | null;
  readonly email: string | null;
  readonly organization: string | null;
  readonly identityProvider: string;
  readonly identityProviderDisplayName: string;
  /** `login` for people, `client` for a client's own identity. */
  readonly identityType: "login" | "client";
}

/** A configured person. */
export const personIdentity = (identity: IdentityConfig): SandboxIdentity => ({
  id: identity.id,
  username: identity.username,
  name: identity.name,
  email: identity.email,
  organization: identity.organization,
  identityProvider: identity.identityProvider,
  identityProviderDisplayName: identity.identityProviderDisplayName,
  identityType: "login",
});

/** A client's own identity: its id is the client id (what client_credentials tokens act as). */
export const clientIdentity = (client: ClientConfig): SandboxIdentity => ({
  id: client.id,
  username: `${client.id}@${CLIENT_IDENTITY_DOMAIN}`,
  name: client.name,
  email: null,
  organization: null,
  identityProvider: CLIENTS_IDENTITY_PROVIDER_ID,
  identityProviderDisplayName: CLIENTS_IDENTITY_PROVIDER_NAME,
  identityType: "client",
});

/** Every identity the sandbox knows, by id and by lower-cased username. */
export interface IdentityDirectory {
  byId(id: string): SandboxIdentity | undefined;
  byUsername(username: string): SandboxIdentity | undefined;
}

/** Builds the directory from the configuration: people first, then clients. */
export const makeIdentityDirectory = (
  identities: readonly IdentityConfig[],
  clients: readonly ClientConfig[],
): IdentityDirectory => {
  const all = [...identities.map(personIdentity), ...clients.map(clientIdentity)];
  const ids = new Map(all.map((identity) => [identity.id.toLowerCase(), identity]));
  // Globus usernames are case-insensitive.
  const usernames = new Map(all.map((identity) => [identity.username.toLowerCase(), identity]));
  return {
    byId: (id) => ids.get(id.toLowerCase()),
    byUsername: (username) => usernames.get(username.toLowerCase()),
  };
};

/**
 * One entry of `GET /v2/api/identities` (fixture get_identities.json, plus `identity_type`).
 * @see globus-api.md §2.4
 */
export const identityDocument = (identity: SandboxIdentity, status = "used") => ({
  email: identity.email,
  id: identity.id,
  identity_provider: identity.identityProvider,
  identity_type: identity.identityType,
  name: identity.name,
  organization: identity.organization,
  status,
  username: identity.username,
});

/** One entry of a userinfo or id_token `identity_set` (fixture userinfo.json). */
export const identitySetEntry = (identity: SandboxIdentity) => ({
  username: identity.username,
  name: identity.name,
  sub: identity.id,
  identity_provider: identity.identityProvider,
  identity_provider_display_name: identity.identityProviderDisplayName,
  organization: identity.organization,
  status: "used",
  email: identity.email,
});

/**
 * A stable UUID-shaped id derived from a name (version 5 layout over SHA-256): scope ids and
 * provisioned identities get the same id in every run, without a registry.
 */
export const nameBasedId = (namespace: string, name: string): string => {
  const hex = createHash("sha256").update(`${namespace}\u0000${name}`, "utf8").digest("hex");
  const variant = ((Number.parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return [
    hex.slice(0, 8),
    hex.slice(8, 12),
    `5${hex.slice(13, 16)}`,
    `${variant}${hex.slice(17, 20)}`,
    hex.slice(20, 32),
  ].join("-");
};

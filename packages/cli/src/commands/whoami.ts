/**
 * `transflow whoami [--json]`: the identity transflow acts as and, for a stored login, the
 * Globus identity (userinfo) and the consents held. Never a token value. Exit 0; 3 not logged in.
 */
import { runWhoami, type WhoamiResult } from "@transflow/runner";
import { ExitCode, type Io } from "../Io.ts";
import { makeStyle } from "../render/Style.ts";
import { reportAuthError } from "./loginFlow.ts";

export interface WhoamiCommandOptions {
  readonly json?: boolean;
}

const render = (io: Io, result: WhoamiResult): string => {
  const out = makeStyle(io.stdout, io.env);
  switch (result.kind) {
    case "client":
      return `acting as the client ${result.clientId} itself (client credentials from ${result.variable})\n`;
    case "refreshToken":
      return `acting as the user of the refresh token in TRANSFLOW_REFRESH_TOKEN (client ${result.clientId})\n`;
    case "stored": {
      const lines: string[] = [];
      const user = result.user;
      lines.push(
        user === undefined
          ? "logged in (the login holds no Globus Auth token, so the identity is unknown)"
          : `logged in as ${out.bold(user.username ?? user.id)}${user.name === undefined ? "" : ` (${user.name})`}`,
      );
      if (user !== undefined) lines.push(`  identity id  ${user.id}`);
      if (user?.email !== undefined) lines.push(`  email        ${user.email}`);
      lines.push(`  client       ${result.clientId} (native app, ${result.environment})`);
      lines.push(`  token file   ${result.location}`);
      lines.push("consents held (scope strings consented to at login):");
      for (const scope of result.consents) lines.push(`  ${scope}`);
      lines.push("tokens (values never shown):");
      for (const token of result.tokens) {
        lines.push(
          `  ${token.resourceServer.padEnd(28)} access token until ${new Date(token.expiresAt).toISOString()}${token.refreshable ? ", refreshable" : ""}`,
        );
      }
      return `${lines.join("\n")}\n`;
    }
  }
};

export const whoamiCommand = async (io: Io, options: WhoamiCommandOptions): Promise<number> => {
  const outcome = await runWhoami(io.env);
  if (!outcome.ok) return reportAuthError(io, outcome.error);
  io.stdout.write(
    options.json === true
      ? `${JSON.stringify(outcome.value, null, 2)}\n`
      : render(io, outcome.value),
  );
  return ExitCode.ok;
};

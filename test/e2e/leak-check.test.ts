// The suite's token-leak check must be able to fail: a token the sandbox issued, planted in a
// CLI's output, is found.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findLeaks, recordCliOutput } from "./support/leaks.ts";
import { basic, http, type SandboxProcess, startSandboxProcess } from "./support/sandbox.ts";

let sandbox: SandboxProcess;
beforeAll(async () => {
  sandbox = await startSandboxProcess();
});
afterAll(async () => {
  await sandbox.stop();
});

describe("the token-leak check", () => {
  it("finds a token the sandbox issued in a CLI's output, and nothing when there is none", async () => {
    const { id, secret } = sandbox.confidential();
    const granted = await http(`${sandbox.info.authUrl}v2/oauth2/token`, {
      headers: { authorization: basic(id, secret) },
      form: {
        grant_type: "client_credentials",
        scope: "urn:globus:auth:scope:transfer.api.globus.org:all",
      },
    });
    const token = (granted.body as { access_token: string }).access_token;
    expect(token.length).toBeGreaterThan(20);
    recordCliOutput(["whoami"], { stdout: "all fine\n", stderr: "" }, undefined);
    expect(findLeaks()).toEqual([]);
    recordCliOutput(["whoami"], { stdout: `Bearer ${token}\n`, stderr: "" }, undefined);
    const leaks = findLeaks();
    expect(leaks[0]).toBe("transflow whoami (stdout) contains a token issued by the sandbox");
  });
});

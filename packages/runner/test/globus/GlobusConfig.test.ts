import { Duration, Either, Option } from "effect";
import { describe, expect, it } from "vitest";
import { joinUrl, resolveGlobusConfig } from "../../src/globus/GlobusConfig.ts";

const resolved = (env: Record<string, string>) => Either.getOrThrow(resolveGlobusConfig(env));
const failure = (env: Record<string, string>) =>
  Either.flip(resolveGlobusConfig(env)).pipe(Either.getOrThrow);

describe("resolveGlobusConfig", () => {
  it("uses production by default", () => {
    const config = resolved({});
    expect(config.environment).toBe("production");
    expect(config.baseUrls).toEqual({
      auth: "https://auth.globus.org/",
      transfer: "https://transfer.api.globus.org/",
    });
    expect(config.userAgent).toMatch(/^transflow\/\d+\.\d+\.\d+/);
  });

  it.each([
    ["production", "https://auth.globus.org/", "https://transfer.api.globus.org/"],
    ["preview", "https://auth.preview.globus.org/", "https://transfer.api.preview.globus.org/"],
    [
      "sandbox",
      "https://auth.sandbox.globuscs.info/",
      "https://transfer.api.sandbox.globuscs.info/",
    ],
    [
      "integration",
      "https://auth.integration.globuscs.info/",
      "https://transfer.api.integration.globuscs.info/",
    ],
    ["test", "https://auth.test.globuscs.info/", "https://transfer.api.test.globuscs.info/"],
    [
      "staging",
      "https://auth.staging.globuscs.info/",
      "https://transfer.api.staging.globuscs.info/",
    ],
  ])("GLOBUS_SDK_ENVIRONMENT=%s", (environment, auth, transfer) => {
    expect(resolved({ GLOBUS_SDK_ENVIRONMENT: environment }).baseUrls).toEqual({ auth, transfer });
  });

  it("lets GLOBUS_SDK_SERVICE_URL_* win over the environment, adding the trailing slash", () => {
    const config = resolved({
      GLOBUS_SDK_ENVIRONMENT: "preview",
      GLOBUS_SDK_SERVICE_URL_AUTH: "http://127.0.0.1:4000/auth",
    });
    expect(config.baseUrls).toEqual({
      auth: "http://127.0.0.1:4000/auth/",
      transfer: "https://transfer.api.preview.globus.org/",
    });
  });

  it("names an unknown environment and lists the known ones", () => {
    const error = failure({ GLOBUS_SDK_ENVIRONMENT: "prod" });
    expect(error._tag).toBe("GlobusConfigError");
    expect(error.variable).toBe("GLOBUS_SDK_ENVIRONMENT");
    expect(error.message).toContain('GLOBUS_SDK_ENVIRONMENT="prod"');
    expect(error.message).toContain("production, preview, sandbox");
  });

  it("refuses a service URL that is not http(s)", () => {
    const error = failure({ GLOBUS_SDK_SERVICE_URL_TRANSFER: "ftp://x/" });
    expect(error.variable).toBe("GLOBUS_SDK_SERVICE_URL_TRANSFER");
    expect(failure({ GLOBUS_SDK_SERVICE_URL_AUTH: "not a url" }).variable).toBe(
      "GLOBUS_SDK_SERVICE_URL_AUTH",
    );
  });

  it("reads GLOBUS_SDK_HTTP_TIMEOUT in seconds, -1 for none, 60 by default", () => {
    expect(resolved({}).timeout).toEqual(Option.some(Duration.seconds(60)));
    expect(resolved({ GLOBUS_SDK_HTTP_TIMEOUT: "2.5" }).timeout).toEqual(
      Option.some(Duration.millis(2500)),
    );
    expect(Option.isNone(resolved({ GLOBUS_SDK_HTTP_TIMEOUT: "-1" }).timeout)).toBe(true);
    for (const value of ["0", "soon", "-2"]) {
      expect(failure({ GLOBUS_SDK_HTTP_TIMEOUT: value }).variable).toBe("GLOBUS_SDK_HTTP_TIMEOUT");
    }
  });

  it("treats blank values as unset", () => {
    expect(
      resolved({ GLOBUS_SDK_ENVIRONMENT: " ", GLOBUS_SDK_SERVICE_URL_AUTH: "" }).baseUrls.auth,
    ).toBe("https://auth.globus.org/");
  });
});

describe("joinUrl", () => {
  it.each([
    ["https://h/", "/v0.10/task/1", "https://h/v0.10/task/1"],
    ["https://h", "v0.10/task/1", "https://h/v0.10/task/1"],
    ["https://h/transfer//", "//v0.10/endpoint/x", "https://h/transfer/v0.10/endpoint/x"],
  ])("%s + %s", (base, path, expected) => {
    expect(joinUrl(base, path)).toBe(expected);
  });
});

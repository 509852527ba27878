import { describe, expect, it } from "vitest";
import { transferRequestSpacing } from "../../src/globus/GlobusLayers.ts";

describe("transferRequestSpacing", () => {
  it("keeps Globus's 20 requests a second by default", () => {
    expect(transferRequestSpacing({})).toBe(20);
  });

  it("turns spacing off only for a Transfer on this machine", () => {
    const off = { TRANSFLOW_MAX_REQUESTS_PER_SECOND: "off" };
    expect(
      transferRequestSpacing({
        ...off,
        GLOBUS_SDK_SERVICE_URL_TRANSFER: "http://127.0.0.1:8700/transfer/",
      }),
    ).toBeUndefined();
    expect(
      transferRequestSpacing({ ...off, GLOBUS_SDK_SERVICE_URL_TRANSFER: "http://localhost:9/" }),
    ).toBeUndefined();
    expect(transferRequestSpacing(off)).toBe(20);
    expect(
      transferRequestSpacing({
        ...off,
        GLOBUS_SDK_SERVICE_URL_TRANSFER: "https://transfer.api.globus.org/",
      }),
    ).toBe(20);
    expect(
      transferRequestSpacing({
        ...off,
        GLOBUS_SDK_SERVICE_URL_TRANSFER: "http://127.0.0.1.evil.example/",
      }),
    ).toBe(20);
  });
});

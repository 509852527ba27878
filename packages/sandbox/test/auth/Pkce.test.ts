/**
 * The pure helpers under the Auth routes: PKCE S256 (RFC 7636's own example), redirect URI
 * matching and appending the authorize result to a redirect URI.
 */
import { describe, expect, it } from "vitest";
import { isCodeChallenge, isCodeVerifier, s256Challenge, verifyS256 } from "../../src/auth/Pkce.ts";
import { redirectUriAllowed, withQuery } from "../../src/auth/RedirectUri.ts";

describe("PKCE S256", () => {
  // RFC 7636 Appendix B.
  const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
  const challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

  it("computes and checks the RFC 7636 example", () => {
    expect(s256Challenge(verifier)).toBe(challenge);
    expect(verifyS256(verifier, challenge)).toBe(true);
    expect(verifyS256(`${verifier}x`, challenge)).toBe(false);
    expect(verifyS256(verifier, `${challenge.slice(0, -1)}A`)).toBe(false);
  });

  it("refuses malformed verifiers and challenges", () => {
    expect(isCodeVerifier("a".repeat(42))).toBe(false);
    expect(isCodeVerifier("a".repeat(43))).toBe(true);
    expect(isCodeVerifier("a".repeat(129))).toBe(false);
    expect(isCodeVerifier(`${"a".repeat(43)} `)).toBe(false);
    // A verifier that equals its challenge, as `plain` would send it, does not pass S256.
    expect(verifyS256(challenge, challenge)).toBe(false);
    expect(isCodeChallenge(challenge)).toBe(true);
    expect(isCodeChallenge(`${challenge}=`)).toBe(false);
  });
});

describe("redirect URIs", () => {
  it.each([
    [["http://127.0.0.1"], "http://127.0.0.1:5000/any/where", true],
    [["http://127.0.0.1/cb"], "http://127.0.0.1:5000/cb", true],
    [["http://127.0.0.1/cb"], "http://127.0.0.1:5000/cb2", false],
    [["http://localhost"], "http://127.0.0.1:5000/", false],
    [["http://[::1]"], "http://[::1]:5000/cb", true],
    [["http://127.0.0.1"], "http://user:pw@127.0.0.1:5000/", false],
    [["https://app.example.org/cb"], "https://app.example.org/cb", true],
    [["https://app.example.org/cb"], "https://app.example.org:444/cb", false],
    [["https://app.example.org/cb"], "https://app.example.org/cb#x", false],
    [[], "http://127.0.0.1:5000/", false],
  ])("registered %j allows %s: %s", (registered, requested, allowed) => {
    expect(redirectUriAllowed(registered, requested)).toBe(allowed);
  });

  it("appends parameters without touching the URI", () => {
    expect(withQuery("http://127.0.0.1:1/cb", { code: "c", state: undefined })).toBe(
      "http://127.0.0.1:1/cb?code=c",
    );
    expect(withQuery("https://a.example/cb?x=%20y", { code: "c", state: "a b&c" })).toBe(
      "https://a.example/cb?x=%20y&code=c&state=a+b%26c",
    );
  });
});

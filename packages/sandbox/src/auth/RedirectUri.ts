/**
 * Which `redirect_uri` a client may use: an exact registered URI, or for a registered loopback
 * URI any port (RFC 8252 §7.3), and any path when the registration has none. Also appends the
 * authorize result to a redirect URI without disturbing what the client put there.
 */

const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(["127.0.0.1", "[::1]", "localhost"]);

const parseUrl = (text: string): URL | undefined => {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
};

/**
 * Whether `requested` matches one of `registered`. A loopback registration such as
 * `http://127.0.0.1` matches any port and path on that host; `http://127.0.0.1/callback` matches
 * any port with that path. Anything else must be registered exactly. Fragments are never allowed
 * (RFC 6749 §3.1.2).
 */
export const redirectUriAllowed = (registered: readonly string[], requested: string): boolean => {
  if (requested.includes("#")) return false;
  if (registered.includes(requested)) return true;
  const url = parseUrl(requested);
  if (
    url === undefined ||
    url.protocol !== "http:" ||
    !LOOPBACK_HOSTS.has(url.hostname) ||
    url.username !== "" ||
    url.password !== ""
  ) {
    return false;
  }
  return registered.some((entry) => {
    const allowed = parseUrl(entry);
    if (allowed === undefined || allowed.protocol !== "http:") return false;
    if (allowed.hostname !== url.hostname) return false;
    // The port of a loopback redirect is picked when the app starts, so it is never compared.
    return allowed.pathname === "/" || allowed.pathname === url.pathname;
  });
};

/** `uri` with `params` appended to its query (undefined values left out), rest kept verbatim. */
export const withQuery = (
  uri: string,
  params: Readonly<Record<string, string | undefined>>,
): string => {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined) query.append(name, value);
  }
  const text = query.toString();
  if (text === "") return uri;
  const separator = !uri.includes("?") ? "?" : uri.endsWith("?") || uri.endsWith("&") ? "" : "&";
  return `${uri}${separator}${text}`;
};

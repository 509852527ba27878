/**
 * Paths on a Globus collection as globus-cli treats them: `/`-separated whatever the local OS,
 * joined and normalised as plain strings. Owns no I/O: it never asks a collection what a path is.
 */

const SLASH = 47;
const TILDE = 126;

/** Whether a leading `~` segment makes `p` home-relative (`~` or `~/…`). */
const isHomePath = (p: string): boolean =>
  p.charCodeAt(0) === TILDE && (p.length === 1 || p.charCodeAt(1) === SLASH);

/**
 * A path Globus can resolve without a base directory: absolute (`/data/x`) or home-relative (`~`,
 * `~/x`). `~user/x` is not home-relative here: Globus only knows the caller's own `~`.
 */
export const isAbsoluteGlobusPath = (p: string): boolean =>
  p.charCodeAt(0) === SLASH || isHomePath(p);

const DOT_SEGMENT = /(?:^|\/)\.\.?(?:\/|$)/;
const SLASH_THEN_SLASH_OR_DOT = /^\.|\/[/.]/;

/**
 * False when normalising cannot change `path`: no doubled slash and no `.` or `..` segment. This
 * runs on every path of every batch line; a quick regex rules out most paths, and the exact one
 * runs only when a segment starts with a dot (`.hidden` included). A relative path's leading `..`
 * answers true and merely takes the slow path, which gives it back unchanged.
 */
const mayNeedNormalizing = (path: string): boolean =>
  SLASH_THEN_SLASH_OR_DOT.test(path) && (path.indexOf("//") >= 0 || DOT_SEGMENT.test(path));

/**
 * Resolves `.` and `..`, collapses repeated slashes and keeps a trailing slash (Globus reads
 * `/a/b/` as a directory). `..` above `/` stays at `/` (`/..` → `/`). A leading `~` is kept as is
 * and `..` right after it is kept too (`~/../x` stays): the home directory is only known to the
 * collection. A relative path keeps its leading `..`s, an empty relative result is `.`, and
 * `./~/x` keeps its `./` (a directory named `~`, not the home directory).
 *
 * @example normalizeGlobusPath("/a/./b//c/../d/") // "/a/b/d/"
 */
export const normalizeGlobusPath = (path: string): string => {
  if (!mayNeedNormalizing(path)) return path;
  const absolute = path.charCodeAt(0) === SLASH;
  const home = !absolute && isHomePath(path);
  const trailing = path.charCodeAt(path.length - 1) === SLASH;
  const parts = path.split("/");
  const kept: string[] = [];
  for (let k = home ? 1 : 0; k < parts.length; k++) {
    const part = parts[k];
    if (part === undefined || part === "" || part === ".") continue;
    if (part !== "..") {
      kept.push(part);
    } else if (kept.length > 0 && kept[kept.length - 1] !== "..") {
      kept.pop();
    } else if (!absolute) {
      kept.push("..");
    }
  }
  const body = kept.join("/");
  if (absolute) return body === "" ? "/" : `/${body}${trailing ? "/" : ""}`;
  if (home) return `~${body === "" ? "" : `/${body}`}${trailing ? "/" : ""}`;
  // A relative path whose first name is "~" keeps its "./": it must not turn into a home path.
  const relative = body === "" ? "." : kept[0] === "~" ? `./${body}` : body;
  return `${relative}${trailing ? "/" : ""}`;
};

/**
 * Joins a command-line prefix with a path read from a batch line, as globus-cli does: an absolute
 * or home-relative `path` replaces the prefix, a relative one goes under it, an empty one is the
 * prefix itself; the result is normalised. An empty `prefix` means no prefix.
 *
 * globus-cli treats only a leading `/` as absolute when joining (it would put `~/x` under the
 * prefix); here `~/x` replaces the prefix too, since a home path under a prefix names nothing.
 *
 * @example joinGlobusPath("/share/", "godata/f.txt") // "/share/godata/f.txt"
 * @example joinGlobusPath("/share/", "/other/f.txt") // "/other/f.txt"
 */
export const joinGlobusPath = (prefix: string, path: string): string => {
  if (path === "") return normalizeGlobusPath(prefix);
  if (prefix === "" || isAbsoluteGlobusPath(path)) return normalizeGlobusPath(path);
  return normalizeGlobusPath(
    prefix.charCodeAt(prefix.length - 1) === SLASH ? prefix + path : `${prefix}/${path}`,
  );
};

/** Joins many paths under one prefix; see {@link makeGlobusPathJoiner}. */
export interface GlobusPathJoiner {
  /** `joinGlobusPath(prefix, path)`. */
  readonly join: (path: string) => string;
  /**
   * The same for a path the caller has already checked needs no normalising (no `//`, no `.` or
   * `..` segment, not starting with `.`): it is appended without being scanned again.
   */
  readonly joinNormalized: (path: string) => string;
}

/**
 * {@link joinGlobusPath} with one prefix fixed, for joining many paths under it: the prefix is
 * normalised once, and a path that needs no normalising is simply appended.
 * `undefined` or `""` means no prefix: paths are only normalised.
 */
export const makeGlobusPathJoiner = (prefix: string | undefined): GlobusPathJoiner => {
  if (prefix === undefined || prefix === "") {
    return { join: normalizeGlobusPath, joinNormalized: (path) => path };
  }
  const base = normalizeGlobusPath(prefix);
  // "./x" would need normalising again; a prefix that is only "." is rare enough to go slowly.
  if (base === "." || base === "./") {
    const join = (path: string): string => joinGlobusPath(base, path);
    return { join, joinNormalized: join };
  }
  const withSlash = base.charCodeAt(base.length - 1) === SLASH ? base : `${base}/`;
  const joinNormalized = (path: string): string =>
    path === "" ? base : isAbsoluteGlobusPath(path) ? path : withSlash + path;
  return {
    join: (path) => (mayNeedNormalizing(path) ? joinGlobusPath(base, path) : joinNormalized(path)),
    joinNormalized,
  };
};

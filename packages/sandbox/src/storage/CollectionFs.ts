/**
 * Maps Globus paths on a sandbox collection to local paths under the collection's root folder, and
 * answers the synchronous file operations (stat, ls, mkdir, rename). No path and no symlink leads
 * outside the root; expected outcomes (missing, exists, denied) are results, never exceptions.
 */
import type { Stats } from "node:fs";
import { lstat, mkdir, readdir, readlink, realpath, rename, stat } from "node:fs/promises";
import { userInfo } from "node:os";
import { isAbsolute, join, relative, resolve, sep } from "node:path";

/** Where a collection lives on this machine. */
export interface CollectionRoot {
  /** Absolute local folder that `/` on the collection stands for. */
  readonly root: string;
  /** The Globus path `~` stands for, e.g. `/home/alice/` or `/`. */
  readonly home: string;
}

/** Why a Globus path names nothing the sandbox will touch. */
export type PathProblem = "invalid" | "escape";

/** A Globus path resolved to a local one that is safe to use. */
export interface ResolvedPath {
  readonly ok: true;
  /** Local path under the root (lexical: symlinks inside the root are left in place). */
  readonly local: string;
  /** Absolute, normalised, `~` expanded, no trailing slash (except `/` itself). */
  readonly globusPath: string;
  /** `realpath` of the collection root, for checking where symlinks met later lead. */
  readonly realRoot: string;
}

export type ResolveResult = ResolvedPath | { readonly ok: false; readonly reason: PathProblem };

/** Node's errors from `fs` carry the errno name in `code`. */
export const errnoCode = (error: unknown): string | undefined =>
  error instanceof Error && "code" in error && typeof error.code === "string"
    ? error.code
    : undefined;

/** Splits an absolute Globus path into names, resolving `.` and `..` (never above `/`). */
const absoluteSegments = (path: string): string[] | undefined => {
  if (!path.startsWith("/")) return undefined;
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return out;
};

/**
 * Normalises a Globus path without touching the disk: `~`, `~/x` and `/~/x` go under `home`,
 * `.`/`..` are resolved and `..` stops at `/`. Relative paths, `~user` forms, NUL bytes and
 * `\r\n` (which Globus forbids in names) are `invalid`.
 */
export const normalizeCollectionPath = (
  home: string,
  globusPath: string,
):
  | { readonly ok: true; readonly globusPath: string; readonly segments: readonly string[] }
  | { readonly ok: false; readonly reason: "invalid" } => {
  const invalid = { ok: false, reason: "invalid" } as const;
  if (globusPath === "" || globusPath.includes("\0") || globusPath.includes("\r\n")) return invalid;
  let homeRelative: string | undefined;
  if (globusPath === "~" || globusPath.startsWith("~/")) homeRelative = globusPath.slice(1);
  else if (globusPath === "/~" || globusPath.startsWith("/~/")) homeRelative = globusPath.slice(2);
  const segments =
    homeRelative === undefined
      ? absoluteSegments(globusPath)
      : home.includes("\0")
        ? undefined
        : absoluteSegments(`${home}/${homeRelative}`);
  if (segments === undefined) return invalid;
  return { ok: true, globusPath: `/${segments.join("/")}`, segments };
};

/** Whether `real` (a realpath) is `realRoot` or below it. */
export const isInsideRoot = (realRoot: string, real: string): boolean =>
  real === realRoot || real.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep);

/** The Globus path of a local real path known to be inside the root. */
export const globusPathOfReal = (realRoot: string, real: string): string => {
  const rel = relative(realRoot, real);
  return rel === "" ? "/" : `/${rel.split(sep).join("/")}`;
};

/** Errors after which the guard looks at the parent: the path (or part of it) is not there. */
const LOOK_HIGHER = new Set(["ENOENT", "ENOTDIR", "ELOOP", "EACCES", "ENAMETOOLONG"]);

/** `realpath` of a collection root; a root that does not exist yet is taken as written. */
export const realRootOf = async (root: string): Promise<string> => {
  try {
    return await realpath(root);
  } catch {
    return resolve(root);
  }
};

export interface ResolveOptions {
  /**
   * Whether the last component may be a symlink that is followed (and so must lead inside the
   * root). Off for operations on the link itself (delete, rename, stat of a link): then only the
   * parent directories are checked.
   * @default true
   */
  readonly followSymlink?: boolean;
}

/**
 * Resolves a Globus path to a local path under `collection.root`. After normalising, the deepest
 * ancestor that exists is `realpath`ed and must stay under the root's realpath, so a symlink on
 * the way cannot lead outside (`escape`). What does not exist yet is safe: creating it creates
 * real directories under an ancestor already checked. Checks and use are not atomic; the sandbox
 * assumes nobody swaps directories for symlinks under it while a request runs.
 */
export const resolveCollectionPath = async (
  collection: CollectionRoot,
  globusPath: string,
  options: ResolveOptions = {},
): Promise<ResolveResult> => {
  const normalized = normalizeCollectionPath(collection.home, globusPath);
  if (!normalized.ok) return normalized;
  // An empty or relative root would resolve against the process's working directory.
  if (!isAbsolute(collection.root)) return { ok: false, reason: "invalid" };
  const { segments } = normalized;
  const realRoot = await realRootOf(collection.root);
  const local = join(collection.root, ...segments);
  const deepest = options.followSymlink === false ? segments.length - 1 : segments.length;
  for (let k = Math.max(deepest, 0); k >= 0; k--) {
    let real: string;
    try {
      real = await realpath(
        k === segments.length ? local : join(collection.root, ...segments.slice(0, k)),
      );
    } catch (error) {
      if (LOOK_HIGHER.has(errnoCode(error) ?? "")) continue;
      throw error;
    }
    if (!isInsideRoot(realRoot, real)) return { ok: false, reason: "escape" };
    break;
  }
  return { ok: true, local, globusPath: normalized.globusPath, realRoot };
};

/**
 * One entry of a listing or the answer of `stat`, in Transfer's wire spelling (the shape of
 * `FileDocument` in `@transflow/core`'s Globus schemas).
 * @see globus-api.md §5.11
 */
export interface FileDocument {
  readonly DATA_TYPE: "file";
  readonly name: string;
  readonly type: "dir" | "file" | "invalid_symlink" | "chr" | "blk" | "pipe" | "other";
  readonly size: number;
  /** Four octal digits, e.g. `0755`. */
  readonly permissions: string;
  readonly user: string;
  readonly group: string;
  /** `YYYY-MM-DD HH:MM:SS+00:00`. */
  readonly last_modified: string;
  readonly link_target: string | null;
  readonly link_group: string | null;
  readonly link_last_modified: string | null;
  readonly link_size: number | null;
  readonly link_user: string | null;
}

/** Time as file listings print it: space separator, whole seconds, UTC. */
export const listingTime = (ms: number): string =>
  `${new Date(ms).toISOString().slice(0, 19).replace("T", " ")}+00:00`;

let ownUser: { readonly uid: number; readonly name: string } | undefined;

/** The owner's name when it is the sandbox's own user (the common case), else the numeric uid. */
const userName = (uid: number): string => {
  if (ownUser === undefined) {
    try {
      const info = userInfo();
      ownUser = { uid: info.uid, name: info.username };
    } catch {
      ownUser = { uid: -1, name: "" };
    }
  }
  return uid === ownUser.uid ? ownUser.name : String(uid);
};

const typeOf = (s: Stats): FileDocument["type"] =>
  s.isDirectory()
    ? "dir"
    : s.isFile()
      ? "file"
      : s.isFIFO()
        ? "pipe"
        : s.isCharacterDevice()
          ? "chr"
          : s.isBlockDevice()
            ? "blk"
            : "other";

const permissionsOf = (s: Stats): string => (s.mode & 0o7777).toString(8).padStart(4, "0");

/**
 * Builds the file document of one local entry. A symlink that leads inside the root shows what
 * it points to (type, size, owner, time) with `link_*` describing the link itself and
 * `link_target` the target's Globus path; a dangling, looping or escaping one is
 * `invalid_symlink` described by the link itself. Its `link_target` is the link text when that
 * is relative, else the Globus path it names, or null when it names a place outside the root
 * (the sandbox does not reveal local paths).
 */
export const fileDocumentOf = async (
  name: string,
  local: string,
  linkStats: Stats,
  realRoot: string,
  rootLocal: string,
): Promise<FileDocument> => {
  const own = (s: Stats, type: FileDocument["type"]) => ({
    DATA_TYPE: "file" as const,
    name,
    type,
    size: s.size,
    permissions: permissionsOf(s),
    user: userName(s.uid),
    group: String(s.gid),
    last_modified: listingTime(s.mtimeMs),
  });
  if (!linkStats.isSymbolicLink()) {
    return {
      ...own(linkStats, typeOf(linkStats)),
      link_target: null,
      link_group: null,
      link_last_modified: null,
      link_size: null,
      link_user: null,
    };
  }
  const link = {
    link_group: String(linkStats.gid),
    link_last_modified: listingTime(linkStats.mtimeMs),
    link_size: linkStats.size,
    link_user: userName(linkStats.uid),
  };
  try {
    const real = await realpath(local);
    if (isInsideRoot(realRoot, real)) {
      const target = await stat(real);
      return {
        ...own(target, typeOf(target)),
        link_target: globusPathOfReal(realRoot, real),
        ...link,
      };
    }
  } catch {
    // dangling or looping: reported below as an invalid symlink
  }
  let text: string | null = null;
  try {
    text = await readlink(local);
  } catch {
    text = null;
  }
  if (text !== null && isAbsolute(text)) {
    const lexical = resolve(text);
    const rootLexical = resolve(rootLocal);
    text = isInsideRoot(rootLexical, lexical) ? globusPathOfReal(rootLexical, lexical) : null;
  }
  return { ...own(linkStats, "invalid_symlink"), link_target: text, ...link };
};

/** Why a file operation did not happen. */
export type FileOpProblem =
  | "invalid"
  | "escape"
  | "not-found"
  | "exists"
  | "permission-denied"
  | "not-a-directory";

export type FileOpFailure = { readonly ok: false; readonly reason: FileOpProblem };

const failure = (reason: FileOpProblem): FileOpFailure => ({ ok: false, reason });

/** Maps an `fs` error to a file-operation outcome; unexpected errors are rethrown (defects). */
const problemOf = (error: unknown): FileOpFailure => {
  switch (errnoCode(error)) {
    case "ENOENT":
      return failure("not-found");
    case "EEXIST":
    case "ENOTEMPTY":
      return failure("exists");
    case "EACCES":
    case "EPERM":
    case "EROFS":
      return failure("permission-denied");
    case "ENOTDIR":
      return failure("not-a-directory");
    case "ELOOP":
    case "ENAMETOOLONG":
    case "EINVAL":
      return failure("invalid");
    default:
      throw error;
  }
};

/**
 * `stat` of a Globus path, as a file document named after its last component (`/` for the root).
 * A symlink is described as {@link fileDocumentOf} says, not refused, even when it leads outside.
 * @see globus-api.md §5.11
 */
export const statGlobusPath = async (
  collection: CollectionRoot,
  globusPath: string,
): Promise<{ readonly ok: true; readonly file: FileDocument } | FileOpFailure> => {
  const resolved = await resolveCollectionPath(collection, globusPath, { followSymlink: false });
  if (!resolved.ok) return failure(resolved.reason);
  try {
    const linkStats = await lstat(resolved.local);
    const name =
      resolved.globusPath === "/"
        ? "/"
        : resolved.globusPath.slice(resolved.globusPath.lastIndexOf("/") + 1);
    return {
      ok: true,
      file: await fileDocumentOf(
        name,
        resolved.local,
        linkStats,
        resolved.realRoot,
        collection.root,
      ),
    };
  } catch (error) {
    return problemOf(error);
  }
};

export interface ListOptions {
  /**
   * Whether names starting with `.` are listed (Transfer's `show_hidden`).
   * @default true
   */
  readonly showHidden?: boolean;
}

/**
 * Lists a directory as file documents sorted by name (ordering, filtering and paging are the
 * server's). The directory may be a symlink inside the root; an entry whose `lstat` fails because
 * it vanished meanwhile is left out.
 * @see globus-api.md §5.11
 */
export const listGlobusDirectory = async (
  collection: CollectionRoot,
  globusPath: string,
  options: ListOptions = {},
): Promise<
  | { readonly ok: true; readonly globusPath: string; readonly files: readonly FileDocument[] }
  | FileOpFailure
> => {
  const resolved = await resolveCollectionPath(collection, globusPath);
  if (!resolved.ok) return failure(resolved.reason);
  let names: string[];
  try {
    names = await readdir(resolved.local);
  } catch (error) {
    return problemOf(error);
  }
  const showHidden = options.showHidden ?? true;
  const wanted = names.filter((n) => showHidden || !n.startsWith(".")).sort();
  const docs = await Promise.all(
    wanted.map(async (name) => {
      const local = join(resolved.local, name);
      try {
        return await fileDocumentOf(
          name,
          local,
          await lstat(local),
          resolved.realRoot,
          collection.root,
        );
      } catch {
        return undefined;
      }
    }),
  );
  return {
    ok: true,
    globusPath: resolved.globusPath,
    files: docs.filter((d): d is FileDocument => d !== undefined),
  };
};

/**
 * Creates one directory; its parent must exist (Transfer's mkdir is not recursive). An existing
 * path of any type is `exists` (Transfer answers `ExternalError.MkdirFailed.Exists`).
 * @see globus-api.md §5.11
 */
export const mkdirGlobusPath = async (
  collection: CollectionRoot,
  globusPath: string,
): Promise<{ readonly ok: true; readonly globusPath: string } | FileOpFailure> => {
  const resolved = await resolveCollectionPath(collection, globusPath, { followSymlink: false });
  if (!resolved.ok) return failure(resolved.reason);
  if (resolved.globusPath === "/") return failure("exists");
  try {
    await mkdir(resolved.local);
    return { ok: true, globusPath: resolved.globusPath };
  } catch (error) {
    return problemOf(error);
  }
};

/**
 * Renames a file, directory or symlink (the link itself, never its target). An existing
 * `newPath` is `exists` rather than silently replaced, the root cannot be renamed
 * (`permission-denied`), and a directory cannot move into itself (`invalid`).
 * @see globus-api.md §5.11
 */
export const renameGlobusPath = async (
  collection: CollectionRoot,
  oldPath: string,
  newPath: string,
): Promise<{ readonly ok: true } | FileOpFailure> => {
  const from = await resolveCollectionPath(collection, oldPath, { followSymlink: false });
  if (!from.ok) return failure(from.reason);
  const to = await resolveCollectionPath(collection, newPath, { followSymlink: false });
  if (!to.ok) return failure(to.reason);
  if (from.globusPath === "/" || to.globusPath === "/") return failure("permission-denied");
  if (to.globusPath.startsWith(`${from.globusPath}/`)) return failure("invalid");
  try {
    await lstat(from.local);
  } catch (error) {
    return problemOf(error);
  }
  try {
    await lstat(to.local);
    return failure("exists");
  } catch (error) {
    if (errnoCode(error) !== "ENOENT") return problemOf(error);
  }
  try {
    await rename(from.local, to.local);
    return { ok: true };
  } catch (error) {
    return problemOf(error);
  }
};

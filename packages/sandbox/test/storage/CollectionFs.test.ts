import { chmod, mkdir, readdir, readFile, symlink, utimes } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  listGlobusDirectory,
  listingTime,
  mkdirGlobusPath,
  normalizeCollectionPath,
  renameGlobusPath,
  resolveCollectionPath,
  statGlobusPath,
} from "../../src/storage/CollectionFs.ts";
import { put, tempDir } from "../transfer/support.ts";

describe("normalizeCollectionPath", () => {
  const home = "/home/alice/";
  it.each([
    ["/", "/"],
    ["/a/b/", "/a/b"],
    ["/a/./b//c/../d", "/a/b/d"],
    ["/..", "/"],
    ["/../../etc", "/etc"],
    ["~", "/home/alice"],
    ["~/", "/home/alice"],
    ["~/x/y", "/home/alice/x/y"],
    ["/~/x", "/home/alice/x"],
    ["/~", "/home/alice"],
    ["~/../bob", "/home/bob"],
    ["~/../../../..", "/"],
    ["/~x", "/~x"],
    ["/a/~/b", "/a/~/b"],
  ])("%j → %j", (path, expected) => {
    expect(normalizeCollectionPath(home, path)).toMatchObject({ ok: true, globusPath: expected });
  });

  it.each([["", "relative/x", "./x", "~bob/x", "/a\0b", "/a\r\nb"]].flat())(
    "%j is invalid",
    (path) => {
      expect(normalizeCollectionPath(home, path)).toEqual({ ok: false, reason: "invalid" });
    },
  );

  it("maps ~ to / when the home is the root", () => {
    expect(normalizeCollectionPath("/", "~/x")).toMatchObject({
      ok: true,
      globusPath: "/x",
      segments: ["x"],
    });
  });
});

describe("resolveCollectionPath", () => {
  it("maps a Globus path under the root, existing or not", async () => {
    const root = await tempDir();
    const collection = { root, home: "/home/u" };
    expect(await resolveCollectionPath(collection, "~/new/file")).toMatchObject({
      ok: true,
      local: join(root, "home/u/new/file"),
      globusPath: "/home/u/new/file",
    });
    expect(await resolveCollectionPath(collection, "/../..")).toMatchObject({
      ok: true,
      local: root,
    });
  });

  it("refuses paths whose symlinks lead outside the root", async () => {
    const root = await tempDir();
    const outside = await tempDir();
    await put(outside, "secret.txt", "s");
    await mkdir(join(root, "inside"));
    await symlink(outside, join(root, "out-dir"));
    await symlink(join(outside, "secret.txt"), join(root, "out-file"));
    await symlink("inside", join(root, "in-dir"));
    const collection = { root, home: "/" };
    expect(await resolveCollectionPath(collection, "/out-dir/secret.txt")).toEqual({
      ok: false,
      reason: "escape",
    });
    expect(await resolveCollectionPath(collection, "/out-dir/not/yet/there")).toEqual({
      ok: false,
      reason: "escape",
    });
    expect(await resolveCollectionPath(collection, "/out-file")).toEqual({
      ok: false,
      reason: "escape",
    });
    // The link itself is inside: operations on the link (delete, rename) may have it.
    expect(
      await resolveCollectionPath(collection, "/out-file", { followSymlink: false }),
    ).toMatchObject({ ok: true });
    expect(await resolveCollectionPath(collection, "/out-dir/x", { followSymlink: false })).toEqual(
      {
        ok: false,
        reason: "escape",
      },
    );
    expect(await resolveCollectionPath(collection, "/in-dir/new.txt")).toMatchObject({
      ok: true,
      local: join(root, "in-dir/new.txt"),
    });
  });

  it("refuses a collection without an absolute root", async () => {
    expect(await resolveCollectionPath({ root: "", home: "/" }, "/x")).toEqual({
      ok: false,
      reason: "invalid",
    });
    expect(await resolveCollectionPath({ root: "rel", home: "/" }, "/x")).toEqual({
      ok: false,
      reason: "invalid",
    });
  });
});

describe("file documents", () => {
  it("describes files, directories and symlinks as Transfer does", async () => {
    const root = await tempDir();
    const file = await put(root, "d/data.bin", "12345");
    await chmod(file, 0o640);
    const when = new Date("2021-01-15T01:45:50.750Z");
    await utimes(file, when, when);
    await symlink("data.bin", join(root, "d/link"));
    await symlink("nowhere", join(root, "d/dangling"));
    await symlink("/etc/passwd", join(root, "d/escape"));
    await mkdir(join(root, "d/sub"));
    const collection = { root, home: "/" };

    const stat = await statGlobusPath(collection, "/d/data.bin");
    expect(stat).toEqual({
      ok: true,
      file: expect.objectContaining({
        DATA_TYPE: "file",
        name: "data.bin",
        type: "file",
        size: 5,
        permissions: "0640",
        last_modified: "2021-01-15 01:45:50+00:00",
        link_target: null,
        link_group: null,
        link_last_modified: null,
        link_size: null,
        link_user: null,
      }),
    });
    if (stat.ok) {
      expect(typeof stat.file.user).toBe("string");
      expect(stat.file.group).toMatch(/^\d+$/);
    }

    const listing = await listGlobusDirectory(collection, "/d/");
    if (!listing.ok) throw new Error(`listing failed: ${listing.reason}`);
    expect(listing.globusPath).toBe("/d");
    expect(listing.files.map((f) => [f.name, f.type, f.link_target])).toEqual([
      ["dangling", "invalid_symlink", "nowhere"],
      ["data.bin", "file", null],
      ["escape", "invalid_symlink", null],
      ["link", "file", "/d/data.bin"],
      ["sub", "dir", null],
    ]);
    const link = listing.files.find((f) => f.name === "link");
    expect(link).toMatchObject({ size: 5, permissions: "0640", link_size: "data.bin".length });
  });

  it("answers not-found, not-a-directory, hidden and root cases", async () => {
    const root = await tempDir();
    await put(root, ".hidden", "h");
    await put(root, "shown", "s");
    const collection = { root, home: "/" };
    expect(await statGlobusPath(collection, "/missing")).toEqual({
      ok: false,
      reason: "not-found",
    });
    expect(await listGlobusDirectory(collection, "/missing")).toEqual({
      ok: false,
      reason: "not-found",
    });
    expect(await listGlobusDirectory(collection, "/shown")).toEqual({
      ok: false,
      reason: "not-a-directory",
    });
    const all = await listGlobusDirectory(collection, "/");
    const visible = await listGlobusDirectory(collection, "/", { showHidden: false });
    expect(all.ok && all.files.map((f) => f.name)).toEqual([".hidden", "shown"]);
    expect(visible.ok && visible.files.map((f) => f.name)).toEqual(["shown"]);
    expect(await statGlobusPath(collection, "/")).toMatchObject({
      ok: true,
      file: { name: "/", type: "dir" },
    });
  });

  it("prints listing times in UTC with a space and whole seconds", () => {
    expect(listingTime(Date.UTC(2021, 0, 15, 1, 45, 50, 999))).toBe("2021-01-15 01:45:50+00:00");
  });
});

describe("mkdirGlobusPath and renameGlobusPath", () => {
  it("creates one directory whose parent exists", async () => {
    const root = await tempDir();
    await put(root, "file", "f");
    const collection = { root, home: "/home/me" };
    await mkdir(join(root, "home/me"), { recursive: true });
    expect(await mkdirGlobusPath(collection, "~/new/")).toEqual({
      ok: true,
      globusPath: "/home/me/new",
    });
    expect(await readdir(join(root, "home/me"))).toEqual(["new"]);
    expect(await mkdirGlobusPath(collection, "~/new")).toEqual({ ok: false, reason: "exists" });
    expect(await mkdirGlobusPath(collection, "/file")).toEqual({ ok: false, reason: "exists" });
    expect(await mkdirGlobusPath(collection, "/")).toEqual({ ok: false, reason: "exists" });
    expect(await mkdirGlobusPath(collection, "/a/b")).toEqual({ ok: false, reason: "not-found" });
    expect(await mkdirGlobusPath(collection, "/file/sub")).toEqual({
      ok: false,
      reason: "not-a-directory",
    });
  });

  it("refuses to create through a symlink leading outside", async () => {
    const root = await tempDir();
    const outside = await tempDir();
    await symlink(outside, join(root, "out"));
    expect(await mkdirGlobusPath({ root, home: "/" }, "/out/x")).toEqual({
      ok: false,
      reason: "escape",
    });
    expect(await readdir(outside)).toEqual([]);
  });

  it("renames without replacing, and never the root", async () => {
    const root = await tempDir();
    await put(root, "a.txt", "a");
    await put(root, "b.txt", "b");
    await put(root, "dir/x", "x");
    const collection = { root, home: "/" };
    expect(await renameGlobusPath(collection, "/a.txt", "/c.txt")).toEqual({ ok: true });
    expect(await readFile(join(root, "c.txt"), "utf8")).toBe("a");
    expect(await renameGlobusPath(collection, "/c.txt", "/b.txt")).toEqual({
      ok: false,
      reason: "exists",
    });
    expect(await renameGlobusPath(collection, "/missing", "/m")).toEqual({
      ok: false,
      reason: "not-found",
    });
    expect(await renameGlobusPath(collection, "/b.txt", "/nope/b.txt")).toEqual({
      ok: false,
      reason: "not-found",
    });
    expect(await renameGlobusPath(collection, "/", "/x")).toEqual({
      ok: false,
      reason: "permission-denied",
    });
    expect(await renameGlobusPath(collection, "/dir", "/dir/inner")).toEqual({
      ok: false,
      reason: "invalid",
    });
    expect(await renameGlobusPath(collection, "/b.txt", "/dir/x/y")).toEqual({
      ok: false,
      reason: "not-a-directory",
    });
    expect((await readdir(root)).sort()).toEqual(["b.txt", "c.txt", "dir"]);
  });
});

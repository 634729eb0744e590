import { lstat, mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fixture, tempDir, toolYaml } from "../test-support/fixture";
import { writeItemFileAtomic } from "./write-item-file";

describe("item writes stay in their space", () => {
  it("checks a category folder before creating anything below it: a link out creates nothing outside", async () => {
    const f = await fixture();
    const outside = await tempDir("outside");
    await mkdir(join(f.projectRoot, ".ai/tools"), { recursive: true });
    await symlink(outside, join(f.projectRoot, ".ai/tools/linked"));
    const result = await f.kernel.execute({
      item_type: "tool",
      action: "create",
      item_id: "greet",
      parameters: { content: toolYaml({ id: "greet" }), category: "linked/deep" },
    });
    expect(result).toMatchObject({ success: false, error: { code: "PATH_OUTSIDE_PROJECT" } });
    expect(await readdir(outside)).toEqual([]); // `mkdir -p` through the link would have made deep/ here
  });

  it("replaces a symlink at the item's path with the item, never writing through it", async () => {
    const space = await tempDir("space");
    const outside = await tempDir("outside");
    await writeFile(join(outside, "secret.md"), "OUTSIDE");
    await mkdir(join(space, "knowledge"));
    await symlink(join(outside, "secret.md"), join(space, "knowledge/note.md"));
    await writeItemFileAtomic({ spaceRoot: space, relPath: "knowledge/note.md", bytes: Buffer.from("mine") });
    expect(await readFile(join(outside, "secret.md"), "utf8")).toBe("OUTSIDE");
    expect((await lstat(join(space, "knowledge/note.md"))).isFile()).toBe(true);
    expect(await readFile(join(space, "knowledge/note.md"), "utf8")).toBe("mine");
  });

  it("refuses relative paths that are not item paths before touching the disk", async () => {
    const space = await tempDir("space");
    for (const relPath of ["../x.md", "tools/.hidden.yaml", "tools//x.yaml", "/etc/x"]) {
      await expect(
        writeItemFileAtomic({ spaceRoot: space, relPath, bytes: Buffer.from("x") }),
      ).rejects.toMatchObject({ code: "PATH_OUTSIDE_PROJECT" });
    }
    expect(await readdir(space)).toEqual([]);
  });
});

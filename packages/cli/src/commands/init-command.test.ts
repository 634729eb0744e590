import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { appendFile, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { createKernel, entryProblem } from "@kiwi/kernel";
import { tempProject } from "@kiwi/testing";
import { describe, expect, it } from "vitest";
import { main } from "../main";
import { INIT_MANIFEST, type InitFile } from "./init-command";

async function setup() {
  const { projectRoot: project, home } = await tempProject({ prefix: "kiwi-init" });
  // A user space that does not exist yet: init creates it and the signing key.
  const userSpace = join(home, "user-space");
  const k = async (args: string[]) => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = "";
    let err = "";
    stdout.on("data", (c) => (out += c));
    stderr.on("data", (c) => (err += c));
    const code = await main(["init", "--project", project, "--user-space", userSpace, ...args], {
      stdout,
      stderr,
      cwd: project,
      env: { PATH: process.env.PATH ?? "" },
    });
    return { code, out, err };
  };
  return { project, userSpace, k };
}

async function mtimes(root: string, files: readonly InitFile[]) {
  const out: Record<string, number> = {};
  for (const f of files) {
    const p = join(root, ".ai", f.path);
    if (existsSync(p)) out[f.path] = (await stat(p)).mtimeMs;
  }
  return out;
}

describe("kiwi init", () => {
  it("copies the core bundle, creates the key, and every copy verifies in the project space", async () => {
    const { project, userSpace, k } = await setup();
    const first = await k(["--json"]);
    expect(first.code).toBe(0);
    const report = JSON.parse(first.out) as {
      files: InitFile[];
      signing_key: { key_id: string; created: boolean };
      resigned: string[];
      failed: unknown[];
      verified: number;
    };
    expect(report.signing_key.created).toBe(true);
    expect(existsSync(join(userSpace, "keys/signing.key"))).toBe(true);
    const byPath = new Map(report.files.map((f) => [f.path, f.status]));
    for (const path of [
      "AGENTS.md",
      "directives/examples/demo_tour.md",
      "directives/core/run_directive.md",
      "tools/capabilities/standard.yaml",
      "tools/capabilities/system.yaml",
      "tools/shell/bash.yaml",
      "tools/mcp/mcp_connect.yaml",
      "knowledge/kiwi/capability-denied.md",
    ]) {
      expect(byPath.get(path), path).toBe("created");
    }
    // The directive holding system capabilities stays in the core space.
    expect(byPath.get("directives/core/thread_directive.md")).toBe("kept_in_core");
    expect(existsSync(join(project, ".ai/directives/core/thread_directive.md"))).toBe(false);
    const created = report.files.filter((f) => f.status === "created");
    expect(report.verified).toBe(created.length);
    expect(report.resigned).toEqual([]);
    expect(report.failed).toEqual([]);
    // Same bytes as the bundle: the core key's signatures travel with them.
    const core = join(project, ".ai/tools/examples/greet.yaml");
    expect((await readFile(core, "utf8")).split("\n")[0]).toMatch(/^# kiwi:signature v1 /);

    // An independent kernel: every project item verifies; none is core; the spawn path still is.
    const kernel = await createKernel({ projectRoot: project, userSpace, pluginSpaces: false });
    const entries = (await kernel.inventory()).filter((e) => e.space.kind === "project");
    expect(entries.length).toBe(created.length - 1); // AGENTS.md is not an item
    expect(entries.filter((e) => e.problem).map((e) => `${e.label}: ${entryProblem(e)?.message}`)).toEqual(
      [],
    );
    const demo = await kernel.execute({ item_type: "directive", action: "run", item_id: "demo_tour" });
    expect(demo).toMatchObject({ success: true, space: "project", core: false });
    const spawner = await kernel.execute({
      item_type: "directive",
      action: "run",
      item_id: "thread_directive",
    });
    expect(spawner).toMatchObject({ success: true, space: "core", core: true });
    expect(await kernel.systemPrompt()).toMatchObject({ space: "project" });
  });

  it("is idempotent: a second run writes nothing and says up to date", async () => {
    const { project, k } = await setup();
    const first = JSON.parse((await k(["--json"])).out) as { files: InitFile[] };
    const before = await mtimes(project, first.files);
    const manifest = await stat(join(project, ".ai", INIT_MANIFEST));
    await new Promise((r) => setTimeout(r, 20));
    const second = await k([]);
    expect(second.code).toBe(0);
    expect(second.out).toMatch(/up to date: \d+ files match the bundle, nothing written/);
    expect(second.out).toContain("signing key ed25519:");
    expect(second.out).toContain("already there");
    expect(second.out).not.toContain(": created");
    expect(await mtimes(project, first.files)).toEqual(before);
    expect((await stat(join(project, ".ai", INIT_MANIFEST))).mtimeMs).toBe(manifest.mtimeMs);
  });

  it("keeps a file the user changed unless --force, and updates one only the bundle moved past", async () => {
    const { project, k } = await setup();
    await k([]);
    const greet = join(project, ".ai/tools/examples/greet.yaml");
    const original = await readFile(greet);
    await appendFile(greet, "# my own note\n");
    const mine = await readFile(greet);
    const kept = await k([]);
    expect(kept.code).toBe(0);
    expect(kept.out).toContain(
      ".ai/tools/examples/greet.yaml: skipped: you changed it (kiwi init --force replaces it with the bundle's copy)",
    );
    expect(kept.out).toContain("1 of yours kept");
    expect(await readFile(greet)).toEqual(mine);

    // A symlink where a bundle file belongs is never written through.
    const hello = join(project, ".ai/directives/examples/hello_kiwi.md");
    const elsewhere = join((await tempProject({ prefix: "kiwi-init-outside" })).base, "target.md");
    await writeFile(elsewhere, "outside\n");
    await rm(hello);
    await symlink(elsewhere, hello);
    const json = JSON.parse((await k(["--json"])).out) as { files: InitFile[] };
    expect(json.files.find((f) => f.path === "directives/examples/hello_kiwi.md")?.status).toBe(
      "skipped_modified",
    );
    expect(await readFile(elsewhere, "utf8")).toBe("outside\n");

    const forced = await k(["--force"]);
    expect(forced.out).toContain(".ai/tools/examples/greet.yaml: overwritten (--force)");
    expect(forced.out).toContain(".ai/directives/examples/hello_kiwi.md: overwritten (--force)");
    expect(await readFile(greet)).toEqual(original);
    expect(await readFile(elsewhere, "utf8")).toBe("outside\n");
    expect((await stat(hello)).isFile()).toBe(true);

    // Simulate an older bundle: the project file is what init wrote back then (recorded in the manifest),
    // the bundle has moved on. That copy is updated without --force.
    const old = Buffer.from(`${original.toString("utf8")}# from an older bundle\n`);
    await writeFile(greet, old);
    const manifestFile = join(project, ".ai", INIT_MANIFEST);
    const manifest = JSON.parse(await readFile(manifestFile, "utf8")) as { files: Record<string, string> };
    manifest.files["tools/examples/greet.yaml"] = createHash("sha256").update(old).digest("hex");
    await writeFile(manifestFile, JSON.stringify(manifest));
    const updated = await k([]);
    expect(updated.out).toContain(".ai/tools/examples/greet.yaml: updated");
    expect(await readFile(greet)).toEqual(original);
  });
});

// End to end through `execute`: a directive's token allows exactly what its permissions say. The tools
// (read_file, write_file, list_files, bash) and capability sets come from the bundled core space.
import { mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { attenuate, CapabilityRegistry, mintToken, permissionsToGrants } from "@kiwi/capabilities";
import { loadOrCreateSigningKey } from "@kiwi/keys";
import { describe, expect, it } from "vitest";
import { createKernel } from "./create-kernel";
import { directiveMd, tempDir, toolYaml, treeDigest } from "./test-support/fixture";

const PERMISSIONS = `
      <read resource="filesystem" path="docs/**"/>
      <write resource="filesystem" path="out/**"/>
      <execute resource="tool" id="read_file"/>
      <execute resource="tool" id="write_file"/>
      <execute resource="tool" id="list_files"/>
      <execute resource="tool" id="github_*"/>`;

async function world() {
  const projectRoot = await tempDir("caps");
  const userSpace = await tempDir("caps-user");
  const outside = await tempDir("caps-outside");
  await writeFile(join(outside, "secret.txt"), "OUTSIDE");
  await mkdir(join(projectRoot, "docs"), { recursive: true });
  await mkdir(join(projectRoot, "src"), { recursive: true });
  await writeFile(join(projectRoot, "docs/guide.md"), "# guide\n");
  await writeFile(join(projectRoot, "src/secret.ts"), "export const key = 'nope';\n");
  await symlink(join(outside, "secret.txt"), join(projectRoot, "docs/leak.txt"));
  const kernel = await createKernel({
    personAtTerminal: true,
    projectRoot,
    userSpace,
    pluginSpaces: false,
    indexTtlMs: 0,
  });
  const created = await kernel.execute({
    item_type: "directive",
    action: "create",
    item_id: "writer",
    parameters: { content: directiveMd({ name: "writer", permissions: PERMISSIONS }) },
  });
  if (!created.success) throw new Error(created.error.message);
  for (const id of ["github_list", "github"]) {
    const r = await kernel.execute({
      item_type: "tool",
      action: "create",
      item_id: id,
      parameters: { content: toolYaml({ id }) },
    });
    if (!r.success) throw new Error(r.error.message);
  }
  // What the harness will do inside a thread: the directive's permissions → grants → a signed token.
  const registry = await registryOf(kernel);
  const directive = await kernel.execute({ item_type: "directive", action: "run", item_id: "writer" });
  const perms = (
    directive as unknown as { metadata: { permissions: Parameters<typeof permissionsToGrants>[0] } }
  ).metadata.permissions;
  const grants = permissionsToGrants(perms, { registry, core: false });
  const key = await loadOrCreateSigningKey({ userSpace });
  const { token } = await mintToken({ key, grants, directiveId: "writer", threadId: "writer_1" });
  const meta = { __auth: token, __thread_id: "writer_1", __directive_id: "writer" };
  // A harness's direct call of a tool (kiwi.execute is checked separately, in floors.security.test.ts).
  const run = (id: string, parameters: Record<string, unknown>, m: Record<string, unknown> = meta) =>
    kernel.execute({ item_type: "tool", action: "run", item_id: id, parameters }, { meta: m, direct: true });
  return { projectRoot, outside, kernel, key, grants, registry, meta, run };
}

async function registryOf(kernel: Awaited<ReturnType<typeof createKernel>>) {
  const registry = new CapabilityRegistry();
  for (const e of await kernel.inventory()) {
    const data = e.record?.parsed.itemType === "tool" ? e.record.parsed.data : undefined;
    for (const def of data?.capabilities ?? []) registry.add(def);
  }
  return registry;
}

function code(r: { success: boolean; error?: { code: string; reason?: unknown } }) {
  return r.success ? "ok" : `${r.error!.code}${r.error!.reason ? `/${String(r.error!.reason)}` : ""}`;
}

describe("a directive's token through execute of the filesystem tools", () => {
  it("allows exactly the directive's paths and tools", async () => {
    const w = await world();
    const read = await w.run("read_file", { path: "docs/guide.md" });
    expect(read.success && (read.result as { content: string }).content).toBe("# guide\n");
    expect(code(await w.run("write_file", { path: "out/report.txt", content: "done" }))).toBe("ok");
    expect(await readFile(join(w.projectRoot, "out/report.txt"), "utf8")).toBe("done");
    const listed = await w.run("list_files", { path: "docs" });
    expect(
      listed.success && (listed.result as { entries: { rel: string }[] }).entries.map((e) => e.rel).sort(),
    ).toEqual(["docs/guide.md", "docs/leak.txt"]);
    expect(code(await w.run("github_list", {}))).toBe("ok");
  });

  it("refuses everything else with a code that names only the missing capability", async () => {
    const w = await world();
    const before = await treeDigest(w.projectRoot);
    const denied = await w.run("read_file", { path: "src/secret.ts" });
    expect(denied.success === false && denied.error).toMatchObject({
      code: "CAPABILITY_DENIED",
      reason: "scope_denied",
      required: "fs.read src/secret.ts",
      granted: ["docs/**"],
    });
    expect(JSON.stringify(denied)).not.toContain("out/**"); // never the whole list of grants (G6)
    expect(code(await w.run("write_file", { path: "docs/guide.md", content: "x" }))).toBe(
      "CAPABILITY_DENIED/scope_denied",
    );
    expect(code(await w.run("bash", { command: "touch pwned" }))).toBe("CAPABILITY_DENIED/scope_denied");
    // github_* does not reach github itself (S14)
    expect(code(await w.run("github", {}))).toBe("CAPABILITY_DENIED/scope_denied");
    expect(await treeDigest(w.projectRoot)).toBe(before);
  });

  it("never follows a link out of the project and protects .ai even under a ** grant", async () => {
    const w = await world();
    expect(code(await w.run("read_file", { path: "docs/leak.txt" }))).toBe(
      "PATH_OUTSIDE_PROJECT/symlink_escape",
    );
    expect(code(await w.run("read_file", { path: "../caps-outside/secret.txt" }))).toMatch(
      /^PATH_OUTSIDE_PROJECT/,
    );
    expect(code(await w.run("read_file", { path: "/etc/passwd" }))).toBe(
      "PATH_OUTSIDE_PROJECT/absolute_denied",
    );
    expect(code(await w.run("read_file", { path: "docs/a\u0000b" }))).toMatch(/^PATH_INVALID/);
    const wide = [
      { cap: "fs.write", scope: "**" },
      { cap: "tool.execute", scope: "write_file" },
    ];
    const { token } = await mintToken({ key: w.key, grants: wide, directiveId: "wide", threadId: "wide_1" });
    const meta = { __auth: token, __thread_id: "wide_1" };
    expect(code(await w.run("write_file", { path: ".ai/tools/evil.yaml", content: "x" }, meta))).toBe(
      "PATH_PROTECTED/protected",
    );
    expect(code(await w.run("write_file", { path: ".git/config", content: "x" }, meta))).toBe(
      "PATH_PROTECTED/protected",
    );
    expect(await readFile(join(w.outside, "secret.txt"), "utf8")).toBe("OUTSIDE");
  });

  it("refuses missing, forged, expired, replayed and smuggled tokens", async () => {
    const w = await world();
    const read = (meta: Record<string, unknown>) => w.run("read_file", { path: "docs/guide.md" }, meta);
    expect(code(await read({}))).toBe("TOKEN_INVALID/missing");
    expect(code(await read({ ...w.meta, __thread_id: "other_thread" }))).toBe(
      "TOKEN_INVALID/thread_mismatch",
    );
    const foreign = await loadOrCreateSigningKey({ userSpace: await tempDir("foreign") });
    const forged = await mintToken({
      key: { ...foreign, keyId: w.key.keyId },
      grants: w.grants,
      directiveId: "writer",
      threadId: "writer_1",
    });
    expect(code(await read({ ...w.meta, __auth: forged.token }))).toBe("TOKEN_INVALID/bad_signature");
    const past = Date.now() - 3_600_000;
    const expired = await mintToken({
      key: w.key,
      grants: w.grants,
      directiveId: "writer",
      threadId: "writer_1",
      now: () => past,
    });
    expect(code(await read({ ...w.meta, __auth: expired.token }))).toBe("TOKEN_EXPIRED/expired");
    const smuggled = await w.kernel.execute({
      item_type: "tool",
      action: "run",
      item_id: "read_file",
      parameters: { path: "docs/guide.md", __auth: w.meta.__auth },
    });
    expect(code(smuggled)).toBe("PARAM_RESERVED");
  });

  it("a child token never exceeds its parent (attenuation, A2/A4)", async () => {
    const w = await world();
    const child = attenuate({
      parent: w.grants,
      child: [
        { cap: "fs.read", scope: "**" },
        { cap: "fs.write", scope: "src/**" },
        { cap: "tool.execute", scope: "read_file" },
        { cap: "tool.execute", scope: "write_file" },
      ],
      registry: w.registry,
    });
    const parentToken = w.meta.__auth;
    const { token } = await mintToken({
      key: w.key,
      grants: child.grants,
      directiveId: "child",
      threadId: "child_1",
      parentJti: "x",
    });
    const meta = { __auth: token, __thread_id: "child_1" };
    expect(parentToken).not.toBe(token);
    expect(code(await w.run("read_file", { path: "docs/guide.md" }, meta))).toBe("ok");
    expect(code(await w.run("read_file", { path: "src/secret.ts" }, meta))).toBe(
      "CAPABILITY_DENIED/scope_denied",
    );
    expect(code(await w.run("write_file", { path: "src/x.ts", content: "x" }, meta))).toBe(
      "CAPABILITY_DENIED/cap_missing",
    );
    expect(child.dropped.map((d) => `${d.grant.cap} ${String(d.grant.scope)}`)).toEqual(["fs.write src/**"]);
  });

  it("refuses to sign a user directive that grants system capabilities, whatever it says about itself", async () => {
    const w = await world();
    for (const [name, category] of [
      ["sneaky", ""],
      ["claims_core", "core"],
    ] as const) {
      const r = await w.kernel.execute({
        item_type: "directive",
        action: "create",
        item_id: name,
        parameters: {
          content: directiveMd({
            name,
            category,
            permissions: '<execute resource="registry" action="write"/>',
          }),
          ...(category ? { category } : {}),
        },
      });
      expect(code(r)).toBe("DIRECTIVE_SYSTEM_CAP");
    }
  });
});

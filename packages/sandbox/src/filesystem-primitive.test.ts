import { readFile, symlink } from "node:fs/promises";
import { join } from "node:path";
import {
  CapabilityRegistry,
  createCapabilityGuard,
  type Grant,
  mintToken,
  TokenVerifier,
} from "@kiwi/capabilities";
import { loadOrCreateSigningKey } from "@kiwi/keys";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFilesystemPrimitive } from "./filesystem-primitive";
import { makeSandbox, type SandboxFixture } from "./sandbox-fixture";

let fx: SandboxFixture;
beforeEach(async () => {
  fx = await makeSandbox();
  await fx.put({ "docs/a.md": "# A\n" });
});
afterEach(() => fx.cleanup());

const run = (config: Record<string, unknown>) =>
  createFilesystemPrimitive().run({
    config,
    params: {},
    context: { projectRoot: fx.root, toolId: "t", chain: ["t", "filesystem"], meta: {} },
  });

describe("the filesystem primitive", () => {
  it("writes, reads, lists and deletes inside the project", async () => {
    expect(await run({ operation: "write", path: "notes/todo.md", content: "- x\n" })).toEqual({
      success: true,
      path: "notes/todo.md",
      bytes_written: 4,
    });
    expect(await run({ operation: "read", path: "notes/todo.md" })).toEqual({
      success: true,
      path: "notes/todo.md",
      bytes: 4,
      content: "- x\n",
    });
    expect(await run({ operation: "list", path: ".", recursive: "true" })).toMatchObject({
      success: true,
      path: "",
      truncated: false,
      entries: [
        { rel: "docs", type: "directory" },
        { rel: "notes", type: "directory" },
        { rel: "docs/a.md", type: "file" },
        { rel: "notes/todo.md", type: "file" },
      ],
    });
    expect(await run({ operation: "delete", path: "notes/todo.md" })).toEqual({
      success: true,
      path: "notes/todo.md",
      removed: 1,
    });
  });

  it("refuses escapes, protected paths and bad config with their codes", async () => {
    await symlink(fx.outside, join(fx.root, "out"));
    await expect(run({ operation: "read", path: "out/secret.txt" })).rejects.toMatchObject({
      code: "PATH_OUTSIDE_PROJECT",
    });
    await expect(run({ operation: "write", path: "../outside/x", content: "x" })).rejects.toMatchObject({
      code: "PATH_OUTSIDE_PROJECT",
    });
    await expect(run({ operation: "write", path: ".ai/tools/x.yaml", content: "x" })).rejects.toMatchObject({
      code: "PATH_PROTECTED",
    });
    await expect(run({ operation: "chmod", path: "docs/a.md" })).rejects.toMatchObject({
      code: "INVALID_INPUT",
      context: { field: "operation" },
    });
    await expect(run({ operation: "read", path: "docs/a.md", max_bytes: 2 })).rejects.toMatchObject({
      code: "FILE_TOO_LARGE",
    });
    expect(await readFile(join(fx.outside, "secret.txt"), "utf8")).toBe("OUTSIDE");
  });

  it("with the real guard: the token's path scope decides, and its system capabilities open protected paths", async () => {
    const key = await loadOrCreateSigningKey({ userSpace: join(fx.base, "user-space") });
    const registry = new CapabilityRegistry([
      { name: "fs.write", description: "write", system_only: false, scope: "path", scope_required: true },
      { name: "item.sign", description: "sign", system_only: true, scope: "none", scope_required: false },
    ]);
    const guard = createCapabilityGuard({
      verifier: new TokenVerifier({ keys: [{ keyId: key.keyId, publicKey: key.publicKey }] }),
      registry: () => registry,
    });
    const as = async (grants: Grant[]) => {
      const { token } = await mintToken({ key, grants, directiveId: "d", threadId: "d_1" });
      return (config: Record<string, unknown>) =>
        createFilesystemPrimitive({ guard }).run({
          config,
          params: {},
          context: {
            projectRoot: fx.root,
            toolId: "write_file",
            chain: ["write_file", "filesystem"],
            meta: { __auth: token, __thread_id: "d_1" },
          },
        });
    };
    const notes = await as([{ cap: "fs.write", scope: "notes/**" }]);
    // The scope is checked on the canonical path, whatever the spelling.
    expect(await notes({ operation: "write", path: "./notes//a.md", content: "x" })).toMatchObject({
      path: "notes/a.md",
    });
    await expect(notes({ operation: "write", path: "docs/a.md", content: "x" })).rejects.toMatchObject({
      code: "CAPABILITY_DENIED",
    });
    const everywhere = await as([{ cap: "fs.write", scope: "**" }]);
    await expect(
      everywhere({ operation: "write", path: ".ai/directives/x.md", content: "x" }),
    ).rejects.toMatchObject({ code: "PATH_PROTECTED" });
    const signer = await as([{ cap: "fs.write", scope: "**" }, { cap: "item.sign" }]);
    await signer({ operation: "write", path: ".ai/directives/x.md", content: "x" });
    expect(await readFile(join(fx.root, ".ai/directives/x.md"), "utf8")).toBe("x");
    await expect(signer({ operation: "write", path: ".git/config", content: "x" })).rejects.toMatchObject({
      code: "PATH_PROTECTED",
    });
  });
});

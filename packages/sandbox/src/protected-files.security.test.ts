// Issue 13 §2: a thread holding `fs.write node_modules/**` (or `**`) rewrote @kiwi/sinks' code, which
// then ran inside the next `kiwi thread run` (the process that holds the signing key); `.env`,
// `package.json`, lockfiles and `.npmrc` steer what runs next just the same. And `fs.read **` read the
// thread registry and every other thread's transcript under `.ai/threads/`.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  CapabilityRegistry,
  createCapabilityGuard,
  type Grant,
  mintToken,
  TokenVerifier,
} from "@kiwi/capabilities";
import { loadOrCreateSigningKey, type SigningKey } from "@kiwi/keys";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFilesystemPrimitive } from "./filesystem-primitive";
import { listDirInRoot } from "./list-dir-in-root";
import { readFileInRoot } from "./read-file-in-root";
import { makeSandbox, type SandboxFixture } from "./sandbox-fixture";
import { writeFileInRoot } from "./write-file-in-root";

const ORIGINAL: Record<string, string> = {
  "package.json": '{"scripts":{"postinstall":"echo ok"}}',
  "packages/app/package.json": "{}",
  "package-lock.json": "{}",
  "pnpm-lock.yaml": "lockfileVersion: 9\n",
  "yarn.lock": "# yarn\n",
  ".npmrc": "@kiwi:registry=https://npm.pkg.github.com\n",
  ".env": "ANTHROPIC_BASE_URL=https://api.anthropic.com\n",
  ".env.local": "X=1\n",
  "node_modules/@kiwi/sinks/dist/node.js": "export const ok = true;\n",
  "packages/app/node_modules/dep/index.js": "module.exports = 1;\n",
  ".ai/threads/registry.db": "SQLITE",
  ".ai/threads/victim_1/transcript.jsonl": '{"type":"user_message","text":"secret plan"}\n',
  "docs/a.md": "# A\n",
};

let fx: SandboxFixture;
let key: SigningKey;
beforeEach(async () => {
  fx = await makeSandbox();
  await fx.put(ORIGINAL);
  key = await loadOrCreateSigningKey({ userSpace: join(fx.base, "user-space") });
});
afterEach(() => fx.cleanup());

const registry = new CapabilityRegistry([
  { name: "fs.read", description: "r", system_only: false, scope: "path", scope_required: true },
  { name: "fs.write", description: "w", system_only: false, scope: "path", scope_required: true },
  { name: "fs.delete", description: "d", system_only: false, scope: "path", scope_required: true },
  { name: "registry.read", description: "rr", system_only: true, scope: "none", scope_required: false },
  { name: "registry.write", description: "rw", system_only: true, scope: "none", scope_required: false },
  { name: "item.sign", description: "s", system_only: true, scope: "none", scope_required: false },
]);

async function primitiveAs(grants: Grant[]) {
  const guard = createCapabilityGuard({
    verifier: new TokenVerifier({ keys: [{ keyId: key.keyId, publicKey: key.publicKey }] }),
    registry: () => registry,
  });
  const { token } = await mintToken({ key, grants, directiveId: "d", threadId: "d_1" });
  return (config: Record<string, unknown>) =>
    createFilesystemPrimitive({ guard }).run({
      config,
      params: {},
      context: {
        projectRoot: fx.root,
        toolId: "t",
        chain: ["t", "filesystem"],
        meta: { __auth: token, __thread_id: "d_1" },
      },
    });
}

const everything: Grant[] = [
  { cap: "fs.read", scope: "**" },
  { cap: "fs.write", scope: "**" },
  { cap: "fs.delete", scope: "**" },
  { cap: "registry.write" },
  { cap: "item.sign" },
];

async function unchanged(): Promise<void> {
  for (const [rel, text] of Object.entries(ORIGINAL))
    expect(await readFile(join(fx.root, rel), "utf8")).toBe(text);
}

describe("files that steer the next install or run are never written by file tools", () => {
  it.each([
    "package.json",
    "packages/app/package.json",
    "package-lock.json",
    "pnpm-lock.yaml",
    "yarn.lock",
    "npm-shrinkwrap.json",
    "bun.lockb",
    ".npmrc",
    ".env",
    ".env.local",
    "node_modules/@kiwi/sinks/dist/node.js",
    "node_modules/evil/index.js",
    "packages/app/node_modules/dep/index.js",
  ])("fs.write ** (with every system capability) cannot write or delete %s", async (rel) => {
    const fs = await primitiveAs(everything);
    await expect(fs({ operation: "write", path: rel, content: "pwned" })).rejects.toMatchObject({
      code: "PATH_PROTECTED",
    });
    await expect(fs({ operation: "delete", path: rel })).rejects.toMatchObject({ code: "PATH_PROTECTED" });
    await unchanged();
  });

  it("the node_modules folder as a whole cannot be deleted", async () => {
    const fs = await primitiveAs(everything);
    await expect(fs({ operation: "delete", path: "node_modules" })).rejects.toMatchObject({
      code: "PATH_PROTECTED",
    });
    await unchanged();
  });

  it("without a guard (an embedder's kernel) the sandbox alone still refuses them", async () => {
    await expect(
      writeFileInRoot({
        root: fx.root,
        rel: "node_modules/@kiwi/sinks/dist/node.js",
        bytes: "x",
        systemCaps: ["item.sign", "registry.write"],
      }),
    ).rejects.toMatchObject({ code: "PATH_PROTECTED" });
    await expect(writeFileInRoot({ root: fx.root, rel: ".env", bytes: "X=1" })).rejects.toMatchObject({
      code: "PATH_PROTECTED",
    });
    await unchanged();
  });

  it("reading them stays ordinary work", async () => {
    const fs = await primitiveAs([{ cap: "fs.read", scope: "**" }]);
    expect(await fs({ operation: "read", path: "package.json" })).toMatchObject({ success: true });
    expect(await fs({ operation: "read", path: "node_modules/@kiwi/sinks/dist/node.js" })).toMatchObject({
      success: true,
    });
  });
});

describe(".ai/threads is protected for reads too", () => {
  it("fs.read ** cannot read the registry or another thread's transcript", async () => {
    const fs = await primitiveAs([{ cap: "fs.read", scope: "**" }]);
    for (const path of [".ai/threads/registry.db", ".ai/threads/victim_1/transcript.jsonl"]) {
      await expect(fs({ operation: "read", path })).rejects.toMatchObject({
        code: "PATH_PROTECTED",
        context: { needs: "registry.read" },
      });
    }
    await expect(fs({ operation: "list", path: ".ai/threads" })).rejects.toMatchObject({
      code: "PATH_PROTECTED",
    });
  });

  it("a recursive listing reports the folder as protected and does not enter it", async () => {
    const fs = await primitiveAs([{ cap: "fs.read", scope: "**" }]);
    const listed = (await fs({ operation: "list", path: ".", recursive: true })) as unknown as {
      entries: { rel: string; skipped?: boolean; reason?: string }[];
    };
    expect(listed.entries).toContainEqual({
      rel: ".ai/threads",
      type: "directory",
      skipped: true,
      reason: "protected",
    });
    expect(listed.entries.some((e) => e.rel.startsWith(".ai/threads/"))).toBe(false);
  });

  it("registry.read (a core directive's) opens them", async () => {
    const fs = await primitiveAs([{ cap: "fs.read", scope: "**" }, { cap: "registry.read" }]);
    expect(await fs({ operation: "read", path: ".ai/threads/victim_1/transcript.jsonl" })).toMatchObject({
      content: ORIGINAL[".ai/threads/victim_1/transcript.jsonl"],
    });
  });

  it("the sandbox's readers refuse them without registry.read", async () => {
    await expect(
      readFileInRoot({ root: fx.root, rel: ".ai/threads/registry.db", maxBytes: 1024 }),
    ).rejects.toMatchObject({ code: "PATH_PROTECTED" });
    await expect(listDirInRoot({ root: fx.root, rel: ".ai/threads", maxEntries: 10 })).rejects.toMatchObject({
      code: "PATH_PROTECTED",
    });
    expect(
      (
        await readFileInRoot({
          root: fx.root,
          rel: ".ai/threads/registry.db",
          maxBytes: 1024,
          systemCaps: ["registry.read"],
        })
      ).toString(),
    ).toBe("SQLITE");
  });
});

import { execFileSync } from "node:child_process";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createKernel } from "@kiwi/kernel";
import { keyPaths } from "@kiwi/keys";
import { tempProject } from "@kiwi/testing";
import { installSigned } from "@kiwi/testing/install";
import { describe, expect, it } from "vitest";
import { kiwi } from "../thread-display/test-support";

const KNOWLEDGE = `---
id: notes
title: Publisher notes
entry_type: reference
category: acme
tags: [acme]
version: "1.0.0"
---
Notes the publisher ships.
`;

/**
 * A plugin package signed by its publisher, installed in a project whose user space does NOT trust the
 * publisher yet; the package ships the publisher's public key and names it in package.json.
 */
async function untrustedPlugin() {
  const source = await tempProject({ prefix: "kiwi-acme-src" });
  const packageDir = source.projectRoot;
  await mkdir(join(packageDir, ".ai/knowledge/acme"), { recursive: true });
  await writeFile(join(packageDir, ".ai/knowledge/acme/notes.md"), KNOWLEDGE);
  await writeFile(
    join(packageDir, "package.json"),
    JSON.stringify({
      name: "@acme/kiwi-notes",
      version: "1.0.0",
      files: [".ai", "publisher.pub"],
      kiwi: { items: ".ai", publisherKey: "publisher.pub" },
    }),
  );
  const install = await installSigned({ packageDir, createKernel });
  // installSigned trusts the publisher; this test wants the person to decide: the key moves into the package.
  const shipped = join(install.projectRoot, "node_modules/@acme/kiwi-notes/publisher.pub");
  await rename(join(keyPaths(install.userSpace).trustedDir, "publisher.pub"), shipped);
  return {
    ...install,
    shipped,
    opts: { project: install.projectRoot, userSpace: install.userSpace, remove: install.remove },
  };
}

describe("kiwi trust", () => {
  it("takes a plugin from untrusted to verified and back, and validate says what to run", async () => {
    const p = await untrustedPlugin();
    const before = await kiwi(["validate"], p.opts);
    expect(before.code).toBe(1);
    expect(before.out).toContain("knowledge notes (plugin:@acme/kiwi-notes:knowledge/acme/notes.md)");
    expect(before.out).toContain(`kiwi trust ${p.shipped}`);
    expect(before.out).toContain("cannot be re-signed in place");
    expect(before.out).toContain(p.publisherKeyId);

    const wrong = await kiwi(["trust", p.shipped, "--key-id", "ed25519:AAAAAAAAAAAAAAAA"], p.opts);
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain("KEY_ERROR");

    const trusted = await kiwi(["trust", p.shipped, "--key-id", p.publisherKeyId], p.opts);
    expect(trusted.code).toBe(0);
    expect(trusted.out).toContain(`trusted ${p.publisherKeyId}`);
    expect((await kiwi(["validate"], p.opts)).code).toBe(0);
    const loaded = await kiwi(["run", "knowledge", "acme/notes", "--json"], p.opts);
    expect(loaded.out).toContain("Notes the publisher ships.");

    const list = JSON.parse((await kiwi(["trust", "--list", "--json"], p.opts)).out);
    expect(list.trusted.map((k: { key_id: string }) => k.key_id)).toEqual([p.publisherKeyId]);

    expect((await kiwi(["trust", "--remove", p.publisherKeyId], p.opts)).code).toBe(0);
    expect((await kiwi(["validate"], p.opts)).code).toBe(1);
  });

  it("refuses a private key, a FIFO and a usage mistake; trusts a key once", async () => {
    const t = await tempProject();
    const opts = { project: t.projectRoot, userSpace: t.userSpace, remove: t.remove };
    // The person's own key pair, made by the kernel: its public half is a valid key to trust elsewhere.
    const kernel = await createKernel({ projectRoot: t.projectRoot, userSpace: join(t.base, "other") });
    const key = await kernel.signingKey();
    const publicFile = keyPaths(join(t.base, "other")).publicKey;
    const first = await kiwi(["trust", publicFile, "--json"], opts);
    expect(JSON.parse(first.out)).toMatchObject({ success: true, key_id: key.keyId, added: true });
    const again = await kiwi(["trust", publicFile, "--json"], opts);
    expect(JSON.parse(again.out)).toMatchObject({ success: true, key_id: key.keyId, added: false });

    const privateFile = keyPaths(join(t.base, "other")).privateKey;
    const priv = await kiwi(["trust", privateFile], opts);
    expect(priv.code).toBe(1);
    expect(priv.err).toContain("PRIVATE key");
    expect(await readFile(privateFile, "utf8")).toContain("PRIVATE KEY"); // untouched

    const fifo = join(t.base, "key.pub");
    execFileSync("mkfifo", [fifo]);
    const started = Date.now();
    const fromFifo = await kiwi(["trust", fifo], opts);
    expect(fromFifo.code).toBe(1);
    expect(fromFifo.err).toContain("not a regular file");
    expect(Date.now() - started).toBeLessThan(5000);

    expect((await kiwi(["trust"], opts)).code).toBe(2);
    expect((await kiwi(["trust", "a", "--list"], opts)).code).toBe(2);
  });
});

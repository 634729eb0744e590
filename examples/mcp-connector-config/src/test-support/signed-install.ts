// Test support, not shipped (tsup builds src/index.ts only). Installs this package into a fresh temp
// project the way `npm install` would, with its `.ai` items signed by a throwaway *publisher* key that the
// project's user space trusts. The two roles are real: the publisher signs, the user trusts the publisher's
// public key. No private key is committed, and the YAML in the repository stays unsigned (source).
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createKernel } from "@kiwi/kernel";
import { keyPaths } from "@kiwi/keys";

export interface SignedInstall {
  /** The consumer project: its package.json depends on the package, its node_modules holds it. */
  readonly projectRoot: string;
  /** The consumer's user space: its own key, and the publisher's public key in keys/trusted/. */
  readonly userSpace: string;
  /** The publisher key's id, as the signature lines name it. */
  readonly publisherKeyId: string;
  /** Deletes every temp folder (publisher, project, user space). */
  remove(): Promise<void>;
}

const ITEM_TYPES = ["directive", "tool", "knowledge"] as const;

/** The publisher's side: sign every item of a copy of `.ai` with a fresh key (`kiwi sign <type> '*'`). */
async function signAsPublisher(packageDir: string, base: string) {
  const projectRoot = join(base, "publisher");
  await cp(join(packageDir, ".ai"), join(projectRoot, ".ai"), { recursive: true });
  const kernel = await createKernel({
    projectRoot,
    userSpace: join(base, "publisher-home"),
    pluginSpaces: false,
    indexTtlMs: 0,
  });
  for (const itemType of ITEM_TYPES) {
    const r = await kernel.execute({ item_type: itemType, action: "sign", item_id: "*" });
    if (!r.success) {
      if (r.error.code === "ITEM_NOT_FOUND") continue; // the package ships no item of this type
      throw new Error(`signing ${itemType}s failed: ${r.error.code} ${r.error.message}`);
    }
    const failed = (r.failed as { item: string; error: { message: string } }[] | undefined) ?? [];
    if (failed.length)
      throw new Error(`signing failed: ${failed.map((f) => `${f.item}: ${f.error.message}`)}`);
  }
  const key = await kernel.signingKey();
  return { signedAi: join(projectRoot, ".ai"), key };
}

/**
 * The user's side: `npm install <package>` into a new project, then trust the publisher's public key.
 * `alsoInstall` names other packages the project depends on (e.g. a provider plugin whose items the
 * host needs); they are linked from this package's own node_modules, as they are.
 */
export async function installSigned(
  packageDir: string,
  options: { alsoInstall?: readonly string[] } = {},
): Promise<SignedInstall> {
  const base = await realpath(await mkdtemp(join(tmpdir(), "kiwi-example-")));
  const { signedAi, key } = await signAsPublisher(packageDir, base);
  const manifest = JSON.parse(await readFile(join(packageDir, "package.json"), "utf8")) as {
    name: string;
    version: string;
    files: string[];
  };
  const projectRoot = join(base, "app");
  const installed = join(projectRoot, "node_modules", ...manifest.name.split("/"));
  await mkdir(installed, { recursive: true });
  await writeFile(join(installed, "package.json"), JSON.stringify(manifest, null, 2));
  await cp(signedAi, join(installed, ".ai"), { recursive: true });
  // What npm would unpack besides `.ai` (the `files` list). Symlinks keep the built code's own
  // dependencies resolving from the workspace, as Node follows them to their real folder.
  for (const entry of manifest.files.filter((f) => f !== ".ai")) {
    if (existsSync(join(packageDir, entry))) await symlink(join(packageDir, entry), join(installed, entry));
  }
  const dependencies: Record<string, string> = { [manifest.name]: manifest.version };
  for (const name of options.alsoInstall ?? []) {
    const target = join(projectRoot, "node_modules", ...name.split("/"));
    await mkdir(dirname(target), { recursive: true });
    await symlink(await realpath(join(packageDir, "node_modules", ...name.split("/"))), target);
    dependencies[name] = "*";
  }
  await writeFile(
    join(projectRoot, "package.json"),
    JSON.stringify({ name: "app", private: true, dependencies }),
  );
  const userSpace = join(base, "app-home");
  const { trustedDir } = keyPaths(userSpace);
  await mkdir(trustedDir, { recursive: true });
  await writeFile(join(trustedDir, "example-publisher.pub"), key.publicKeyPem);
  return {
    projectRoot,
    userSpace,
    publisherKeyId: key.keyId,
    remove: () => rm(base, { recursive: true, force: true }),
  };
}

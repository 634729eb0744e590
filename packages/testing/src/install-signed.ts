import { existsSync } from "node:fs";
import { cp, mkdir, readFile, realpath, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { keyPaths } from "@kiwi/keys";
import { type TempProject, tempProject, writeAppManifest } from "./temp-project";

/**
 * The part of a kernel the publisher's side uses: sign every item, hand out the key. `createKernel` from
 * `@kiwi/kernel` fits; it is passed in because the kernel's own dependencies (the sinks) test with this kit.
 */
export interface SigningKernel {
  execute(input: {
    item_type: "directive" | "tool" | "knowledge";
    action: "sign";
    item_id: string;
  }): Promise<
    { success: true; failed?: unknown } | { success: false; error: { code: string; message: string } }
  >;
  signingKey(): Promise<{ readonly keyId: string; readonly publicKeyPem: string }>;
}

export type CreateSigningKernel = (options: {
  projectRoot: string;
  userSpace: string;
  pluginSpaces: boolean;
  indexTtlMs: number;
  /** The publisher signs at their own terminal (only such a kernel writes items without a token). */
  personAtTerminal: true;
}) => Promise<SigningKernel>;

export interface InstallSignedOptions {
  /** The package to install: its folder, holding `package.json` and `.ai`. */
  readonly packageDir: string;
  /** `createKernel` from `@kiwi/kernel`. */
  readonly createKernel: CreateSigningKernel;
  /**
   * Other packages the project depends on (e.g. a provider plugin whose items the host needs), linked
   * from the package's own node_modules, as they are.
   */
  readonly alsoInstall?: readonly string[];
}

/** A project with the package installed, and a user space that trusts its publisher. */
export interface SignedInstall extends TempProject {
  /** The publisher key's id, as the signature lines name it. */
  readonly publisherKeyId: string;
}

const ITEM_TYPES = ["directive", "tool", "knowledge"] as const;

/** The publisher's side: sign every item of a copy of `.ai` with a fresh key (`kiwi sign <type> '*'`). */
async function signAsPublisher(
  packageDir: string,
  base: string,
  createKernel: CreateSigningKernel,
): Promise<{ signedAi: string; key: { keyId: string; publicKeyPem: string } }> {
  const projectRoot = join(base, "publisher");
  await cp(join(packageDir, ".ai"), join(projectRoot, ".ai"), { recursive: true });
  const kernel = await createKernel({
    projectRoot,
    userSpace: join(base, "publisher-home"),
    pluginSpaces: false,
    indexTtlMs: 0,
    personAtTerminal: true,
  });
  for (const itemType of ITEM_TYPES) {
    const r = await kernel.execute({ item_type: itemType, action: "sign", item_id: "*" });
    if (!r.success) {
      if (r.error.code === "ITEM_NOT_FOUND") continue; // the package ships no item of this type
      throw new Error(`signing ${itemType}s failed: ${r.error.code} ${r.error.message}`);
    }
    const failed = Array.isArray(r.failed)
      ? (r.failed as { item: string; error: { message: string } }[])
      : [];
    if (failed.length)
      throw new Error(`signing failed: ${failed.map((f) => `${f.item}: ${f.error.message}`)}`);
  }
  return { signedAi: join(projectRoot, ".ai"), key: await kernel.signingKey() };
}

/**
 * Installs a package into a fresh temp project the way `npm install` would, its `.ai` items signed by a
 * throwaway publisher key that the project's user space trusts. The two roles are real: the publisher
 * signs, the user trusts the publisher's public key; no private key is committed and the package's own
 * YAML stays unsigned (source). Removal works as for `tempProject`: when the test ends, or `remove()`.
 */
export async function installSigned(options: InstallSignedOptions): Promise<SignedInstall> {
  const { packageDir } = options;
  const linked: Record<string, string> = {};
  for (const name of options.alsoInstall ?? []) {
    linked[name] = await realpath(join(packageDir, "node_modules", ...name.split("/")));
  }
  const project = await tempProject({ prefix: "kiwi-install", packages: linked });
  try {
    const { signedAi, key } = await signAsPublisher(packageDir, project.base, options.createKernel);
    const manifest = JSON.parse(await readFile(join(packageDir, "package.json"), "utf8")) as {
      name: string;
      version: string;
      files?: string[];
    };
    const installed = join(project.projectRoot, "node_modules", ...manifest.name.split("/"));
    await mkdir(installed, { recursive: true });
    await writeFile(join(installed, "package.json"), JSON.stringify(manifest, null, 2));
    await cp(signedAi, join(installed, ".ai"), { recursive: true });
    // What npm would unpack besides `.ai` (the `files` list). Symlinks keep the built code's own
    // dependencies resolving from the workspace, as Node follows them to their real folder.
    for (const entry of (manifest.files ?? []).filter((f) => f !== ".ai")) {
      if (existsSync(join(packageDir, entry))) await symlink(join(packageDir, entry), join(installed, entry));
    }
    const alsoInstalled = Object.keys(linked).map((name) => [name, "*"]);
    await writeAppManifest(project.projectRoot, {
      [manifest.name]: manifest.version,
      ...Object.fromEntries(alsoInstalled),
    });
    const { trustedDir } = keyPaths(project.userSpace);
    await mkdir(trustedDir, { recursive: true });
    await writeFile(join(trustedDir, "publisher.pub"), key.publicKeyPem);
    return { ...project, publisherKeyId: key.keyId };
  } catch (error) {
    // Nothing owns the folder yet when this runs in a `beforeAll`: remove it here.
    await project.remove();
    throw error;
  }
}

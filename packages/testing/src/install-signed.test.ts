// installSigned's own steps (copy, link, trust, clean up) with a stand-in for the kernel's signing: the
// real kernel cannot be a dependency of this kit (the kernel's dependencies test with it). The five
// examples run installSigned with the real kernel and load what it installed through signature checks.
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, readlink, realpath, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type CreateSigningKernel, installSigned, type SigningKernel } from "./install-signed";
import { tempProject } from "./temp-project";

const TOOL = "tool_id: hello\n";

/** A package folder as the examples have: `.ai` items, built code, a dependency in its node_modules. */
async function examplePackage(): Promise<string> {
  const { base } = await tempProject({ prefix: "kiwi-package" });
  const dir = join(base, "package");
  await mkdir(join(dir, ".ai/tools"), { recursive: true });
  await writeFile(join(dir, ".ai/tools/hello.yaml"), TOOL);
  await mkdir(join(dir, "dist"));
  await writeFile(join(dir, "dist/index.js"), "export {};\n");
  await mkdir(join(dir, "node_modules/@acme/helper"), { recursive: true });
  await writeFile(
    join(dir, "package.json"),
    JSON.stringify({ name: "@acme/pkg", version: "1.2.3", files: ["dist", ".ai", "README.md"] }),
  );
  return dir;
}

/** Signs by appending a line to every tool file, as the kernel appends a signature line. */
function signingKernel(calls: string[], outcome?: (itemType: string) => unknown): CreateSigningKernel {
  return async ({ projectRoot }) => {
    const kernel: SigningKernel = {
      async execute({ item_type }) {
        calls.push(item_type);
        const forced = outcome?.(item_type);
        if (forced) return forced as Awaited<ReturnType<SigningKernel["execute"]>>;
        if (item_type !== "tool") {
          return { success: false, error: { code: "ITEM_NOT_FOUND", message: `no ${item_type}` } };
        }
        const file = join(projectRoot, ".ai/tools/hello.yaml");
        await writeFile(file, `${await readFile(file, "utf8")}# signed: publisher-key\n`);
        return { success: true, failed: [] };
      },
      signingKey: async () => ({ keyId: "ed25519:publisher", publicKeyPem: "PUBLIC KEY PEM\n" }),
    };
    return kernel;
  };
}

/** The install folders in the temp folder now: the same list before and after means nothing was left. */
const installFolders = async () =>
  (await readdir(tmpdir())).filter((name) => name.startsWith("kiwi-install-")).sort();

describe("installSigned", () => {
  it("installs the signed copy into a project whose user space trusts the publisher", async () => {
    const packageDir = await examplePackage();
    const calls: string[] = [];
    const installed = await installSigned({
      packageDir,
      createKernel: signingKernel(calls),
      alsoInstall: ["@acme/helper"],
    });
    expect(calls).toEqual(["directive", "tool", "knowledge"]);
    expect(installed.publisherKeyId).toBe("ed25519:publisher");
    const pkg = join(installed.projectRoot, "node_modules/@acme/pkg");
    expect(await readFile(join(pkg, ".ai/tools/hello.yaml"), "utf8")).toBe(
      `${TOOL}# signed: publisher-key\n`,
    );
    expect(await readFile(join(packageDir, ".ai/tools/hello.yaml"), "utf8")).toBe(TOOL); // source untouched
    expect(await readlink(join(pkg, "dist"))).toBe(join(packageDir, "dist"));
    expect(existsSync(join(pkg, "README.md"))).toBe(false); // listed in `files`, absent from the package
    expect(JSON.parse(await readFile(join(pkg, "package.json"), "utf8"))).toMatchObject({
      name: "@acme/pkg",
    });
    expect(await realpath(join(installed.projectRoot, "node_modules/@acme/helper"))).toBe(
      await realpath(join(packageDir, "node_modules/@acme/helper")),
    );
    expect(JSON.parse(await readFile(join(installed.projectRoot, "package.json"), "utf8"))).toEqual({
      name: "app",
      private: true,
      dependencies: { "@acme/pkg": "1.2.3", "@acme/helper": "*" },
    });
    expect(await readFile(join(installed.userSpace, "keys/trusted/publisher.pub"), "utf8")).toBe(
      "PUBLIC KEY PEM\n",
    );
  });

  it("fails naming the items that did not sign, and removes its folder", async () => {
    const packageDir = await examplePackage();
    const before = await installFolders();
    const failing = signingKernel([], (itemType) =>
      itemType === "tool"
        ? { success: true, failed: [{ item: "hello", error: { message: "bad yaml" } }] }
        : undefined,
    );
    await expect(installSigned({ packageDir, createKernel: failing })).rejects.toThrow(
      "signing failed: hello: bad yaml",
    );
    expect(await installFolders()).toEqual(before);
  });

  it("fails on any other signing error, and removes its folder", async () => {
    const packageDir = await examplePackage();
    const before = await installFolders();
    const failing = signingKernel([], () => ({
      success: false,
      error: { code: "KEY_ERROR", message: "unreadable key" },
    }));
    await expect(installSigned({ packageDir, createKernel: failing })).rejects.toThrow(
      "signing directives failed: KEY_ERROR unreadable key",
    );
    expect(await installFolders()).toEqual(before);
  });
});

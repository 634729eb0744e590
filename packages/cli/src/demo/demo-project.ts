import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/**
 * The provider plugins the demo project "installs": their items (the provider definitions, the LLM endpoint
 * tools) and pricing. Named here as packages to link, never imported: the demo finds them from their data.
 */
export const DEMO_PLUGINS = ["@kiwi/provider-anthropic", "@kiwi/provider-openai"] as const;

export interface DemoProject {
  readonly project: string;
  readonly userSpace: string;
  remove(): Promise<void>;
}

const WELCOME = `# Welcome to the demo project

Kiwi enforces permissions in the tool layer: every tool checks the thread's signed capability token
itself, so a directive's permissions hold whatever the model writes.
`;

/**
 * Where an installed plugin package lives, resolved from this CLI's own location: the CLI depends on the
 * provider plugins, so this works in the monorepo and in a project that installed @kiwi/cli from npm.
 */
export function pluginDir(name: string): string {
  return dirname(createRequire(import.meta.url).resolve(`${name}/package.json`));
}

/**
 * A temporary project and user space for `kiwi demo`. The kernel discovers plugin items from the
 * project's package.json and node_modules, so the project lists the provider plugins as dependencies and
 * links them into node_modules: the same layout `npm install @kiwi/provider-anthropic` produces.
 */
export async function createDemoProject(): Promise<DemoProject> {
  const project = await realpath(await mkdtemp(join(tmpdir(), "kiwi-demo-project-")));
  const userSpace = await realpath(await mkdtemp(join(tmpdir(), "kiwi-demo-user-")));
  await mkdir(join(project, "docs"), { recursive: true });
  await writeFile(join(project, "docs/welcome.md"), WELCOME);
  await mkdir(join(project, "src"), { recursive: true });
  await writeFile(join(project, "src/secret.txt"), "not for the demo thread\n");
  await mkdir(join(project, "node_modules/@kiwi"), { recursive: true });
  for (const name of DEMO_PLUGINS) {
    await symlink(await realpath(pluginDir(name)), join(project, "node_modules", ...name.split("/")), "dir");
  }
  await writeFile(
    join(project, "package.json"),
    `${JSON.stringify(
      {
        name: "kiwi-demo-project",
        private: true,
        dependencies: Object.fromEntries(DEMO_PLUGINS.map((n) => [n, "*"])),
      },
      null,
      2,
    )}\n`,
  );
  return {
    project,
    userSpace,
    async remove() {
      await rm(project, { recursive: true, force: true });
      await rm(userSpace, { recursive: true, force: true });
    },
  };
}

import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { onTestFinished } from "vitest";

export interface TempProjectOptions {
  /** Start of the temp folder's name, so a leftover says which tests made it (default `kiwi-test`). */
  readonly prefix?: string;
  /**
   * Packages the project depends on, name → folder: each is linked into the project's node_modules and
   * listed in its package.json, as an install would leave it (how the kernel finds plugin items).
   */
  readonly packages?: Readonly<Record<string, string>>;
}

/** A fresh temp folder holding a project root, a user space and a home folder, all empty. */
export interface TempProject {
  /** The temp folder itself (realpath'd, so paths compare equal to what the code under test resolves). */
  readonly base: string;
  /** `<base>/project`: the project root. */
  readonly projectRoot: string;
  /** `<base>/user`: a user space (its keys, its trusted publishers). */
  readonly userSpace: string;
  /** `<base>/home`: for HOME, or for a user space that must not exist yet (`join(home, "user-space")`). */
  readonly home: string;
  /** Removes the whole folder; safe to call more than once. */
  remove(): Promise<void>;
}

/**
 * Makes a temp project. Called inside a test (or a `beforeEach`), the folder is removed when that test
 * finishes, passed or failed. Called in a `beforeAll`, the caller removes it: return `remove` from the hook.
 */
export async function tempProject(options: TempProjectOptions = {}): Promise<TempProject> {
  const base = await realpath(await mkdtemp(join(tmpdir(), `${options.prefix ?? "kiwi-test"}-`)));
  // Retries: a child process a test just stopped may still be closing files inside the folder.
  const remove = () => rm(base, { recursive: true, force: true, maxRetries: 3 });
  try {
    onTestFinished(remove);
  } catch {
    // Not inside a test (a `beforeAll`, module scope): there is no test to attach the removal to.
  }
  const project = {
    base,
    projectRoot: join(base, "project"),
    userSpace: join(base, "user"),
    home: join(base, "home"),
    remove,
  };
  try {
    await Promise.all([project.projectRoot, project.userSpace, project.home].map((dir) => mkdir(dir)));
    if (options.packages) await installLinked(project.projectRoot, options.packages);
  } catch (error) {
    await remove();
    throw error;
  }
  return project;
}

async function installLinked(projectRoot: string, packages: Readonly<Record<string, string>>): Promise<void> {
  const dependencies: Record<string, string> = {};
  for (const [name, dir] of Object.entries(packages)) {
    const target = join(projectRoot, "node_modules", ...name.split("/"));
    await mkdir(dirname(target), { recursive: true });
    await symlink(dir, target, "dir");
    dependencies[name] = "*";
  }
  await writeAppManifest(projectRoot, dependencies);
}

/** The project's own package.json: the kernel finds plugin items through its dependencies. */
export function writeAppManifest(projectRoot: string, dependencies: Record<string, string>): Promise<void> {
  return writeFile(
    join(projectRoot, "package.json"),
    JSON.stringify({ name: "app", private: true, dependencies }, null, 2),
  );
}

export interface ProtectedPathVerdict {
  readonly protected: boolean;
  /**
   * The system capability that unlocks writes and deletes, when one does. Absent on a protected path
   * means no capability does: Kiwi's file tools never change it (`.git`, key directories, `.env`,
   * `package.json`, lockfiles, `node_modules`).
   */
  readonly needs?: string;
  /**
   * Reads and listings: absent means open (reading an item or `package.json` is ordinary); `"never"`
   * means no capability opens them (`.git`, keys); any other value is the system capability a read needs
   * (`.ai/threads/**`: the registry and other threads' transcripts need `registry.read`).
   */
  readonly reads?: string;
}

export interface IsProtectedPathOptions {
  /**
   * Fold case before comparing (the default): on a case-insensitive file system `.AI/tools` IS
   * `.ai/tools` (git CVE-2014-9390). Pass `false` only when @kiwi/sandbox's case probe said so for this root;
   * folding on a case-sensitive disk only over-protects names like `.Git`, which is harmless.
   */
  readonly caseInsensitive?: boolean;
}

const NEVER: ProtectedPathVerdict = { protected: true, reads: "never" };
/** Never written by file tools, read like any file. */
const READ_ONLY: ProtectedPathVerdict = { protected: true };
const OPEN: ProtectedPathVerdict = { protected: false };
const need = (cap: string): ProtectedPathVerdict => ({ protected: true, needs: cap });

/**
 * File names whose contents run code or steer installs and runs when the person next works in the
 * project — `package.json` scripts, lockfiles pointing at other tarballs, `.npmrc` registries and
 * tokens, `.env` that Kiwi itself reads for `${ENV}` (a provider's base URL) — at any depth (workspace
 * packages have their own). Compared after case folding unless the file system is case-sensitive.
 */
const INSTALL_AND_RUN_FILES = new Set([
  "package.json",
  "package-lock.json",
  "npm-shrinkwrap.json",
  "pnpm-lock.yaml",
  "pnpm-workspace.yaml",
  ".pnpmfile.cjs",
  "yarn.lock",
  ".yarnrc",
  ".yarnrc.yml",
  "bun.lockb",
  "bun.lock",
  ".npmrc",
  ".env",
]);

function runsOrSteersInstalls(segment: string): boolean {
  return INSTALL_AND_RUN_FILES.has(segment) || segment.startsWith(".env.");
}

/**
 * Classifies a canonical project-relative path (as returned by @kiwi/sandbox's resolveInRoot) against Kiwi's protected
 * list. Deny-first: callers check this before, and regardless of, any path grant — `fs.write **` does
 * not reach these.
 *
 * | path                                                          | writes need        | reads need      |
 * |---------------------------------------------------------------|--------------------|-----------------|
 * | `.git` and anything under a `.git` at any depth               | never (use git)    | never           |
 * | a `keys` directory under `.ai/` or `.kiwi/`                    | never              | never           |
 * | `node_modules` at any depth (the code the next run imports)   | never              | —               |
 * | `.env`, `.env.*`, `.npmrc`, `package.json`, lockfiles, at any depth | never        | —               |
 * | `.ai/tools/capabilities/**`, `.ai/extractors/**`              | `extractor.modify` | —               |
 * | `.ai/threads/**` (registry.db*, every thread's transcript)    | `registry.write`   | `registry.read` |
 * | `.ai/sessions/**` (`kiwi serve --as` audit logs)              | `registry.write`   | `registry.read` |
 * | any other `.ai/**` and `.ai` itself (items)                   | `item.sign` (an edited item must be re-signed anyway) | — |
 *
 * Recursive deletes check every descendant, so `.ai` needing only `item.sign` does not let anyone
 * delete the capability definitions below it.
 */
export function isProtectedPath(rel: string, options: IsProtectedPathOptions = {}): ProtectedPathVerdict {
  const fold = options.caseInsensitive !== false;
  const segments = rel
    .split("/")
    .filter((s) => s !== "" && s !== ".")
    .map((s) => (fold ? s.toLowerCase() : s));
  // Nested repositories and submodules have hooks too; a `.git` FILE (worktree pointer) counts as well.
  if (segments.includes(".git")) return NEVER;
  const [top, second, third] = segments;
  if ((top === ".ai" || top === ".kiwi") && segments.slice(1).includes("keys")) return NEVER;
  // A thread holding `fs.write node_modules/**` (or `**`) must not rewrite the code the next `kiwi` run
  // imports — the process that holds the signing key.
  if (segments.includes("node_modules")) return READ_ONLY;
  const last = segments.at(-1);
  if (last !== undefined && runsOrSteersInstalls(last)) return READ_ONLY;
  if (top !== ".ai") return OPEN;
  if (second === "extractors" || (second === "tools" && third === "capabilities"))
    return need("extractor.modify");
  if (second === "threads" || second === "sessions")
    return { protected: true, needs: "registry.write", reads: "registry.read" };
  return need("item.sign");
}

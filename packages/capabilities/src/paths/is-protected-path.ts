export interface ProtectedPathVerdict {
  readonly protected: boolean;
  /**
   * The system capability that unlocks the path, when one does. Absent on a protected path means no
   * capability does: Kiwi's file tools never touch it (`.git`, key directories).
   */
  readonly needs?: string;
}

export interface IsProtectedPathOptions {
  /**
   * Fold case before comparing (the default): on a case-insensitive file system `.AI/tools` IS
   * `.ai/tools` (git CVE-2014-9390). Pass `false` only when @kiwi/sandbox's case probe said so for this root;
   * folding on a case-sensitive disk only over-protects names like `.Git`, which is harmless.
   */
  readonly caseInsensitive?: boolean;
}

const NEVER: ProtectedPathVerdict = { protected: true };
const OPEN: ProtectedPathVerdict = { protected: false };
const need = (cap: string): ProtectedPathVerdict => ({ protected: true, needs: cap });

/**
 * Classifies a canonical project-relative path (as returned by @kiwi/sandbox's resolveInRoot) against Kiwi's protected
 * list. Deny-first: callers check this before, and regardless of, any path grant — `fs.write **` does
 * not reach these.
 *
 * | path                                              | needs              |
 * |---------------------------------------------------|--------------------|
 * | `.git` and anything under a `.git` at any depth   | never (use git)    |
 * | a `keys` directory under `.ai/` or `.kiwi/`        | never (keys live outside agent-writable paths) |
 * | `.ai/tools/capabilities/**`, `.ai/extractors/**`  | `extractor.modify` |
 * | `.ai/threads/**` (registry.db*, other transcripts) | `registry.write`   |
 * | `.ai/sessions/**` (`kiwi serve --as` audit logs)   | `registry.write`   |
 * | any other `.ai/**` and `.ai` itself (items)       | `item.sign` (an edited item must be re-signed anyway) |
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
  if (top !== ".ai") return OPEN;
  if (second === "extractors" || (second === "tools" && third === "capabilities"))
    return need("extractor.modify");
  if (second === "threads" || second === "sessions") return need("registry.write");
  return need("item.sign");
}

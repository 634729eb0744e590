import { describe, expect, it } from "vitest";
import { isProtectedPath } from "./is-protected-path";

describe("isProtectedPath", () => {
  it.each([
    [".git", undefined],
    [".git/config", undefined],
    [".git/hooks/pre-commit", undefined],
    ["vendor/lib/.git/hooks/post-checkout", undefined],
    [".ai/keys/private.pem", undefined],
    [".ai/tools/keys/x", undefined],
    [".kiwi/keys/signing.key", undefined],
    [".ai/tools/capabilities", "extractor.modify"],
    [".ai/tools/capabilities/fs.yaml", "extractor.modify"],
    [".ai/extractors", "extractor.modify"],
    [".ai/extractors/yaml.ts", "extractor.modify"],
    [".ai", "item.sign"],
    [".ai/tools", "item.sign"],
    [".ai/tools/github/list.yaml", "item.sign"],
    [".ai/directives/deploy.md", "item.sign"],
    [".ai/knowledge/x.md", "item.sign"],
  ])("%s is protected, needs %s", (rel, needs) => {
    expect(isProtectedPath(rel)).toEqual(
      needs === undefined ? { protected: true, reads: "never" } : { protected: true, needs },
    );
  });

  it.each([
    ".ai/threads",
    ".ai/threads/registry.db",
    ".ai/threads/registry.db-wal",
    ".ai/threads/t-123/transcript.jsonl",
  ])("%s needs registry.write to change and registry.read to read", (rel) => {
    expect(isProtectedPath(rel)).toEqual({
      protected: true,
      needs: "registry.write",
      reads: "registry.read",
    });
  });

  it.each([
    "",
    "src/a.ts",
    ".github/workflows/ci.yml",
    "docs/.ai/x",
    "src/.gitignore",
    ".gitattributes",
    "keys/x",
    ".aix/y",
  ])("%j is not protected", (rel) => {
    expect(isProtectedPath(rel)).toEqual({ protected: false });
  });

  it("P22: folds case by default; exact case only when told the file system is case-sensitive", () => {
    expect(isProtectedPath(".AI/tools/x.yaml")).toEqual({ protected: true, needs: "item.sign" });
    expect(isProtectedPath(".Git/config")).toEqual({ protected: true, reads: "never" });
    expect(isProtectedPath(".AI/Tools/Capabilities/fs.yaml")).toEqual({
      protected: true,
      needs: "extractor.modify",
    });
    expect(isProtectedPath(".AI/tools/x.yaml", { caseInsensitive: false })).toEqual({ protected: false });
    expect(isProtectedPath(".ai/tools/x.yaml", { caseInsensitive: false })).toEqual({
      protected: true,
      needs: "item.sign",
    });
  });
});

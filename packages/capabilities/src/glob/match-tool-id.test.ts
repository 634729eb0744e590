import { describe, expect, it } from "vitest";
import { matchToolId } from "./match-tool-id";

describe("matchToolId", () => {
  it("S14 (pinned): `github_*` matches ids with one or more characters after the prefix, `_` included", () => {
    expect(matchToolId("github_*", "github_list")).toBe(true);
    expect(matchToolId("github_*", "github_admin_delete")).toBe(true);
    expect(matchToolId("github_*", "github")).toBe(false);
    expect(matchToolId("github_*", "GITHUB_list")).toBe(false);
    expect(matchToolId("github_*", "githubx")).toBe(false);
    expect(matchToolId("github_*", "github_")).toBe(false);
  });

  it("exact ids match only themselves", () => {
    expect(matchToolId("fs_read", "fs_read")).toBe(true);
    expect(matchToolId("fs_read", "fs_read2")).toBe(false);
    expect(matchToolId("fs_read", "fs_rea")).toBe(false);
  });

  it("S15: a stored omnibus `*` matches every valid id (the policy lives in validatePattern)", () => {
    expect(matchToolId("*", "anything_at_all")).toBe(true);
    expect(matchToolId("*", "")).toBe(false);
  });

  it("never matches an id outside [a-z0-9_]", () => {
    for (const id of ["github_list/x", "github_List", "github_list\n", "github_l\u200bist", "github_li st"]) {
      expect(matchToolId("github_*", id)).toBe(false);
    }
  });

  it("throws on an invalid pattern", () => {
    expect(() => matchToolId("GitHub_*", "github_x")).toThrow(
      expect.objectContaining({ code: "PATTERN_UNSUPPORTED" }),
    );
  });
});

import { describe, expect, it } from "vitest";
import { z } from "zod";
import { zodIssues } from "./zod-issues";

const schema = z.strictObject({
  version: z.string(),
  mode: z.enum(["sync", "stream"]),
  count: z.number().int().min(1),
  enabled: z.boolean(),
  tags: z.array(z.string()).min(1),
  params: z.array(z.strictObject({ name: z.string(), type: z.enum(["string", "number"]) })),
  config: z.record(z.string(), z.strictObject({ url: z.string() })),
});

function issuesFor(input: unknown, options: Partial<Parameters<typeof zodIssues>[1]> = {}) {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) throw new Error("expected a failure");
  return zodIssues(result.error, { file: "t.yaml", schema, ...options });
}

const valid = {
  version: "1.0.0",
  mode: "sync",
  count: 1,
  enabled: true,
  tags: ["a"],
  params: [{ name: "a", type: "string" }],
  config: {},
};

describe("zodIssues", () => {
  it("names fields with dotted paths and indexes, and quotes odd record keys", () => {
    const issues = issuesFor({
      ...valid,
      params: [valid.params[0], { name: "b", type: "bool" }],
      config: { "api.v2": { url: 1 } },
    });
    expect(issues.map((i) => i.field)).toEqual(["params[1].type", 'config["api.v2"].url']);
    expect(issues.every((i) => i.file === "t.yaml" && i.severity === "error")).toBe(true);
  });

  it("lists the allowed values of an enum", () => {
    const [issue] = issuesFor({ ...valid, mode: "batch" });
    expect(issue).toMatchObject({
      field: "mode",
      message: '"batch" is not allowed',
      fix: "use one of: sync, stream",
    });
  });

  it("tells to quote a version read as a number", () => {
    const [issue] = issuesFor({ ...valid, version: 1.1 });
    expect(issue).toMatchObject({
      message: "expected text, got the number 1.1",
      fix: 'quote the version: version: "1.0.0"',
    });
  });

  it("explains YAML 1.1 booleans, quoted numbers and missing fields", () => {
    const { enabled: _e, ...rest } = valid;
    const issues = issuesFor({ ...rest, count: "3" });
    expect(issues).toContainEqual(
      expect.objectContaining({ field: "count", fix: "write the number without quotes: 3" }),
    );
    expect(issues).toContainEqual(
      expect.objectContaining({ field: "enabled", message: "missing required field" }),
    );
    const [yes] = issuesFor({ ...valid, enabled: "yes" });
    expect(yes?.fix).toContain("true or false");
  });

  it("describes sizes in words", () => {
    const issues = issuesFor({ ...valid, count: 0, tags: [] });
    expect(issues).toContainEqual(
      expect.objectContaining({ field: "count", message: "must be at least 1, got the number 0" }),
    );
    expect(issues).toContainEqual(
      expect.objectContaining({ field: "tags", message: "must list at least one item" }),
    );
  });

  it("reports each unknown key separately and suggests the key that was meant", () => {
    const issues = issuesFor({
      ...valid,
      modes: "x",
      zzz: 1,
      params: [{ name: "a", type: "string", nmae: "b" }],
    });
    expect(issues).toContainEqual(
      expect.objectContaining({ field: "modes", fix: 'did you mean "mode"? Otherwise remove it' }),
    );
    expect(issues).toContainEqual(
      expect.objectContaining({ field: "zzz", fix: expect.stringContaining("allowed fields: version") }),
    );
    expect(issues).toContainEqual(
      expect.objectContaining({ field: "params[0].nmae", fix: expect.stringContaining('"name"') }),
    );
  });

  it("never takes a hint from Object.prototype for keys like toString", () => {
    const [issue] = issuesFor({ ...valid, toString: 1 }, { unknownKeyHints: { other: "move it" } });
    expect(issue).toMatchObject({ field: "toString", fix: expect.stringContaining("allowed fields") });
  });

  it("uses caller-supplied fixes and hints (exact paths win over wildcards)", () => {
    const fixes = { "params[].*": "wildcard", "params[].type": "exact", mode: "pick a mode" };
    const issues = issuesFor(
      { ...valid, mode: 1, params: [{ name: 2, type: "x" }], other: 1 },
      {
        fixes,
        unknownKeyHints: { other: "move it" },
      },
    );
    const fixOf = (field: string) => issues.find((i) => i.field === field)?.fix;
    expect(fixOf("mode")).toBe("pick a mode");
    expect(fixOf("params[0].type")).toBe("exact");
    expect(fixOf("params[0].name")).toBe("wildcard");
    expect(fixOf("other")).toBe("move it");
  });

  it("keeps the fix carried by a custom issue and prefixes fields", () => {
    const custom = z
      .string()
      .refine((s) => s !== "bad", { message: "is bad", params: { fix: "make it good" } });
    const result = custom.safeParse("bad", { reportInput: true });
    if (result.success) throw new Error("expected a failure");
    expect(zodIssues(result.error, { file: "f", fieldPrefix: "front_matter" })).toEqual([
      { file: "f", field: "front_matter", message: '"bad": is bad', fix: "make it good", severity: "error" },
    ]);
  });
});

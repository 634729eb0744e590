import { describe, expect, it } from "vitest";
import { createItem, directiveMd, fixture, ok, toolYaml, treeDigest } from "./test-support/fixture";

type F = Awaited<ReturnType<typeof fixture>>;

async function createAndExpect(
  f: F,
  itemType: "tool" | "directive" | "knowledge",
  id: string,
  content: string,
  code: string,
) {
  const before = await treeDigest(f.projectRoot);
  const r = await f.kernel.execute({
    item_type: itemType,
    action: "create",
    item_id: id,
    parameters: { content },
  });
  expect(r.success === false && r.error.code).toBe(code);
  expect(await treeDigest(f.projectRoot)).toBe(before);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
}

const bomb = `tool_id: bomb
a: &a ["x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
`;

describe("bad input through the kernel: a stable code, nothing changed on disk", () => {
  it.each([
    ["malformed YAML", "tool", "t1", "tool_id: t1\n  bad: [indent\n", "PARSE_ERROR"],
    ["a YAML alias bomb", "tool", "bomb", bomb, "PARSE_ALIAS_LIMIT"],
    [
      "a __proto__ key",
      "tool",
      "t2",
      `${toolYaml({ id: "t2" })}__proto__:\n  polluted: true\n`,
      "PARSE_RESERVED_KEY",
    ],
    [
      "a constructor key in config",
      "tool",
      "t3",
      toolYaml({ id: "t3", config: "  constructor:\n    prototype:\n      polluted: true\n" }),
      "PARSE_RESERVED_KEY",
    ],
    [
      "a misspelled top-level key",
      "tool",
      "t4",
      `${toolYaml({ id: "t4" })}requires_all: [fs.read]\n`,
      "VALIDATION_FAILED",
    ],
    [
      "a missing requires",
      "tool",
      "t5",
      toolYaml({ id: "t5" }).replace("requires: none\n", ""),
      "VALIDATION_FAILED",
    ],
    [
      "malformed XML",
      "directive",
      "d1",
      directiveMd({ name: "d1" }).replace("</metadata>", "</metdata>"),
      "PARSE_ERROR",
    ],
    [
      "a DOCTYPE with entities",
      "directive",
      "d2",
      `<!DOCTYPE d [<!ENTITY a "aaaa">]>\n${directiveMd({ name: "d2" })}`,
      "PARSE_DOCTYPE_FORBIDDEN",
    ],
    [
      "a missing metadata section",
      "directive",
      "d3",
      directiveMd({ name: "d3" }).replace(/<metadata>[\s\S]*<\/metadata>/, ""),
      "VALIDATION_FAILED",
    ],
    [
      "two permission blocks",
      "directive",
      "d4",
      directiveMd({ name: "d4" }).replace("</process>", "</process><!-- <permissions/> -->"),
      "DIRECTIVE_AMBIGUOUS",
    ],
    ["knowledge without front matter", "knowledge", "k1", "just text\n", "VALIDATION_FAILED"],
  ] as const)("%s", async (_name, itemType, id, content, code) => {
    const f = await fixture();
    await createAndExpect(f, itemType, id, content, code);
  });

  it("refuses an oversized file before reading it", async () => {
    const f = await fixture({ limits: { maxItemBytes: 4096 } });
    await createAndExpect(
      f,
      "tool",
      "big",
      `${toolYaml({ id: "big" })}# ${"x".repeat(5000)}\n`,
      "PARSE_TOO_LARGE",
    );
  });

  it.each(["../../etc/passwd", "/etc/passwd", "tools/../../x", "a\0b", "..", "%2e%2e/x"])(
    "refuses item id %j everywhere",
    async (id) => {
      const f = await fixture();
      const before = await treeDigest(f.projectRoot);
      for (const call of [
        () => f.kernel.execute({ item_type: "tool", action: "run", item_id: id }),
        () =>
          f.kernel.execute({
            item_type: "tool",
            action: "create",
            item_id: id,
            parameters: { content: toolYaml({ id: "x" }) },
          }),
        () =>
          f.kernel.execute({
            item_type: "tool",
            action: "delete",
            item_id: id,
            parameters: { confirm: true },
          }),
        () => f.kernel.load({ item_type: "tool", item_id: id, destination: "user" }),
      ]) {
        const r = await call();
        expect(r.success === false && r.error.code).toBe("INVALID_ITEM_ID");
      }
      const cat = await f.kernel.execute({
        item_type: "tool",
        action: "create",
        item_id: "ok",
        parameters: { content: toolYaml({ id: "ok" }), category: "../../outside" },
      });
      expect(cat.success === false && cat.error.code).toBe("INVALID_ITEM_ID");
      expect(await treeDigest(f.projectRoot)).toBe(before);
    },
  );

  it("fails chains at load time: unknown executor, cycle, undeclared template and env references", async () => {
    const f = await fixture();
    await createItem(f, "tool", "orphan", toolYaml({ id: "orphan", executor: "does_not_exist" }));
    await createItem(f, "tool", "loop_a", toolYaml({ id: "loop_a", executor: "loop_b" }));
    await createItem(f, "tool", "loop_b", toolYaml({ id: "loop_b", executor: "loop_a" }));
    await createItem(
      f,
      "tool",
      "tmpl",
      toolYaml({ id: "tmpl", config: '  url: "https://x.test/{missing}"\n' }),
    );
    await createItem(
      f,
      "tool",
      "secret",
      toolYaml({ id: "secret", config: '  key: "${AWS_SECRET_ACCESS_KEY}"\n' }),
    );
    const search = await f.kernel.search({ item_type: "tool", query: "" });
    const status = Object.fromEntries(
      (ok(search).results as { id: string; status: string }[]).map((h) => [h.id, h.status]),
    );
    expect(status).toEqual({
      loop_a: "unavailable",
      loop_b: "unavailable",
      orphan: "unavailable",
      secret: "unavailable",
      tmpl: "unavailable",
    });
    const expectChain = async (id: string, failedAt: Record<string, unknown>, chain: string[]) => {
      const r = await f.kernel.execute({ item_type: "tool", action: "run", item_id: id });
      expect(r.success).toBe(false);
      if (r.success) return;
      expect(r.error).toMatchObject({
        code: "TOOL_CHAIN_FAILED",
        chain,
        failed_at: expect.objectContaining(failedAt),
      });
    };
    await expectChain("orphan", { tool_id: "orphan", config_path: "executor_id" }, [
      "orphan",
      "does_not_exist",
    ]);
    await expectChain("loop_a", { tool_id: "loop_a", config_path: "executor_id" }, [
      "loop_a",
      "loop_b",
      "loop_a",
    ]);
    await expectChain(
      "tmpl",
      {
        tool_id: "tmpl",
        config_path: "config.url",
        validation_errors: [{ code: "TEMPLATE_UNKNOWN_VAR", name: "missing" }],
      },
      ["tmpl", "echo"],
    );
    await expectChain(
      "secret",
      {
        tool_id: "secret",
        config_path: "config.key",
        validation_errors: [{ code: "SECRET_NOT_ALLOWED", name: "AWS_SECRET_ACCESS_KEY" }],
      },
      ["secret", "echo"],
    );
  });

  it("refuses __* keys in parameters of every action", async () => {
    const f = await fixture();
    for (const action of ["run", "sign", "create", "update", "delete"] as const) {
      const r = await f.kernel.execute({
        item_type: "tool",
        action,
        item_id: "x",
        parameters: { __project_path: "/" },
      });
      expect(r.success === false && r.error.code).toBe("PARAM_RESERVED");
    }
  });
});

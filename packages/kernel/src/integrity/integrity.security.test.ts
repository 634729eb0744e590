import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { keyPaths, loadOrCreateSigningKey } from "@kiwi/keys";
import { describe, expect, it } from "vitest";
import { createKernel } from "../create-kernel";
import { createItem, fixture, tempDir, toolYaml, writeRaw } from "../test-support/fixture";

const run = (f: Awaited<ReturnType<typeof fixture>>, id = "greet") =>
  f.kernel.execute({ item_type: "tool", action: "run", item_id: id });

function refusal(r: { success: boolean; error?: { code: string; reason?: unknown } }) {
  return r.success ? "ran" : `${r.error!.code}/${String(r.error!.reason)}`;
}

describe("integrity (battery I1-I4)", () => {
  it("refuses an unsigned item on execute and on load", async () => {
    const f = await fixture();
    await writeRaw(f.projectRoot, ".ai/tools/greet.yaml", toolYaml({ id: "greet" }));
    expect(refusal(await run(f))).toBe("INTEGRITY_MISMATCH/unsigned");
    expect(refusal(await f.kernel.load({ item_type: "tool", item_id: "greet" }))).toBe(
      "INTEGRITY_MISMATCH/unsigned",
    );
  });

  it.each([
    ["an appended line", (s: string) => `${s}# edit\n`, "modified"],
    [
      "LF turned into CRLF in the body",
      (s: string) => s.replace(/\n(?=.)/g, (m, i: number) => (i > s.indexOf("\n") ? "\r\n" : m)),
      "modified",
    ],
    ["the whole file turned into CRLF", (s: string) => s.replace(/\n/g, "\r\n"), "malformed_signature"],
    ["trailing whitespace", (s: string) => s.replace("utility", "utility "), "modified"],
    ["a second document appended", (s: string) => `${s}---\ntool_id: x\n`, "modified"],
  ])("refuses a signed item after %s", async (_name, edit, reason) => {
    const f = await fixture();
    const created = await createItem(f, "tool", "greet", toolYaml({ id: "greet" }));
    expect(created.status).toBe("created");
    expect((await run(f)).success).toBe(true);
    const file = join(f.projectRoot, ".ai/tools/greet.yaml");
    await writeFile(file, edit(await readFile(file, "utf8")));
    expect(refusal(await run(f))).toBe(`INTEGRITY_MISMATCH/${reason}`);
  });

  it("refuses an item re-signed by a key the machine does not trust (an agent's own key)", async () => {
    const f = await fixture();
    await createItem(f, "tool", "greet", toolYaml({ id: "greet" }));
    // The attacker edits the file and signs it with a key they generated, even one stored inside .ai/.
    const attackerSpace = join(f.projectRoot, ".ai", "attacker");
    const attacker = await createKernel({
      personAtTerminal: true,
      projectRoot: f.projectRoot,
      userSpace: attackerSpace,
      coreSpace: false,
      pluginSpaces: false,
    });
    const content = toolYaml({ id: "greet", config: "  injected: true\n" });
    const signed = await attacker.execute({
      item_type: "tool",
      action: "update",
      item_id: "greet",
      parameters: { content },
    });
    expect(signed.success).toBe(true);
    expect(refusal(await run(f))).toBe("INTEGRITY_MISMATCH/untrusted_signer");
  });

  it("accepts a foreign key once its public key is placed in the user's trusted folder", async () => {
    const f = await fixture();
    const otherSpace = await tempDir("other-user");
    const other = await createKernel({
      personAtTerminal: true,
      projectRoot: f.projectRoot,
      userSpace: otherSpace,
      coreSpace: false,
      pluginSpaces: false,
    });
    await other.execute({
      item_type: "tool",
      action: "create",
      item_id: "greet",
      parameters: { content: toolYaml({ id: "greet" }) },
    });
    expect(refusal(await run(f))).toBe("INTEGRITY_MISMATCH/untrusted_signer");
    const trusted = keyPaths(f.userSpace).trustedDir;
    await mkdir(trusted, { recursive: true });
    await writeFile(
      join(trusted, "colleague.pub"),
      (await loadOrCreateSigningKey({ userSpace: otherSpace })).publicKeyPem,
    );
    const fresh = await createKernel({
      personAtTerminal: true,
      projectRoot: f.projectRoot,
      userSpace: f.userSpace,
      coreSpace: false,
      pluginSpaces: false,
    });
    expect((await fresh.execute({ item_type: "tool", action: "run", item_id: "greet" })).success).toBe(true);
  });

  it("refuses a signature moved onto another item id", async () => {
    const f = await fixture();
    await createItem(f, "tool", "greet", toolYaml({ id: "greet" }));
    const signed = await readFile(join(f.projectRoot, ".ai/tools/greet.yaml"), "utf8");
    // Same signature line, same key, but the body now claims another id.
    await writeRaw(f.projectRoot, ".ai/tools/other.yaml", signed.replace("tool_id: greet", "tool_id: other"));
    expect(refusal(await run(f, "other"))).toBe("INTEGRITY_MISMATCH/modified");
  });

  it("refuses a signed item moved to another category folder", async () => {
    const f = await fixture();
    await createItem(f, "tool", "greet", toolYaml({ id: "greet" }), { category: "public" });
    const { rename, mkdir: mk } = await import("node:fs/promises");
    await mk(join(f.projectRoot, ".ai/tools/admin"), { recursive: true });
    await rename(
      join(f.projectRoot, ".ai/tools/public/greet.yaml"),
      join(f.projectRoot, ".ai/tools/admin/greet.yaml"),
    );
    expect(refusal(await run(f))).toBe("INTEGRITY_MISMATCH/modified");
  });

  it("covers a code-bearing tool's module bytes", async () => {
    const f = await fixture();
    await writeRaw(f.projectRoot, ".ai/tools/sinks/my_sink.mjs", "export const createSink = () => ({});\n");
    const yaml = [
      "tool_id: my_sink",
      "tool_type: sink",
      'version: "1.0.0"',
      "description: A sink",
      "module: ./my_sink.mjs",
      "export: createSink",
      "requires: none",
      "",
    ].join("\n");
    await createItem(f, "tool", "my_sink", yaml, { category: "sinks" });
    const load = () => f.kernel.load({ item_type: "tool", item_id: "my_sink" });
    expect((await load()).success).toBe(true);
    await writeRaw(
      f.projectRoot,
      ".ai/tools/sinks/my_sink.mjs",
      "export const createSink = () => ({ evil: true });\n",
    );
    expect(refusal(await load())).toBe("INTEGRITY_MISMATCH/modified");
  });

  it("refuses a malformed signature line", async () => {
    const f = await fixture();
    await writeRaw(
      f.projectRoot,
      ".ai/tools/greet.yaml",
      `# kiwi:signature v1 key=nope\n${toolYaml({ id: "greet" })}`,
    );
    expect(refusal(await run(f))).toBe("INTEGRITY_MISMATCH/malformed_signature");
  });
});

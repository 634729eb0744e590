// Test support (not exported): temporary projects and user spaces with real keys and real files.
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll } from "vitest";
import { createKernel, type KernelOptions } from "../create-kernel";

// Every temporary folder a test file makes is removed when that file's tests are done.
const created: string[] = [];
afterAll(async () => {
  await Promise.all(created.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

export async function tempDir(prefix: string): Promise<string> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), `kiwi-${prefix}-`)));
  created.push(dir);
  return dir;
}

export async function fixture(options: Partial<KernelOptions> = {}) {
  const projectRoot = await tempDir("project");
  const userSpace = await tempDir("user");
  const kernel = await createKernel({
    personAtTerminal: true,
    projectRoot,
    userSpace,
    coreSpace: false,
    pluginSpaces: false,
    indexTtlMs: 0,
    ...options,
  });
  return { projectRoot, userSpace, kernel };
}

export type Fixture = Awaited<ReturnType<typeof fixture>>;

/** Writes a file (creating folders) without signing it. */
export async function writeRaw(root: string, relPath: string, content: string | Uint8Array): Promise<string> {
  const file = join(root, relPath);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, content);
  return file;
}

/** Creates and signs an item through the kernel; fails the test when that does not succeed. */
export async function createItem(
  f: Fixture,
  itemType: "directive" | "tool" | "knowledge",
  id: string,
  content: string,
  extra: Record<string, unknown> = {},
) {
  const result = await f.kernel.execute({
    item_type: itemType,
    action: "create",
    item_id: id,
    parameters: { content, ...extra },
  });
  if (!result.success)
    throw new Error(`create ${itemType} ${id} failed: ${result.error.code} ${result.error.message}`);
  return result;
}

/** A digest of every file (path, mode, bytes) under a folder: equal digests mean nothing changed. */
export async function treeDigest(root: string): Promise<string> {
  const hash = createHash("sha256");
  const walk = async (dir: string) => {
    let entries: import("node:fs").Dirent[] = [];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, e.name);
      hash.update(p);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) hash.update(await readFile(p));
    }
  };
  await walk(root);
  return hash.digest("hex");
}

export function toolYaml(fields: {
  id: string;
  executor?: string;
  params?: string;
  config?: string;
  requires?: string;
  extra?: string;
}): string {
  return [
    `tool_id: ${fields.id}`,
    "tool_type: utility",
    'version: "1.0.0"',
    `description: Test tool ${fields.id}`,
    `executor_id: ${fields.executor ?? "echo"}`,
    `requires: ${fields.requires ?? "none"}`,
    fields.params ? `parameters:\n${fields.params}` : "",
    fields.config ? `config:\n${fields.config}` : "",
    fields.extra ?? "",
  ]
    .filter(Boolean)
    .join("\n")
    .concat("\n");
}

export function directiveMd(fields: {
  name: string;
  category?: string;
  cost?: boolean;
  model?: boolean;
  inputs?: string;
  permissions?: string;
}): string {
  const cost =
    fields.cost === false ? "" : "<cost><max_turns>10</max_turns><on_exceeded>stop</on_exceeded></cost>";
  const model = fields.model === false ? "" : '<model tier="fast">quick</model>';
  return `# ${fields.name}

A test directive.

\`\`\`xml
<directive name="${fields.name}" version="1.0.0">
  <metadata>
    <description>Test directive ${fields.name} for deployments</description>
    <category>${fields.category ?? ""}</category>
    <author>tests</author>
    ${model}
    ${cost}
    <permissions>${fields.permissions ?? '<execute resource="tool" id="greet"/>'}</permissions>
  </metadata>
  ${fields.inputs ?? ""}
  <process>
    <step name="first"><description>Do the first thing</description><action>Run greet.</action></step>
  </process>
</directive>
\`\`\`
`;
}

export function knowledgeMd(fields: {
  id: string;
  title?: string;
  tags?: string[];
  body?: string;
  category?: string;
}): string {
  return `---
id: ${fields.id}
title: ${fields.title ?? `About ${fields.id}`}
entry_type: reference
${fields.category ? `category: ${fields.category}\n` : ""}tags: [${(fields.tags ?? []).join(", ")}]
version: "1.0.0"
---
${fields.body ?? `Notes about ${fields.id}.`}
`;
}

/** Narrows a meta-tool result to success, failing the test with the error otherwise. */
export function ok(result: { success: boolean }): Record<string, unknown> {
  if (!result.success) throw new Error(`expected success, got ${JSON.stringify(result)}`);
  return result as Record<string, unknown>;
}

/**
 * Writes an item signed with the user's key without validating it (what a signer of another Kiwi
 * version, or a hand-made signature, would leave): for items that are verified but do not parse.
 */
export async function writeSignedRaw(
  f: Fixture,
  options: {
    itemType: "directive" | "tool" | "knowledge";
    relPath: string;
    id: string;
    category?: string;
    body: string;
  },
): Promise<string> {
  const { loadOrCreateSigningKey } = await import("@kiwi/keys");
  const { signPayload } = await import("../integrity/item-integrity");
  const { formatSignatureLine } = await import("../integrity/signature-line");
  const key = await loadOrCreateSigningKey({ userSpace: f.userSpace });
  const body = Buffer.from(options.body, "utf8");
  const line = formatSignatureLine(
    options.itemType,
    signPayload(
      {
        itemType: options.itemType,
        itemId: options.id,
        category: options.category ?? "",
        body,
        attachments: [],
      },
      key,
      new Date(),
    ),
  );
  return writeRaw(f.projectRoot, options.relPath, Buffer.concat([Buffer.from(line), body]));
}

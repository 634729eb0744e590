// Secrets stay with the person (issue 13 §1), tried the way an attacker would with a real thread run:
// a project `.env` that redirects the provider takes nothing, and no thread file (transcript, stream
// record, registry) holds a secret — the key, a `.env` value, a password inside a URL — in any form,
// even when the model streams it in pieces.
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { createFakeLlmServer } from "@kiwi/fake-llm";
import { createAnthropicProvider } from "@kiwi/provider-anthropic";
import { afterEach, describe, expect, it } from "vitest";
import { runtimeWorld, threadDirectiveFile } from "./test-support/runtime-world";
import { call, createTestProject } from "./test-support/thread-world";
import { createThreadRuntime, type ThreadRuntime } from "./thread-runtime";

const KEY = "sk-ant-api03-personKey-7Hq2Lm9Xv4Tz";
const DB_PASSWORD = "pw-9f8e7d6c5b4a";
const ODD_TOKEN = "ghp_oddlyNamedToken1234567890";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The secret as written, JSON-escaped, URL-encoded and in base64 at each of the three byte alignments. */
function forms(secret: string): string[] {
  const out = new Set([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)]);
  const bytes = Buffer.from(secret);
  for (let align = 0; align < 3; align++) {
    const text = Buffer.concat([Buffer.alloc(align), bytes, Buffer.alloc(2)]).toString("base64");
    out.add(text.slice(Math.ceil((8 * align) / 6), Math.floor((8 * (align + bytes.length)) / 6)));
  }
  return [...out];
}

/** Every file under `.ai/threads`, with its mode and its bytes. */
function threadFiles(root: string): { path: string; mode: number; dir: boolean; bytes: string }[] {
  const out: { path: string; mode: number; dir: boolean; bytes: string }[] = [];
  const walk = (dir: string) => {
    out.push({ path: dir, mode: statSync(dir).mode & 0o777, dir: true, bytes: "" });
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else
        out.push({ path: p, mode: statSync(p).mode & 0o777, dir: false, bytes: readFileSync(p, "latin1") });
    }
  };
  walk(join(root, ".ai/threads"));
  return out;
}

describe("a thread run keeps the person's secrets", () => {
  it("refuses a .env that points the provider at another server: that server never gets the key", async () => {
    const projectRoot = await createTestProject();
    cleanups.push(() => rm(projectRoot, { recursive: true, force: true }));
    // The attacker's server plays the model, so a leak would look like a normal run.
    const attacker = await createFakeLlmServer({ script: { turns: [{ text: "all good" }] } });
    cleanups.push(() => attacker.close());
    writeFileSync(join(projectRoot, ".env"), `ANTHROPIC_BASE_URL=${attacker.anthropicBaseUrl}\n`);
    const runtime: ThreadRuntime = await createThreadRuntime({
      personAtTerminal: true,
      projectRoot,
      userSpace: join(projectRoot, ".user"),
      env: { PATH: process.env.PATH ?? "", ANTHROPIC_API_KEY: KEY },
      indexTtlMs: 0,
      models: () => ({ provider: createAnthropicProvider(), model: "claude-haiku-4-5" }),
    });
    cleanups.push(() => runtime.close());
    const created = await runtime.kernel.execute({
      item_type: "directive",
      action: "create",
      item_id: "redirected",
      parameters: { content: threadDirectiveFile({ name: "redirected" }) },
    });
    expect(created.success).toBe(true);
    const t = await runtime.spawn({ directive: "redirected" });
    const row = await runtime.manager.wait(t.thread_id, { timeoutMs: 10_000 });
    expect(row.status).toBe("error");
    expect(row.reason).toBe("SECRET_HOST_UNTRUSTED");
    expect(attacker.requests).toEqual([]);
  });

  it("writes no secret in any form to any thread file, and makes them 0600 in 0700 folders", async () => {
    const projectRoot = await createTestProject();
    writeFileSync(
      join(projectRoot, ".env"),
      `DATABASE_URL=postgres://app:${DB_PASSWORD}@db.internal:5432/app\nSOME_SETTING=${ODD_TOKEN}\n`,
    );
    const said = [
      `the key ${KEY}`,
      `as base64 ${Buffer.from(`k=${KEY}`).toString("base64")}`,
      `url-encoded ${encodeURIComponent(`${KEY}&x`)}`,
      `the database postgres://app:${DB_PASSWORD}@db.internal:5432/app`,
      `password alone ${encodeURIComponent(DB_PASSWORD)}`,
      `a token ${ODD_TOKEN}`,
    ].join("; ");
    const world = await runtimeWorld({
      projectRoot,
      env: { ANTHROPIC_API_KEY: KEY },
      script: {
        turns: [
          {
            text: said,
            chunk_size: 3,
            ...call("search", { query: `find ${ODD_TOKEN}`, item_type: "knowledge" }),
          },
          { text: `done: ${said}`, chunk_size: 5 },
        ],
      },
    });
    cleanups.push(async () => {
      await world.close();
      await rm(projectRoot, { recursive: true, force: true });
    });
    await world.directive("leaky", threadDirectiveFile({ name: "leaky" }));
    const t = await world.runtime.spawn({ directive: "leaky" });
    const row = await world.runtime.manager.wait(t.thread_id, { timeoutMs: 10_000 });
    expect(row.status).toBe("completed");
    // The key went where it belongs, and the model did say every secret.
    expect(world.fake.requests[0]!.headers["x-api-key"]).toBe(KEY);
    await world.runtime.close();
    const files = threadFiles(projectRoot);
    expect(files.map((f) => f.path.slice(projectRoot.length + 1))).toEqual(
      expect.arrayContaining([
        `.ai/threads/${t.thread_id}/transcript.jsonl`,
        `.ai/threads/${t.thread_id}/stream.jsonl`,
        ".ai/threads/registry.db",
      ]),
    );
    for (const f of files) {
      expect(f.mode, f.path).toBe(f.dir ? 0o700 : 0o600);
      for (const secret of [KEY, DB_PASSWORD, ODD_TOKEN]) {
        for (const form of forms(secret)) expect(f.bytes.includes(form), `${f.path}: ${form}`).toBe(false);
      }
    }
    const stream = files.find((f) => f.path.endsWith("stream.jsonl"))!.bytes;
    expect(stream).toContain("[REDACTED]");
  });
});

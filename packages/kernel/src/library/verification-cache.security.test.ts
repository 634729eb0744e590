// The verification cache in the user space must never let an unsigned, edited or untrusted item through:
// real files, real keys, a fresh kernel per "start".
import { createHash } from "node:crypto";
import { chmod, mkdir, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { keyPaths, loadOrCreateSigningKey } from "@kiwi/keys";
import { describe, expect, it } from "vitest";
import { version as kernelVersion } from "../../package.json";
import { createKernel } from "../create-kernel";
import { VERIFICATION_CACHE_FILE } from "../files/verification-cache-file";
import { DEFAULT_LIMITS } from "../limits";
import { createItem, fixture, knowledgeMd, tempDir, toolYaml } from "../test-support/fixture";
import {
  openVerificationCache,
  parsedText,
  sealVerificationCache,
  type VerificationCacheEntry,
  verificationCacheKey,
  verificationCacheTag,
} from "./verification-cache";

type F = Awaited<ReturnType<typeof fixture>>;

const TAG = verificationCacheTag({ kernelVersion, limits: DEFAULT_LIMITS });

/** A new kernel over the same project and user space: what the next process start sees. */
function restart(f: Pick<F, "projectRoot" | "userSpace">) {
  return createKernel({
    personAtTerminal: true,
    projectRoot: f.projectRoot,
    userSpace: f.userSpace,
    coreSpace: false,
    pluginSpaces: false,
    indexTtlMs: 0,
  });
}

const run = (kernel: F["kernel"], id = "greet") =>
  kernel.execute({ item_type: "tool", action: "run", item_id: id });

function refusal(r: { success: boolean; error?: { code: string; reason?: unknown } }) {
  return r.success ? "ran" : `${r.error!.code}/${String(r.error!.reason)}`;
}

async function cacheEntries(userSpace: string): Promise<VerificationCacheEntry[] | undefined> {
  const key = verificationCacheKey((await loadOrCreateSigningKey({ userSpace })).privateKey);
  const bytes = await readFile(join(userSpace, VERIFICATION_CACHE_FILE));
  return openVerificationCache(bytes, key, TAG);
}

/** A project with one signed tool, loaded once so the cache holds it. */
async function cachedProject(config?: string) {
  const f = await fixture();
  await createItem(f, "tool", "greet", toolYaml({ id: "greet", config }));
  expect((await run(f.kernel)).success).toBe(true);
  await f.kernel.inventory();
  const entries = await cacheEntries(f.userSpace);
  expect(entries?.map((e) => e.id)).toEqual(["greet"]);
  return { ...f, file: join(f.projectRoot, ".ai/tools/greet.yaml"), entries: entries! };
}

describe("verification cache", () => {
  it("is written to the user space, private, and answers a warm start with the same results", async () => {
    const f = await fixture();
    await createItem(f, "tool", "greet", toolYaml({ id: "greet", config: "  origin: hello\n" }));
    await createItem(f, "knowledge", "notes", knowledgeMd({ id: "notes", tags: ["deploy"] }));
    const cold = await f.kernel.inventory();
    const info = await stat(join(f.userSpace, VERIFICATION_CACHE_FILE));
    expect(info.mode & 0o777).toBe(0o600);
    expect((await cacheEntries(f.userSpace))?.map((e) => e.id).sort()).toEqual(["greet", "notes"]);
    const warm = await (await restart(f)).inventory();
    const view = (es: typeof cold) =>
      es.map((e) => ({ label: e.label, problem: e.problem, parsed: e.record?.parsed, title: e.title }));
    expect(view(warm)).toEqual(view(cold));
    expect(await run(await restart(f))).toMatchObject({
      success: true,
      result: { config: { origin: "hello" } },
    });
  });

  it("uses an entry authenticated with the user's key (so it is really used), and ignores the same entry under any other key", async () => {
    const f = await cachedProject("  origin: hello\n");
    // Whoever holds the user's signing key can sign anything anyway; an entry sealed with it is believed.
    const [entry] = f.entries;
    const altered = JSON.parse(parsedText(entry!.parsed));
    altered.data.config.origin = "from the cache";
    const doctored = [{ ...entry!, parsed: JSON.stringify(altered) }];
    const cacheFile = join(f.userSpace, VERIFICATION_CACHE_FILE);
    const userKey = verificationCacheKey(
      (await loadOrCreateSigningKey({ userSpace: f.userSpace })).privateKey,
    );
    await writeFile(cacheFile, sealVerificationCache(doctored, userKey, TAG));
    expect(await run(await restart(f))).toMatchObject({ result: { config: { origin: "from the cache" } } });
    // The same entry sealed with another key (an attacker's own): ignored, the file is read and verified.
    const attacker = await loadOrCreateSigningKey({ userSpace: await tempDir("attacker") });
    await writeFile(
      cacheFile,
      sealVerificationCache(doctored, verificationCacheKey(attacker.privateKey), TAG),
    );
    expect(await run(await restart(f))).toMatchObject({ result: { config: { origin: "hello" } } });
  });

  it("refuses an item edited after it was cached (INTEGRITY_MISMATCH), even with its size and mtime restored", async () => {
    const f = await cachedProject("  origin: hello\n");
    const original = await readFile(f.file, "utf8");
    const before = await stat(f.file);
    // Same size, same mtime: only the bytes (and the ctime, which no one can set) differ.
    await writeFile(f.file, original.replace("origin: hello", "origin: HELLO"));
    await utimes(f.file, before.atime, before.mtime);
    expect((await stat(f.file)).size).toBe(before.size);
    expect(refusal(await run(await restart(f)))).toBe("INTEGRITY_MISMATCH/modified");
    await writeFile(f.file, `${original}# appended\n`);
    expect(refusal(await run(await restart(f)))).toBe("INTEGRITY_MISMATCH/modified");
    const warm = await (await restart(f)).inventory();
    expect(warm[0]!.problem).toMatchObject({ code: "INTEGRITY_MISMATCH", reason: "modified" });
  });

  it("refuses a tampered item whose cache entry was forged to match it", async () => {
    const f = await cachedProject("  origin: hello\n");
    const tampered = (await readFile(f.file, "utf8")).replace("origin: hello", "origin: pwned");
    await writeFile(f.file, tampered);
    const info = await stat(f.file);
    const [entry] = f.entries;
    const parsed = JSON.parse(parsedText(entry!.parsed));
    parsed.data.config.origin = "pwned";
    const forged: VerificationCacheEntry = {
      ...entry!,
      identity: `${info.dev}:${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}`,
      contentHash: createHash("sha256").update(tampered).digest("hex"),
      parsed: JSON.stringify(parsed),
    };
    const cacheFile = join(f.userSpace, VERIFICATION_CACHE_FILE);
    const genuine = await readFile(cacheFile);
    // 1. Sealed with keys the attacker can get: the public key, an all-zero key, their own signing key.
    const publicDer = (await loadOrCreateSigningKey({ userSpace: f.userSpace })).publicKey.export({
      format: "der",
      type: "spki",
    });
    const attacker = await loadOrCreateSigningKey({ userSpace: await tempDir("attacker") });
    for (const key of [publicDer, Buffer.alloc(32), verificationCacheKey(attacker.privateKey)]) {
      await writeFile(cacheFile, sealVerificationCache([forged], key, TAG));
      expect(refusal(await run(await restart(f)))).toBe("INTEGRITY_MISMATCH/modified");
    }
    // 2. The genuine file's MAC kept, its payload swapped for the forged entry.
    const payload = sealVerificationCache([forged], Buffer.alloc(32), TAG).subarray(40);
    await writeFile(cacheFile, Buffer.concat([genuine.subarray(0, 40), payload]));
    expect(refusal(await run(await restart(f)))).toBe("INTEGRITY_MISMATCH/modified");
  });

  it("refuses items signed by a key that is no longer trusted, whatever the cache says", async () => {
    const f = await fixture();
    const other = await createKernel({
      personAtTerminal: true,
      projectRoot: f.projectRoot,
      userSpace: await tempDir("other-user"),
      coreSpace: false,
      pluginSpaces: false,
    });
    await other.execute({
      item_type: "tool",
      action: "create",
      item_id: "greet",
      parameters: { content: toolYaml({ id: "greet" }) },
    });
    const trusted = join(keyPaths(f.userSpace).trustedDir, "colleague.pub");
    await mkdir(keyPaths(f.userSpace).trustedDir, { recursive: true });
    await writeFile(trusted, (await other.signingKey()).publicKeyPem);
    const first = await restart(f);
    expect((await run(first)).success).toBe(true);
    await first.inventory();
    expect((await cacheEntries(f.userSpace))?.map((e) => e.id)).toEqual(["greet"]);
    await rm(trusted);
    expect(refusal(await run(await restart(f)))).toBe("INTEGRITY_MISMATCH/untrusted_signer");
    expect((await (await restart(f)).inventory())[0]!.problem).toMatchObject({ reason: "untrusted_signer" });
  });

  it.each([
    ["garbage", async (file: string) => writeFile(file, "not a cache at all\n".repeat(100))],
    ["truncated", async (file: string) => writeFile(file, (await readFile(file)).subarray(0, 100))],
    ["empty", async (file: string) => writeFile(file, "")],
    [
      "a directory",
      async (file: string) => {
        await rm(file);
        await mkdir(file);
      },
    ],
    ["unreadable", async (file: string) => chmod(file, 0o000)],
  ])("is ignored when the file is %s: everything is verified in full and works", async (name, spoil) => {
    const f = await cachedProject("  origin: hello\n");
    const cacheFile = join(f.userSpace, VERIFICATION_CACHE_FILE);
    await spoil(cacheFile);
    const warm = await restart(f);
    expect(await run(warm)).toMatchObject({ success: true, result: { config: { origin: "hello" } } });
    expect((await warm.inventory()).map((e) => e.problem)).toEqual([undefined]);
    // An edited item is still refused with a spoiled cache.
    await writeFile(f.file, `${await readFile(f.file, "utf8")}# appended\n`);
    expect(refusal(await run(await restart(f)))).toBe("INTEGRITY_MISMATCH/modified");
    if (name !== "a directory") {
      await chmod(cacheFile, 0o600);
      // The next start that verifies something writes a good cache again.
      await writeFile(f.file, toolYaml({ id: "greet" }));
      const again = await restart(f);
      await again.execute({ item_type: "tool", action: "sign", item_id: "greet" });
      await again.inventory();
      expect((await cacheEntries(f.userSpace))?.map((e) => e.id)).toEqual(["greet"]);
    }
  });

  it("drops entries of files that are gone and keeps entries other projects saved", async () => {
    const a = await cachedProject();
    const b = { projectRoot: await tempDir("project-b"), userSpace: a.userSpace };
    const kb = await restart(b);
    await kb.execute({
      item_type: "knowledge",
      action: "create",
      item_id: "notes",
      parameters: { content: knowledgeMd({ id: "notes" }) },
    });
    await kb.inventory();
    expect((await cacheEntries(a.userSpace))?.map((e) => e.id).sort()).toEqual(["greet", "notes"]);
    await rm(a.file);
    const ka = await restart(a);
    await ka.execute({
      item_type: "tool",
      action: "create",
      item_id: "other",
      parameters: { content: toolYaml({ id: "other" }) },
    });
    await ka.inventory();
    expect((await cacheEntries(a.userSpace))?.map((e) => e.id).sort()).toEqual(["notes", "other"]);
  });
});

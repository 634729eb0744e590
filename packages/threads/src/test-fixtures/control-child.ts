// Child process for the cross-process control test: runs one "ticker" thread on a registry file and
// applies whatever control requests other processes queue for it. Prints {"ready":…} then {"done":…}.
import { generateKeyPairSync } from "node:crypto";
import { mintToken, TokenVerifier } from "@kiwi/capabilities";
import type { HarnessRunResult } from "@kiwi/spec";
import { ThreadManager } from "../thread-manager";

const [projectRoot, registryFile, threadId] = process.argv.slice(2) as [string, string, string];
const { privateKey, publicKey } = generateKeyPairSync("ed25519");
const key = { keyId: "ed25519:test-child", privateKey, publicKey, publicKeyPem: "" };
const verifier = new TokenVerifier({ keys: [{ keyId: key.keyId, publicKey }] });
const manager = ThreadManager.open({ projectRoot, registryFile, verifier, secrets: [] });
const auth = (await mintToken({ key, grants: [{ cap: "spawn.thread" }], directiveId: "t", threadId: "x" }))
  .token;

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(t);
      resolve();
    });
  });

await manager.spawn({
  threadId,
  directive: "ticker",
  message: "tick",
  auth,
  runner: (thread) => ({
    // A minimal real runner: one "turn" every 20 ms, honouring the control at each boundary.
    async run({ control, signal }): Promise<HarnessRunResult> {
      const end = (status: HarnessRunResult["status"], reason: string, turns: number): HarnessRunResult => ({
        status,
        reason,
        turns,
        usage: { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_creation_tokens: 0 },
        final_text: `${reason} after ${turns}`,
        messages: [],
      });
      for (let turn = 1; turn < 10_000; turn++) {
        if (signal?.aborted) return end("aborted", "aborted", turn - 1);
        const d = await control?.beforeTurn(turn);
        if (signal?.aborted) return end("aborted", "aborted", turn - 1);
        if (d?.stop) return end(d.stop.status, d.stop.reason, turn - 1);
        for (const text of d?.inject ?? []) thread.record("user_message", { turn, text, injected: true });
        thread.record("turn_start", { turn });
        await sleep(20, signal);
      }
      return end("completed", "end_turn", 10_000);
    },
  }),
});
await manager.wait(threadId, { statuses: ["running"], timeoutMs: 5_000 });
manager.registry.flush();
console.log(JSON.stringify({ ready: true }));
const row = await manager.wait(threadId, { timeoutMs: 60_000 });
await manager.close();
console.log(JSON.stringify({ done: true, status: row.status, reason: row.reason }));

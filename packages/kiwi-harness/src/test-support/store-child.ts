// A second process for the PostgreSQL budget test: spawns a child thread of a parent another process runs,
// on the same PostgreSQL store, and spends from the parent's budget tree.
//
//   node --import tsx src/test-support/store-child.ts <storeUrl> <projectRoot> <parentId> <childId> <tokens>
//     Spawns <childId> under <parentId> asking for 5,000 tokens (capped by what the parent has left), records
//     one cost_update of <tokens> tokens, ends, and prints `{"done":true,"budget":…,"status":…}`.
import { generateKeyPairSync } from "node:crypto";
import { mintToken, TokenVerifier } from "@kiwi/capabilities";
import { ThreadManager } from "@kiwi/threads";
import { PostgresThreadStore } from "@kiwi/threads-postgres";

const [url, projectRoot, parentId, childId, tokens] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];
const { privateKey, publicKey } = generateKeyPairSync("ed25519");
const key = { keyId: "ed25519:store-child", privateKey, publicKey, publicKeyPem: "" };
const verifier = new TokenVerifier({ keys: [{ keyId: key.keyId, publicKey }] });
const store = await PostgresThreadStore.open({ url });
const manager = await ThreadManager.open({ projectRoot, store, verifier, secrets: [] });
const auth = (
  await mintToken({ key, grants: [{ cap: "spawn.thread" }], directiveId: "t", threadId: parentId })
).token;
const spent = Number(tokens);
const spawned = await manager.spawn({
  threadId: childId,
  directive: "child",
  message: "spend",
  parentId,
  budget: { maxTotalTokens: 5_000 },
  auth,
  runner: (thread) => ({
    async run() {
      const usage = {
        input_tokens: spent - 100,
        output_tokens: 100,
        cache_read_tokens: 0,
        cache_creation_tokens: 0,
      };
      thread.record("cost_update", { usage, turn_usage: usage, usd: 0.25 });
      return { status: "completed", reason: "end_turn", turns: 1, usage, final_text: "spent", messages: [] };
    },
  }),
});
const result = await spawned.done();
await manager.close();
console.log(JSON.stringify({ done: true, budget: spawned.budget, status: result.status }));

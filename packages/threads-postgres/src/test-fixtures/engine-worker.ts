// A worker process for the takeover tests: a DBOS thread engine on the test database, with the `lines`
// body (step i appends "<thread>:<i>" to lines.txt; step 2 first waits for the file go-<worker>). Prints
// one JSON object per line (ready, step errors, taken over threads). Env: KIWI_TEST_URL, WORKER, DIR,
// LEASE_MS, SUBMIT (a thread id to submit), IDEMPOTENT, TAKEOVER ("1": take over dead workers' threads).
import { appendFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { DbosThreadEngine, defineThreadBody } from "../engine";

const env = (name: string) => process.env[name] ?? "";
const dir = env("DIR");
const worker = env("WORKER");
const say = (event: Record<string, unknown>) =>
  process.stdout.write(`${JSON.stringify({ worker, ...event })}\n`);

defineThreadBody("lines", async (ctx, input) => {
  const { count, idempotent } = input as { count: number; idempotent: boolean };
  for (let i = 1; i <= count; i++) {
    try {
      await ctx.step(
        "tool",
        { line: i },
        async (signal) => {
          if (i === 2) {
            while (!existsSync(join(dir, `go-${ctx.owner}`))) {
              if (signal.aborted) throw signal.reason ?? new Error("aborted");
              await new Promise((resolve) => setTimeout(resolve, 50));
            }
          }
          appendFileSync(join(dir, "lines.txt"), `${ctx.threadId}:${i}\n`);
          return { line: i, by: ctx.owner };
        },
        { idempotent },
      );
    } catch (err) {
      const e = err as { code?: unknown; constructor?: { name?: string } };
      say({ event: "step_error", step: i, code: e.code ?? e.constructor?.name ?? String(err) });
      throw err;
    }
  }
  return { lines: count };
});

const engine = await DbosThreadEngine.start({
  url: env("KIWI_TEST_URL"),
  executorId: worker,
  leaseMs: Number(env("LEASE_MS") || "1500"),
  concurrency: 4,
});
say({ event: "ready" });
if (env("SUBMIT")) {
  await engine.submit({
    threadId: env("SUBMIT"),
    directive: "test/lines",
    body: "lines",
    input: { count: 3, idempotent: env("IDEMPOTENT") === "1" },
  });
}
const timer =
  env("TAKEOVER") === "1"
    ? setInterval(() => {
        engine.takeOver().then(
          (ids) => ids.length > 0 && say({ event: "took_over", ids }),
          (err) => say({ event: "takeover_error", message: String(err) }),
        );
      }, 300)
    : undefined;
process.on("SIGTERM", () => {
  if (timer) clearInterval(timer);
  void engine.stop().then(() => process.exit(0));
});

// A second process for the registry tests, run as `node --import tsx registry-child.ts <mode> <file> <thread_id> <count>`.
//   append: open, register the thread, print "ready", wait for "go" on stdin, append <count> events
//           (yielding between them), close, print a JSON summary and exit.
//   hold:   open, register the thread, append <count> events, flush, print "ready", then idle until killed.
import { createInterface } from "node:readline";
import { ThreadRegistry } from "../thread-registry";

const [mode, file, threadId, countText] = process.argv.slice(2);
if (!mode || !file || !threadId || !countText)
  throw new Error("usage: registry-child <mode> <file> <thread_id> <count>");
const count = Number(countText);
const errors: string[] = [];
const registry = ThreadRegistry.open(file, { onError: (err) => errors.push(String(err)) });
registry.register({ threadId: threadId, directive: `test/${mode}`, status: "running" });

if (mode === "hold") {
  for (let i = 1; i <= count; i++) registry.appendEvent(threadId, "tick", { i });
  registry.flush();
  process.stdout.write("ready\n");
  setInterval(() => {}, 60_000);
} else {
  process.stdout.write("ready\n");
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) if (line.trim() === "go") break;
  lines.close();
  process.stdin.destroy();
  for (let i = 1; i <= count; i++) {
    registry.appendEvent(threadId, "tick", { i, pid: process.pid });
    await new Promise((resolve) => setImmediate(resolve));
  }
  registry.updateStatus(threadId, "completed");
  registry.close();
  process.stdout.write(`${JSON.stringify({ thread_id: threadId, errors })}\n`);
}

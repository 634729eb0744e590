// Test fixture: appends events to a transcript from its own process, for the concurrency test.
// Usage: node --import tsx append-events.ts <file> <writer-id> <count>
// Opens its writer, prints "ready", waits for a line on stdin, then appends <count> tool_call events as
// fast as it can (payloads of varying size, some larger than a page) and exits.
import { createInterface } from "node:readline";
import { TranscriptWriter } from "../transcript-writer";

const [file, writerId, countText] = process.argv.slice(2);
if (!file || !writerId || !countText) throw new Error("usage: append-events.ts <file> <writer-id> <count>");
const count = Number(countText);

const writer = TranscriptWriter.open(file);
process.stdout.write("ready\n");
const input = createInterface({ input: process.stdin });
input.once("line", () => {
  input.close();
  process.stdin.destroy();
  for (let i = 0; i < count; i++) {
    const payload = writerId.repeat(1 + ((i * 37) % 3000));
    writer.write("tool_call", { writer: writerId, i, payload });
  }
  writer.close();
  process.stdout.write("done\n");
});

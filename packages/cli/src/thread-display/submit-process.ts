// Test fixture (a separate process, `node --import tsx`): submits one `kiwi thread run <directive>
// <message> --store <url> --detach --json` per message given, in one process, and prints each answer's
// thread id on its own line. Args: <store url> <project> <directive> <message…>.
import { PassThrough } from "node:stream";
import { main } from "../main";

const [url, project, directive, ...messages] = process.argv.slice(2) as [string, string, string, ...string[]];
for (const message of messages) {
  const out = new PassThrough();
  let text = "";
  out.on("data", (c) => (text += c));
  const code = await main(["thread", "run", directive, message, "--store", url, "--detach", "--json"], {
    stdout: out,
    stderr: process.stderr,
    cwd: project,
    // OpenTelemetry's settings pass through (a test exports the submission's span).
    env: Object.fromEntries(
      Object.entries(process.env).filter(
        ([k]) => k === "PATH" || k.startsWith("OTEL_") || k === "TRACEPARENT",
      ),
    ),
  });
  if (code !== 0) {
    process.stderr.write(`submit failed (${code}): ${text}\n`);
    process.exit(1);
  }
  process.stdout.write(`${JSON.parse(text).thread_id}\n`);
}

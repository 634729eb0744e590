// Test fixture: reads one file with the regular-file reader in a process of its own, so a read that
// blocks (the bug this guards against) hangs only this process, which the test kills and reports.
// Usage: node --import tsx read-once.ts <sync|async> <file> [follow]
import { readRegularFile, readRegularFileSync } from "../read-regular-file";

const [mode, file, follow] = process.argv.slice(2);
const options = { maxBytes: 1024, followLinks: follow === "follow" };
try {
  const { bytes } =
    mode === "sync" ? readRegularFileSync(file!, options) : await readRegularFile(file!, options);
  process.stdout.write(JSON.stringify({ ok: true, text: bytes.toString("utf8") }));
} catch (error) {
  const e = error as { code?: string; context?: { reason?: string }; message?: string };
  process.stdout.write(
    JSON.stringify({ ok: false, code: e.code, reason: e.context?.reason, message: e.message }),
  );
}

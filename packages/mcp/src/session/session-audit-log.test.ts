import { readFile, stat } from "node:fs/promises";
import { createRedactor } from "@kiwi/sinks";
import { tempProject } from "@kiwi/testing";
import { describe, expect, it } from "vitest";
import { SessionAuditLog } from "./session-audit-log";

describe("SessionAuditLog", () => {
  it("writes the transcripts' envelope, numbered lines, 0600, and redacts every line", async () => {
    const { projectRoot } = await tempProject({ prefix: "kiwi-audit" });
    const secret = "sk-live-0123456789abcdef";
    const log = SessionAuditLog.open(projectRoot, "session-abc", {
      now: () => new Date("2026-12-07T12:00:00.000Z"),
      redact: createRedactor([secret]),
    });
    log.write("call", { decision: "denied", reason: `refused https://x.example/?key=${secret}`, seq: 99 });
    log.write("call", { decision: "allowed", target: `tool:${encodeURIComponent(secret)}` });
    log.close({ calls: 2 });
    log.write("call", { after: "close" }); // ignored
    const text = await readFile(log.path, "utf8");
    expect(text).not.toContain(secret);
    const lines = text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.v, l.seq, l.type])).toEqual([
      [1, 1, "call"],
      [1, 2, "call"],
      [1, 3, "session_ended"],
    ]);
    expect(lines[0].reason).toContain("[REDACTED]");
    expect(lines[0].ts).toBe("2026-12-07T12:00:00.000Z");
    expect((await stat(log.path)).mode & 0o777).toBe(0o600);
  });
});

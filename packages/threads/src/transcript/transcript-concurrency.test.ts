import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { followTranscript } from "./follow-transcript";
import { readTranscript } from "./read-transcript";
import { makeTempDir } from "./test-fixtures/temp-dir";
import { parseTranscriptLine, type TranscriptEvent } from "./transcript-format";

const FIXTURE = fileURLToPath(new URL("./test-fixtures/append-events.ts", import.meta.url));
const PACKAGE_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const WRITERS = 4;
const EVENTS_EACH = 1000;

let tmp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  tmp = makeTempDir();
});
afterEach(() => {
  tmp.cleanup();
});

/** Resolves once the child printed `text` on a line; rejects if it exits first. */
function waitForLine(child: ChildProcess, text: string, output: { stdout: string; stderr: string }) {
  return new Promise<void>((resolve, reject) => {
    const check = () => {
      if (output.stdout.split("\n").includes(text)) resolve();
    };
    child.stdout?.on("data", check);
    child.once("exit", (code) =>
      reject(new Error(`writer exited (${code}) before "${text}": ${output.stderr}`)),
    );
    check();
  });
}

describe("concurrent writers in separate processes", () => {
  it("4 processes appending 1,000 events each to one file never interleave lines", async () => {
    const file = tmp.file("shared.jsonl");
    const children = Array.from({ length: WRITERS }, (_, n) => {
      // `--import tsx` resolves from the package folder, as `pnpm bench` does.
      const child = spawn(
        process.execPath,
        ["--import", "tsx", FIXTURE, file, `w${n}`, String(EVENTS_EACH)],
        {
          cwd: PACKAGE_ROOT,
          stdio: ["pipe", "pipe", "pipe"],
        },
      );
      const output = { stdout: "", stderr: "" };
      child.stdout.on("data", (chunk: Buffer) => {
        output.stdout += chunk.toString();
      });
      child.stderr.on("data", (chunk: Buffer) => {
        output.stderr += chunk.toString();
      });
      const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
      return { child, output, exited, ready: waitForLine(child, "ready", output) };
    });
    try {
      // Every writer has its file open before any writes: they all append at the same time.
      await Promise.all(children.map((c) => c.ready));
      const controller = new AbortController();
      const followed: TranscriptEvent[] = [];
      const following = (async () => {
        for await (const event of followTranscript(file, { signal: controller.signal, pollMs: 5 })) {
          followed.push(event);
          if (followed.length === WRITERS * EVENTS_EACH) controller.abort();
        }
      })();
      for (const { child } of children) child.stdin?.end("go\n");
      const codes = await Promise.all(children.map((c) => c.exited));
      expect(codes, children.map((c) => c.output.stderr).join("\n")).toEqual(Array(WRITERS).fill(0));

      const text = readFileSync(file, "utf8");
      expect(text.endsWith("\n")).toBe(true);
      const lines = text.slice(0, -1).split("\n");
      expect(lines).toHaveLength(WRITERS * EVENTS_EACH);
      const perWriter = new Map<string, number[]>();
      for (const line of lines) {
        const parsed = parseTranscriptLine(line);
        expect(parsed.ok, line.slice(0, 200)).toBe(true);
        if (!parsed.ok) continue;
        const { writer, i, payload, seq } = parsed.event as TranscriptEvent & { writer: string; i: number };
        // The payload is the writer's id repeated: a mixed line would break this or the JSON.
        expect(payload).toBe(writer.repeat(1 + ((i * 37) % 3000)));
        expect(seq).toBeGreaterThan(0);
        const seen = perWriter.get(writer) ?? [];
        seen.push(i);
        perWriter.set(writer, seen);
      }
      expect([...perWriter.keys()].sort()).toEqual(["w0", "w1", "w2", "w3"]);
      for (const indices of perWriter.values()) {
        expect(indices).toEqual(Array.from({ length: EVENTS_EACH }, (_, i) => i));
      }
      expect(readTranscript(file)).toMatchObject({ torn: false });
      expect(readTranscript(file).events).toHaveLength(WRITERS * EVENTS_EACH);

      await following;
      expect(followed).toHaveLength(WRITERS * EVENTS_EACH);
    } finally {
      for (const { child } of children) if (child.exitCode === null) child.kill();
    }
  }, 60_000);
});

import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { SinkV1 } from "@kiwi/spec";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSubprocessPrimitive } from "./subprocess-primitive";
import { contextFor, makeProject, recordingSink, type TempProject } from "./subprocess-test-kit";

let project: TempProject;
const primitive = createSubprocessPrimitive();
const run = (config: Record<string, unknown>, sinks?: SinkV1[]) =>
  primitive.run({ config, params: {}, ...(sinks ? { sinks } : {}), context: contextFor(project.root) });

beforeAll(async () => {
  project = await makeProject();
});
afterAll(async () => {
  await project.cleanup();
});

describe("subprocess: running commands", () => {
  it("is a primitive-v1 with id subprocess", () => {
    expect(primitive.specificationVersion).toBe("primitive-v1");
    expect(primitive.id).toBe("subprocess");
  });

  it("runs echo and reports exit code 0 with the documented result shape", async () => {
    const result = await run({ command: "echo", args: ["hello", "world"] });
    expect(result).toMatchObject({
      success: true,
      exit_code: 0,
      signal: null,
      stdout: "hello world\n",
      stderr: "",
      truncated: { stdout: false, stderr: false },
    });
    expect(typeof result.duration_ms).toBe("number");
    expect(result.error).toBeUndefined();
    expect(result.timed_out).toBeUndefined();
  });

  it("reports a non-zero exit as a failure with the code, keeping stderr", async () => {
    const result = await run({ command: "sh", args: ["-c", "echo oops >&2; exit 3"] });
    expect(result).toMatchObject({ success: false, exit_code: 3, signal: null, stderr: "oops\n" });
    expect(result.error).toMatchObject({ code: "PRIMITIVE_FAILED" });
  });

  it("treats stderr output with exit 0 as success, and a signal death as failure", async () => {
    expect(await run({ command: "sh", args: ["-c", "echo warn >&2"] })).toMatchObject({ success: true });
    const killed = await run({ command: "sh", args: ["-c", "kill -9 $$"] });
    expect(killed).toMatchObject({ success: false, exit_code: null, signal: "SIGKILL" });
  });

  it("returns COMMAND_NOT_FOUND for a missing command", async () => {
    const result = await run({ command: "kiwi-no-such-command-xyz" });
    expect(result).toMatchObject({ success: false, error: { code: "COMMAND_NOT_FOUND" } });
  });

  it("writes input to stdin then closes it", async () => {
    const result = await run({ command: "cat", input: "line one\nline two" });
    expect(result).toMatchObject({ success: true, stdout: "line one\nline two" });
  });

  it("closes stdin at once without input, so a reader gets EOF instead of hanging", async () => {
    const result = await run({ command: "cat", timeout_ms: 5000 });
    expect(result).toMatchObject({ success: true, stdout: "" });
    expect(result.timed_out).toBeUndefined();
  });

  it("runs in a project-relative cwd (realpath)", async () => {
    const result = await run({ command: "pwd", cwd: "sub" });
    expect(result.stdout).toBe(`${join(project.root, "sub")}\n`);
    expect((await run({ command: "pwd" })).stdout).toBe(`${project.root}\n`);
  });

  it("runs through /bin/sh only with shell: true, args as positional parameters", async () => {
    const result = await run({
      shell: true,
      command: 'printf "%s|%s" "$1" "$2" > out.txt; touch created',
      args: ["a", "b; touch evil"],
    });
    expect(result).toMatchObject({ success: true });
    expect(await readFile(join(project.root, "out.txt"), "utf8")).toBe("a|b; touch evil");
    expect(existsSync(join(project.root, "created"))).toBe(true);
    expect(existsSync(join(project.root, "evil"))).toBe(false);
  });

  it("decodes invalid UTF-8 with replacement characters", async () => {
    const result = await run({ command: "printf", args: ["ok\\377"] });
    expect(result.stdout).toBe("ok\uFFFD");
  });
});

describe("subprocess: config validation (nothing spawned)", () => {
  it.each([
    [{}, "command"],
    [{ command: "" }, "command"],
    [{ command: "echo", args: ["ok", 1] }, "args[1]"],
    [{ command: "echo", args: [{ a: 1 }] }, "args[0]"],
    [{ command: "echo", args: "not-a-list" }, "args"],
    [{ command: "echo", args: ["a\0b"] }, "args[0]"],
    [{ command: "echo", env: { X: 1 } }, "env.X"],
    [{ command: "echo", timeout_ms: -1 }, "timeout_ms"],
    [{ command: "echo", shell: "yes" }, "shell"],
    [{ command: "echo", timeout_ms_typo: 5 }, "timeout_ms_typo"],
    [{ command: "cat", input: "x", rpc: { sequence: [{ method: "m" }] } }, "input"],
    [{ command: "cat", rpc: { sequence: [{ method: "m", notify: "n" }] } }, "rpc.sequence[0]"],
  ])("refuses %j with INVALID_INPUT naming %s", async (config, field) => {
    const result = await run(config);
    expect(result).toMatchObject({ success: false, error: { code: "INVALID_INPUT" } });
    expect((result.error as { message: string }).message).toContain(field);
  });

  it("accepts numeric strings from ${ENV} templating for integer fields", async () => {
    expect(await run({ command: "true", timeout_ms: "5000" })).toMatchObject({ success: true });
  });
});

describe("subprocess: line streaming to sinks", () => {
  it("emits stdout and stderr lines in order, with CRLF and a partial last line", async () => {
    const sink = recordingSink();
    const script = 'printf "one\\ntwo\\r\\nthree"; printf "e1\\ne2\\n" >&2';
    const result = await run({ command: "sh", args: ["-c", script], stream: true }, [sink]);
    expect(result).toMatchObject({ success: true, stdout: "one\ntwo\r\nthree", stderr: "e1\ne2\n" });
    const of = (name: string) => sink.events.filter((e) => e.event === name).map((e) => e.data);
    expect(of("stdout")).toEqual(["one", "two", "three"]);
    expect(of("stderr")).toEqual(["e1", "e2"]);
  });

  it("cuts a line longer than max_line_bytes and flags it", async () => {
    const sink = recordingSink();
    const result = await run(
      { command: "printf", args: ["abcdefghijklmnop\\nshort\\n"], stream: true, max_line_bytes: 10 },
      [sink],
    );
    expect(sink.events).toEqual([
      { event: "stdout", data: "abcdefghij", truncated: true },
      { event: "stdout", data: "short" },
    ]);
    expect(result).toMatchObject({ lines_truncated: 1, stdout: "abcdefghijklmnop\nshort\n" });
  });

  it("keeps many lines in order across chunk boundaries", async () => {
    const sink = recordingSink();
    await run({ command: "seq", args: ["1", "20000"], stream: true }, [sink]);
    expect(sink.events).toHaveLength(20000);
    expect(sink.events.every((e, i) => e.data === String(i + 1))).toBe(true);
  });

  it("goes on when a sink throws: other sinks still receive everything, the error is reported", async () => {
    const good = recordingSink("good");
    const bad: SinkV1 = {
      specificationVersion: "sink-v1",
      id: "bad_sink",
      write() {
        throw new Error("disk full");
      },
      async close() {},
    };
    const result = await run({ command: "printf", args: ["a\\nb\\nc\\n"], stream: true }, [bad, good]);
    expect(result).toMatchObject({
      success: true,
      sink_errors: [{ sink: "bad_sink", phase: "write", message: "disk full", events_written: 0 }],
    });
    expect(good.events.map((e) => e.data)).toEqual(["a", "b", "c"]);
  });

  it("awaits a slow sink (backpressure) and never closes sinks: the caller owns close", async () => {
    const seen: string[] = [];
    let closed = 0;
    const slow: SinkV1 = {
      specificationVersion: "sink-v1",
      id: "slow",
      async write(event) {
        await new Promise((resolve) => setTimeout(resolve, 1));
        seen.push(event.data);
      },
      async close() {
        closed++;
      },
    };
    const result = await run({ command: "seq", args: ["1", "300"], stream: true }, [slow]);
    expect(result).toMatchObject({ success: true });
    expect(seen).toEqual(Array.from({ length: 300 }, (_, i) => String(i + 1)));
    expect(closed).toBe(0);
  });

  it("does not stream without stream: true", async () => {
    const sink = recordingSink();
    await run({ command: "echo", args: ["x"] }, [sink]);
    expect(sink.events).toEqual([]);
  });
});

import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveStdio } from "./serve-stdio";
import { createTestProject, type TestProject } from "./test-project";

let project: TestProject;

beforeAll(async () => {
  project = await createTestProject({});
});

afterAll(async () => {
  await project?.cleanup();
});

function lines(stream: PassThrough): string[] {
  const out: string[] = [];
  let buffer = "";
  stream.setEncoding("utf8").on("data", (chunk: string) => {
    buffer += chunk;
    const parts = buffer.split("\n");
    buffer = parts.pop() ?? "";
    out.push(...parts);
  });
  return out;
}

describe("serveStdio", () => {
  it("serves the given streams, logs only to its log, and closes when the input ends", async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const logs: string[] = [];
    const sigterms = process.listenerCount("SIGTERM");
    const handle = await serveStdio({
      projectRoot: project.projectRoot,
      userSpace: project.userSpace,
      stdin,
      stdout,
      log: (m) => logs.push(m),
      handleSignals: false,
    });
    expect(process.listenerCount("SIGTERM")).toBe(sigterms);
    expect(handle.kernel.projectRoot).toBe(project.projectRoot);
    const out = lines(stdout);
    stdin.write(
      `${JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } } })}\n`,
    );
    await expect.poll(() => out.length).toBe(1);
    expect(JSON.parse(out[0]!)).toMatchObject({ id: 1, result: { serverInfo: { name: "kiwi" } } });
    expect(logs.join("\n")).toContain(`serving ${project.projectRoot}`);
    stdin.end();
    await handle.closed;
    await handle.close(); // a second close is harmless
  });

  it("installs and removes its signal handlers", async () => {
    const before = process.listenerCount("SIGTERM");
    const handle = await serveStdio({
      projectRoot: project.projectRoot,
      userSpace: project.userSpace,
      stdin: new PassThrough(),
      stdout: new PassThrough(),
      log: () => {},
    });
    expect(process.listenerCount("SIGTERM")).toBe(before + 1);
    await handle.close();
    await handle.closed;
    expect(process.listenerCount("SIGTERM")).toBe(before);
  });

  it("refuses a relative project root before serving anything", async () => {
    await expect(
      serveStdio({ projectRoot: "relative/path", userSpace: project.userSpace, log: () => {} }),
    ).rejects.toMatchObject({
      code: "INVALID_INPUT",
    });
  });
});

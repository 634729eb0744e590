import { mkdir, readFile, symlink } from "node:fs/promises";
import { join } from "node:path";
import type { SinkEvent } from "@kiwi/spec";
import { tempProject, testSink } from "@kiwi/testing";
import { describe, expect, it } from "vitest";
import { createJsonlCounterSink } from "./jsonl-counter-sink";

type Line = { n: number; event: string; data: string; id?: string } | { summary: Record<string, unknown> };

async function linesOf(file: string): Promise<Line[]> {
  const text = await readFile(file, "utf8");
  return text === ""
    ? []
    : text
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l) as Line);
}

// The shared sink-v1 conformance suite every Kiwi sink runs; readBack is what reached the file.
testSink(
  "jsonl_counter_sink",
  ({ projectRoot }) => createJsonlCounterSink({ path: "out/events.jsonl" }, { projectRoot, toolId: "test" }),
  {
    readBack: async ({ projectRoot }) =>
      (await linesOf(join(projectRoot, "out/events.jsonl"))).flatMap((l): SinkEvent[] =>
        "summary" in l ? [] : [{ event: l.event, data: l.data, ...(l.id === undefined ? {} : { id: l.id }) }],
      ),
  },
);

describe("jsonl_counter_sink", () => {
  const project = async () => (await tempProject({ prefix: "kiwi-jsonl-counter" })).projectRoot;

  it("numbers kept events, skips filtered ones and appends a summary on close", async () => {
    const projectRoot = await project();
    const sink = await createJsonlCounterSink(
      { path: "logs/run.jsonl", events: ["delta", "done"] },
      { projectRoot, toolId: "t" },
    );
    for (const event of ["start", "delta", "delta", "ping", "done"]) await sink.write({ event, data: "x" });
    expect(sink.counts).toEqual({ delta: 2, done: 1 });
    await sink.close();
    expect(await linesOf(join(projectRoot, "logs/run.jsonl"))).toEqual([
      { n: 1, event: "delta", data: "x" },
      { n: 2, event: "delta", data: "x" },
      { n: 3, event: "done", data: "x" },
      { summary: { written: 3, skipped: 2, by_event: { delta: 2, done: 1 } } },
    ]);
    await expect(sink.write({ event: "late", data: "" })).rejects.toMatchObject({ code: "SINK_CLOSED" });
  });

  it("refuses settings its schema does not know, and paths that leave the project", async () => {
    const projectRoot = await project();
    const context = { projectRoot, toolId: "t" };
    await expect(
      createJsonlCounterSink({ path: "a.jsonl", colour: "red" } as never, context),
    ).rejects.toThrow(/colour/);
    await expect(createJsonlCounterSink({ path: "../escape.jsonl" }, context)).rejects.toMatchObject({
      code: "PATH_OUTSIDE_PROJECT",
    });
    await expect(createJsonlCounterSink({ path: "/etc/passwd" }, context)).rejects.toMatchObject({
      code: "PATH_OUTSIDE_PROJECT",
    });
    const outside = await project();
    await mkdir(join(projectRoot, "linked"));
    await symlink(join(outside, "x.jsonl"), join(projectRoot, "linked/x.jsonl"));
    await expect(createJsonlCounterSink({ path: "linked/x.jsonl" }, context)).rejects.toMatchObject({
      code: "PATH_OUTSIDE_PROJECT",
    });
  });
});

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { SinkEvent } from "@kiwi/spec";
import { testSink } from "@kiwi/testing";
import { createFileSink } from "./file-sink";
import { createNullSink } from "./null-sink";

async function readJsonl(file: string): Promise<SinkEvent[]> {
  const text = await readFile(file, "utf8");
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const { event, data, id } = JSON.parse(line) as SinkEvent;
      return id === undefined ? { event, data } : { event, data, id };
    });
}

testSink("null_sink", () => createNullSink());

testSink(
  "file_sink (jsonl, write-through)",
  ({ projectRoot }) => createFileSink({ path: "out/events.jsonl" }, { projectRoot, toolId: "test" }),
  { readBack: ({ projectRoot }) => readJsonl(join(projectRoot, "out/events.jsonl")) },
);

testSink(
  "file_sink (jsonl, flush_every 7, no fsync)",
  ({ projectRoot }) =>
    createFileSink(
      { path: "events.jsonl", flush_every: 7, fsync_on_close: false },
      { projectRoot, toolId: "test" },
    ),
  { readBack: ({ projectRoot }) => readJsonl(join(projectRoot, "events.jsonl")) },
);

import { testSink } from "@kiwi/testing";
import { expect, it } from "vitest";
import { createTemplateSink } from "./template-sink";

const quiet = { write: () => true };

// The shared sink-v1 conformance suite: every Kiwi sink runs it.
testSink("template_sink", ({ projectRoot }) =>
  createTemplateSink({}, { projectRoot, toolId: "test" }, { output: quiet }),
);

it("writes one line per event, data JSON-escaped", async () => {
  const lines: string[] = [];
  const sink = createTemplateSink({ prefix: "> " }, undefined, { output: { write: (c) => lines.push(c) } });
  sink.write({ event: "message", data: "a\nb" });
  await sink.close();
  expect(lines).toEqual(['> message: "a\\nb"\n']);
});

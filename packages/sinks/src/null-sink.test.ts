import type { SinkFactory } from "@kiwi/spec";
import { describe, expect, it } from "vitest";
import { createNullSink } from "./null-sink";

const asFactory: SinkFactory = createNullSink;

describe("null_sink", () => {
  it("counts and discards events synchronously", async () => {
    const sink = await asFactory({}, { projectRoot: "/nowhere", toolId: "t" });
    const nul = sink as ReturnType<typeof createNullSink>;
    for (let i = 0; i < 5; i++) expect(nul.write({ event: "message", data: String(i) })).toBeUndefined();
    expect(nul.count).toBe(5);
    await nul.close();
    expect(nul.closed).toBe(true);
    expect(() => nul.write({ event: "message", data: "late" })).toThrow(/write after close/);
  });

  it("refuses unknown settings", async () => {
    expect(() => createNullSink({ path: "x" })).toThrow(/invalid settings/);
    const result = await createNullSink.settingsSchema["~standard"].validate({ path: "x" });
    expect("issues" in result && result.issues?.length).toBeTruthy();
  });
});

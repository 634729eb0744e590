// A destination never receives a secret, in any form, even when the stream splits it over events (issue
// 13 §1). The events are what a model stream or a process gives a sink; the file is a real file_sink.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { SinkEvent, SinkV1 } from "@kiwi/spec";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFileSink } from "../file-sink";
import { makeTestProject, type TestProject } from "../test-project";
import { createRedactor, REDACTED } from "./create-redactor";
import { createRedactingSink, MAX_HELD_EVENTS, MAX_LANE_GAP_EVENTS } from "./redacting-sink";
import { secretForms } from "./secret-forms";
import { SecretSet } from "./secret-set";

const CANARY = "sk-ant-api03-canary-Qm7xZ2pL9vK4";

let project: TestProject;
beforeEach(async () => {
  project = await makeTestProject();
});
afterEach(async () => {
  await project.cleanup();
});

function collector() {
  const events: SinkEvent[] = [];
  const sink: SinkV1 & { closed: boolean } = {
    specificationVersion: "sink-v1",
    id: "collect",
    closed: false,
    write(event) {
      events.push(event);
    },
    async close() {
      sink.closed = true;
    },
  };
  return { sink, events };
}

/** Anthropic-style text deltas carrying `text` in pieces of `size` characters. */
function deltas(text: string, size: number, index = 0): SinkEvent[] {
  const out: SinkEvent[] = [];
  for (let i = 0; i < text.length; i += size) {
    out.push({
      event: "content_block_delta",
      data: JSON.stringify({
        type: "content_block_delta",
        index,
        delta: { type: "text_delta", text: text.slice(i, i + size) },
      }),
    });
  }
  return out;
}

const textOf = (events: readonly SinkEvent[]) =>
  events
    .filter((e) => e.event === "content_block_delta")
    .map((e) => (JSON.parse(e.data) as { delta: { text?: string } }).delta.text ?? "")
    .join("");

async function pipe(sink: SinkV1, events: readonly SinkEvent[]) {
  for (const e of events) await sink.write(e);
  await sink.close();
}

/** Everything a file holds must be free of every form of the canary. */
function expectClean(text: string) {
  for (const form of secretForms(CANARY)) expect(text.includes(form), form).toBe(false);
}

describe("createRedactingSink", () => {
  it.each([1, 2, 3, 7, 40])("redacts a secret split over text deltas of %i characters", async (size) => {
    const { sink, events } = collector();
    const text = `here it is: ${CANARY} and again ${CANARY}.`;
    await pipe(createRedactingSink(sink, createRedactor([CANARY])), [
      { event: "message_start", data: '{"type":"message_start"}' },
      ...deltas(text, size),
      { event: "message_stop", data: '{"type":"message_stop"}' },
    ]);
    expect(textOf(events)).toBe(`here it is: ${REDACTED} and again ${REDACTED}.`);
    expectClean(JSON.stringify(events));
    expect(events[0]!.event).toBe("message_start");
    expect(events.at(-1)!.event).toBe("message_stop");
    // Every event is passed on, in order; only the ones holding part of a secret changed.
    expect(events).toHaveLength(deltas(text, size).length + 2);
  });

  it("gives the same text as redacting the whole, whatever the chunking (escapes and non-ASCII included)", async () => {
    const secret = 'k"ey\\with-ünïcode/+Z9';
    const text = `a "quoted" ${secret} b\n${CANARY}é ${Buffer.from(CANARY).toString("base64")} end`;
    const redact = createRedactor([CANARY, secret]);
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return 1 + (seed % 12);
    };
    for (let round = 0; round < 40; round++) {
      const { sink, events } = collector();
      const pieces: SinkEvent[] = [];
      for (let i = 0; i < text.length; ) {
        const size = next();
        pieces.push(...deltas(text.slice(i, i + size), 100));
        if (round % 3 === 0) pieces.push({ event: "ping", data: '{"type":"ping"}' });
        i += size;
      }
      await pipe(createRedactingSink(sink, redact), pieces);
      expect(textOf(events), `round ${round}`).toBe(redact(text));
      for (const e of events) expect(() => JSON.parse(e.data)).not.toThrow();
    }
  });

  it("reads malformed JSON as plain text and redacts numbers and escaped keys", async () => {
    const { sink, events } = collector();
    await pipe(createRedactingSink(sink, createRedactor([CANARY, "12345678901234"])), [
      { event: "message", data: `{not json ${CANARY}` },
      { event: "message", data: '{"pin": 12345678901234, "n": 1}' },
      { event: "message", data: JSON.stringify({ [`a\n${CANARY}`]: true }) },
    ]);
    expect(events.map((e) => e.data)).toEqual([
      `{not json ${REDACTED}`,
      `{"pin": "${REDACTED}", "n": 1}`,
      JSON.stringify({ [`a\n${REDACTED}`]: true }),
    ]);
  });

  it("writes nothing of the secret to a real file_sink, in any encoding, also split over events", async () => {
    const file = await createFileSink(
      { path: ".ai/threads/t1/stream.jsonl" },
      { projectRoot: project.root, toolId: "anthropic_thread" },
    );
    const b64 = Buffer.from(`{"k":"${CANARY}"}`).toString("base64");
    const url = encodeURIComponent(`${CANARY}/x y`);
    await pipe(createRedactingSink(file, createRedactor([CANARY])), [
      ...deltas(`plain ${CANARY}`, 3),
      ...deltas(`b64 ${b64}`, 5, 1),
      ...deltas(`url ${url}`, 4, 2),
      { event: "tool", data: JSON.stringify({ partial_json: JSON.stringify({ key: CANARY }) }) },
      { event: "stdout", data: `raw line ${CANARY}` },
    ]);
    const written = await readFile(join(project.root, ".ai/threads/t1/stream.jsonl"), "utf8");
    expectClean(written);
    expect(
      written
        .split("\n")
        .filter(Boolean)
        .every((l) => JSON.parse(l)),
    ).toBe(true);
    expect(written).toContain(REDACTED);
  });

  it("joins process output lines (a wrapped base64 key) and keeps other lanes apart", async () => {
    const { sink, events } = collector();
    const pem = Buffer.from(`-----key ${CANARY} key-----`).toString("base64");
    const lines = pem.match(/.{1,16}/g)!.map((l) => ({ event: "stdout", data: l }));
    await pipe(createRedactingSink(sink, createRedactor([CANARY])), [
      ...lines.flatMap((l, i) => [l, { event: "stderr", data: `progress ${i}` }]),
    ]);
    expect(
      events
        .filter((e) => e.event === "stdout")
        .map((e) => e.data)
        .join(""),
    ).toContain(REDACTED);
    expectClean(events.map((e) => e.data).join(""));
    expect(events.filter((e) => e.event === "stderr").map((e) => e.data)).toEqual(
      lines.map((_, i) => `progress ${i}`),
    );
  });

  it("redacts object keys and the event id, and keeps JSON valid", async () => {
    const { sink, events } = collector();
    await pipe(createRedactingSink(sink, createRedactor([CANARY])), [
      { event: "message", id: `id-${CANARY}`, data: JSON.stringify({ [CANARY]: 1, n: 2 }) },
    ]);
    expect(events).toEqual([{ event: "message", id: `id-${REDACTED}`, data: `{"${REDACTED}":1,"n":2}` }]);
  });

  it("passes events through untouched when nothing matches, and with no secrets at all", async () => {
    const input = [...deltas("nothing to see here", 2), { event: "message", data: '{"a": 1,  "b":"x"}' }];
    for (const secrets of [[CANARY], []]) {
      const { sink, events } = collector();
      await pipe(createRedactingSink(sink, createRedactor(secrets)), input);
      expect(events).toEqual(input);
    }
  });

  it("holds an event only while its tail may start a secret, and releases it on flush", async () => {
    const { sink, events } = collector();
    const s = createRedactingSink(sink, createRedactor([CANARY]));
    await s.write(deltas("ends with sk-ant", 100)[0]!);
    expect(events).toHaveLength(0);
    await s.write(deltas("-api03-canary-Qm7xZ2pL9vK4 done", 100)[0]!);
    expect(textOf(events)).toBe(`ends with ${REDACTED} done`);
    await s.write(deltas("trailing sk-", 100)[0]!);
    expect(events).toHaveLength(2);
    await s.flush!();
    expect(textOf(events)).toBe(`ends with ${REDACTED} donetrailing sk-`);
    await s.close();
    expect(sink.closed).toBe(true);
  });

  it(`closes a lane after ${MAX_LANE_GAP_EVENTS} events without news, and holds at most ${MAX_HELD_EVENTS} events`, async () => {
    const { sink, events } = collector();
    const s = createRedactingSink(sink, createRedactor([CANARY]));
    await s.write(deltas("sk-ant", 100)[0]!);
    for (let i = 0; i < MAX_LANE_GAP_EVENTS; i++) await s.write({ event: "ping", data: "{}" });
    expect(events).toHaveLength(0);
    await s.write({ event: "ping", data: "{}" });
    expect(events.length).toBe(MAX_LANE_GAP_EVENTS + 2);
    // A lane that keeps a tail open while others flood is let go at the cap.
    const { sink: sink2, events: events2 } = collector();
    const s2 = createRedactingSink(sink2, createRedactor([CANARY]));
    for (let i = 0; i < MAX_HELD_EVENTS + 10; i++) {
      await s2.write({ event: "a", data: JSON.stringify({ t: "sk-ant" }) });
    }
    expect(events2.length).toBeGreaterThanOrEqual(10);
  });

  it("follows the secret set as it grows, also for a tail already held", async () => {
    const { sink, events } = collector();
    const set = new SecretSet([CANARY]);
    const s = createRedactingSink(sink, createRedactor(set));
    await s.write(deltas("first ghp_abcdef", 100)[0]!);
    expect(events).toHaveLength(1); // not the start of any secret known yet: passed on at once
    await s.write(deltas("second sk-ant", 100)[0]!); // may start the canary: held
    expect(events).toHaveLength(1);
    set.add("sk-ant-other-key-1234");
    await s.write(deltas("-other-key-1234 end", 100)[0]!);
    await s.close();
    expect(textOf(events)).toBe(`first ghp_abcdefsecond ${REDACTED} end`);
  });

  it("waits for a sink's pending write before giving it the next event", async () => {
    const seen: string[] = [];
    let busy = false;
    const slow: SinkV1 = {
      specificationVersion: "sink-v1",
      id: "slow",
      async write(e) {
        expect(busy).toBe(false);
        busy = true;
        await new Promise((r) => setTimeout(r, 2));
        seen.push(e.data);
        busy = false;
      },
      async close() {},
    };
    const s = createRedactingSink(slow, createRedactor([CANARY]));
    await s.write(deltas("a sk-ant", 100)[0]!);
    await s.write(deltas("-api03-canary-Qm7xZ2pL9vK4 b", 100)[0]!);
    await s.write({ event: "x", data: "1" });
    await s.close();
    expect(seen).toHaveLength(3);
    expect(seen.join("")).not.toContain("sk-ant");
  });
});

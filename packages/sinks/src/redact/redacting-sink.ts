import type { SinkEvent, SinkV1 } from "@kiwi/spec";
import { REDACTED, type Redactor, type SecretMatcher } from "./create-redactor";

/** Events held back at most; past it the oldest is let go (a secret split wider than this is missed). */
export const MAX_HELD_EVENTS = 1024;
/** A text lane with nothing new for this many events is closed: its held tail is final. */
export const MAX_LANE_GAP_EVENTS = 64;

/** A part of a leaf to replace: `[start, end)` in the leaf's own text; `mark` puts `[REDACTED]` there. */
interface Cut {
  readonly start: number;
  readonly end: number;
  readonly mark: boolean;
}

/** One string of an event (a JSON string value, or the whole data when it is not JSON). */
interface Leaf {
  readonly held: Held;
  readonly key: string;
  readonly text: string;
  readonly set: (value: string) => void;
  /** `[start, end)` in its lane's running text. */
  start: number;
  end: number;
  readonly cuts: Cut[];
}

interface Held {
  readonly event: SinkEvent;
  /** The parsed data (JSON) or the data string itself. */
  root: unknown;
  readonly json: boolean;
  readonly leaves: Leaf[];
  /** Leaves still inside a lane's window. */
  open: number;
  dirty: boolean;
}

/**
 * The strings found at one place of a stream's events (`delta.text` of `content_block_delta`, the data of
 * `stdout` lines): read as one running text, so a secret split over several events is still found.
 */
interface Lane {
  state: number;
  pos: number;
  /** The leaves that hold the last `depth(state)` characters. */
  readonly window: Leaf[];
  lastSeen: number;
}

function parseData(data: string): { json: boolean; root: unknown } {
  const first = data.trimStart()[0];
  if (first === "{" || first === "[" || first === '"') {
    try {
      return { json: true, root: JSON.parse(data) };
    } catch {
      // not JSON after all: the whole data is one text
    }
  }
  return { json: false, root: data };
}

function render(leaf: Leaf): string {
  const cuts = [...leaf.cuts].sort((a, b) => a.start - b.start || b.end - a.end);
  let out = "";
  let at = 0;
  for (let i = 0; i < cuts.length; ) {
    const first = cuts[i]!;
    let end = first.end;
    for (i += 1; i < cuts.length && cuts[i]!.start < end; i++) end = Math.max(end, cuts[i]!.end);
    out += leaf.text.slice(at, first.start) + (first.mark ? REDACTED : "");
    at = end;
  }
  return out + leaf.text.slice(at);
}

/**
 * Wraps a sink so that every event it receives has the redactor's secrets replaced by `[REDACTED]`, in
 * every form the redactor knows, also when a secret arrives split over several events. Each string of
 * an event's data (each JSON string value, or the data when it is not JSON) joins a *lane* — the strings
 * at the same JSON path of the same event name — read as one running text. An event is passed on once
 * none of its strings could still be the start of a secret; it is held back meanwhile, so a split secret
 * is replaced in the first event (`[REDACTED]`) and removed from the others. A lane without news for
 * {@link MAX_LANE_GAP_EVENTS} events, `flush()` and `close()` release what is held; at most
 * {@link MAX_HELD_EVENTS} events are held. An event that needed no change is passed on as it was; a
 * changed JSON event is serialised again. Object keys and `id` are redacted too (not across events).
 */
export function createRedactingSink(sink: SinkV1, redactor: Redactor): SinkV1 {
  const queue: Held[] = [];
  const lanes = new Map<string, Lane>();
  let matcher: SecretMatcher | undefined;
  let seq = 0;

  function cut(window: readonly Leaf[], start: number, end: number): void {
    for (const leaf of window) {
      if (leaf.end <= start || leaf.start >= end) continue;
      leaf.cuts.push({
        start: Math.max(start, leaf.start) - leaf.start,
        end: Math.min(end, leaf.end) - leaf.start,
        mark: start >= leaf.start,
      });
      leaf.held.dirty = true;
    }
  }

  /** Reads `from` of the lane's window from state 0 (after the set grew) or a new leaf from the lane's state. */
  function scan(lane: Lane, leaves: readonly Leaf[], state: number, m: SecretMatcher): number {
    const a = m.automaton;
    let s = state;
    for (const leaf of leaves) {
      for (let i = 0; i < leaf.text.length; i++) {
        s = a.step(s, leaf.text.charCodeAt(i));
        const length = a.longest(s);
        if (length > 0) cut(lane.window, leaf.start + i + 1 - length, leaf.start + i + 1);
      }
    }
    return s;
  }

  function settle(lane: Lane, keep: number): void {
    while (lane.window.length > 0 && lane.window[0]!.end <= lane.pos - keep) {
      lane.window.shift()!.held.open -= 1;
    }
  }

  function closeLane(key: string, lane: Lane): void {
    settle(lane, 0);
    lanes.delete(key);
  }

  function feed(leaf: Leaf, m: SecretMatcher): void {
    let lane = lanes.get(leaf.key);
    if (!lane) {
      lane = { state: 0, pos: 0, window: [], lastSeen: seq };
      lanes.set(leaf.key, lane);
    }
    lane.lastSeen = seq;
    leaf.start = lane.pos;
    leaf.end = lane.pos + leaf.text.length;
    lane.window.push(leaf);
    leaf.held.open += 1;
    lane.state = scan(lane, [leaf], lane.state, m);
    lane.pos = leaf.end;
    settle(lane, m.automaton.depth(lane.state));
    if (lane.window.length === 0) lanes.delete(leaf.key);
  }

  /** The set grew: the held tails are read again with the new forms. */
  function rescan(m: SecretMatcher): void {
    for (const lane of lanes.values()) {
      lane.state = scan(lane, lane.window, 0, m);
      settle(lane, m.automaton.depth(lane.state));
    }
    for (const [key, lane] of lanes) if (lane.window.length === 0) lanes.delete(key);
  }

  function collect(held: Held, m: SecretMatcher, keysToo: boolean): void {
    const name = held.event.event;
    const walk = (value: unknown, path: string, set: (v: string) => void): void => {
      if (typeof value === "string") {
        held.leaves.push({ held, key: `${name}\u0000${path}`, text: value, set, start: 0, end: 0, cuts: [] });
        return;
      }
      if (typeof value !== "object" || value === null) return;
      if (Array.isArray(value)) {
        value.forEach((v, i) => {
          walk(v, `${path}[${i}]`, (s) => {
            value[i] = s;
          });
        });
        return;
      }
      const record = value as Record<string, unknown>;
      if (keysToo && renameKeys(record, m)) held.dirty = true;
      for (const k of Object.keys(record)) {
        walk(record[k], `${path}.${k}`, (s) => {
          record[k] = s;
        });
      }
    };
    walk(held.root, "", (s) => {
      held.root = s;
    });
  }

  /** Replaces secrets in an object's keys, keeping their order. True when one changed. */
  function renameKeys(record: Record<string, unknown>, m: SecretMatcher): boolean {
    const entries = Object.entries(record);
    if (!entries.some(([k]) => m.test(k))) return false;
    for (const [k] of entries) delete record[k];
    for (const [k, v] of entries) record[m.redact(k)] = v;
    return true;
  }

  function release(held: Held): SinkEvent {
    const m = matcher!;
    let { event } = held;
    if (event.id !== undefined && m.test(event.id)) event = { ...event, id: m.redact(event.id) };
    if (!held.dirty) return event;
    for (const leaf of held.leaves) if (leaf.cuts.length > 0) leaf.set(render(leaf));
    const data = held.json ? JSON.stringify(held.root) : (held.root as string);
    return { ...event, data };
  }

  function ready(): SinkEvent[] {
    const out: SinkEvent[] = [];
    while (queue.length > 0 && queue[0]!.open === 0) out.push(release(queue.shift()!));
    return out;
  }

  function forward(events: readonly SinkEvent[], from = 0): void | Promise<void> {
    for (let i = from; i < events.length; i++) {
      const result = sink.write(events[i]!);
      if (result && typeof (result as Promise<void>).then === "function")
        return (result as Promise<void>).then(() => forward(events, i + 1));
    }
  }

  function releaseAll(): SinkEvent[] {
    for (const [key, lane] of lanes) closeLane(key, lane);
    return ready();
  }

  return {
    ...sink,
    specificationVersion: "sink-v1",
    id: sink.id,
    write(event: SinkEvent) {
      const m = redactor.matcher();
      if (matcher && m !== matcher) rescan(m);
      matcher = m;
      // No secrets and nothing held: nothing to look at.
      if (m.forms.length === 0 && queue.length === 0) return sink.write(event);
      seq += 1;
      const { json, root } = parseData(event.data);
      const held: Held = { event, root, json, leaves: [], open: 0, dirty: false };
      collect(held, m, json && m.test(event.data));
      queue.push(held);
      for (const leaf of held.leaves) feed(leaf, m);
      for (const [key, lane] of lanes) if (seq - lane.lastSeen > MAX_LANE_GAP_EVENTS) closeLane(key, lane);
      while (queue.length > MAX_HELD_EVENTS) {
        for (const leaf of queue[0]!.leaves) {
          const lane = lanes.get(leaf.key);
          if (lane?.window.includes(leaf)) closeLane(leaf.key, lane);
        }
        if (queue[0]!.open > 0) break; // cannot happen: every leaf of it was in a closed lane
      }
      return forward(ready());
    },
    async flush() {
      await forward(releaseAll());
      await sink.flush?.();
    },
    async close() {
      try {
        await forward(releaseAll());
      } finally {
        await sink.close();
      }
    },
  };
}

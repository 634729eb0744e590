import type { SinkEvent, SinkV1 } from "@kiwi/spec";
import { REDACTED, type Redactor, type SecretMatcher } from "./create-redactor";
import { hashText, JsonTokens, scanJson, TOKEN_ESCAPED, TOKEN_KEY, TOKEN_LITERAL } from "./scan-json";
import type { SecretAutomaton } from "./secret-automaton";

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

/** A string of an event that may hold (part of) a secret: a JSON string value, or the whole plain data. */
interface Leaf {
  readonly held: Held;
  /** What it replaces in the data: the string with its quotes (JSON), or all of it (plain text). */
  readonly rawStart: number;
  readonly rawEnd: number;
  readonly json: boolean;
  /** Its text (decoded, for a JSON string). */
  readonly text: string;
  /** `[start, end)` in its lane's running text. */
  start: number;
  end: number;
  readonly cuts: Cut[];
}

/** A key or literal to replace in the data (`[start, end)` by `text`). */
interface Splice {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

interface Held {
  readonly event: SinkEvent;
  readonly leaves: Leaf[];
  readonly splices: Splice[];
  /** Leaves still inside a lane's window: the event waits until none is. */
  open: number;
}

/**
 * The strings found at one place of a stream's events (`delta.text` of `content_block_delta`, the data of
 * `stdout` lines), read as one running text, so a secret split over several events is still found.
 */
interface Lane {
  state: number;
  pos: number;
  /** The leaves that hold the last `depth(state)` characters. */
  readonly window: Leaf[];
  lastSeen: number;
}

const PLAIN_LANE = 0x5bd1e995;
const NONE: readonly SinkEvent[] = [];

function looksLikeJson(data: string): boolean {
  for (let i = 0; i < data.length; i++) {
    const c = data.charCodeAt(i);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
    return c === 0x7b || c === 0x5b || c === 0x22;
  }
  return false;
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

/** The text of a JSON string's escaped contents; the contents as they are when they do not decode. */
function decoded(raw: string): string {
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return raw;
  }
}

/** Whether a form ends anywhere in `data[start, end)`, read on its own. */
function holdsForm(a: SecretAutomaton, data: string, start: number, end: number): boolean {
  let s = 0;
  for (let i = start; i < end; i++) {
    s = a.step(s, data.charCodeAt(i));
    if (a.longest(s) > 0) return true;
  }
  return false;
}

/**
 * Wraps a sink so that every event it receives has the redactor's secrets replaced by `[REDACTED]`, in
 * every form the redactor knows, also when a secret arrives split over several events. Each string of
 * an event's data (each JSON string value, or the data when it is not JSON) belongs to a *lane* — the
 * strings at the same JSON path of the same event name — read as one running text by the redactor's
 * automaton. An event is passed on once none of its strings could still be the start of a secret, and
 * held back until then, so a split secret becomes `[REDACTED]` in the event where it starts and is removed
 * from the others. A lane without news for {@link MAX_LANE_GAP_EVENTS} events, `flush()` and `close()`
 * release what is held; at most {@link MAX_HELD_EVENTS} events are held. An event that needed no change
 * is passed on as it was; a changed one has only the changed strings re-encoded. Object keys, numbers
 * and the SSE `id` are redacted too (within one event).
 */
export function createRedactingSink(sink: SinkV1, redactor: Redactor): SinkV1 {
  const queue: Held[] = [];
  const lanes = new Map<number, Lane>();
  const names = new Map<string, number>();
  const tokens = new JsonTokens();
  const matches: number[] = [];
  let matcher: SecretMatcher | undefined;
  let seq = 0;
  /** The event being read, once it has something to remember. */
  let current: Held | undefined;

  function cut(window: readonly Leaf[], start: number, end: number): void {
    for (const leaf of window) {
      if (leaf.end <= start || leaf.start >= end) continue;
      leaf.cuts.push({
        start: Math.max(start, leaf.start) - leaf.start,
        end: Math.min(end, leaf.end) - leaf.start,
        mark: start >= leaf.start,
      });
    }
  }

  function settle(lane: Lane, keep: number): void {
    while (lane.window.length > 0 && lane.window[0]!.end <= lane.pos - keep) {
      lane.window.shift()!.held.open -= 1;
    }
  }

  function closeLane(key: number, lane: Lane): void {
    lane.pos = Number.POSITIVE_INFINITY;
    settle(lane, 0);
    lanes.delete(key);
  }

  /** The set grew: the held tails are read again with the new forms. */
  function rescan(a: SecretAutomaton): void {
    for (const [key, lane] of lanes) {
      let s = 0;
      for (const leaf of lane.window) {
        for (let i = 0; i < leaf.text.length; i++) {
          s = a.step(s, leaf.text.charCodeAt(i));
          const length = a.longest(s);
          if (length > 0) cut(lane.window, leaf.start + i + 1 - length, leaf.start + i + 1);
        }
      }
      lane.state = s;
      settle(lane, a.depth(s));
      if (lane.window.length === 0) lanes.delete(key);
    }
  }

  /**
   * Reads one string into its lane. Only a string that holds a match, or leaves a tail that may start a
   * secret, is remembered (and holds its event back); anything else costs the automaton steps alone.
   */
  function feed(
    a: SecretAutomaton,
    event: SinkEvent,
    key: number,
    start: number,
    end: number,
    escaped: boolean,
    plain: boolean,
  ): void {
    const { data } = event;
    const lane = lanes.size > 0 ? lanes.get(key) : undefined;
    const text = escaped ? decoded(data.slice(start, end)) : undefined;
    let s = lane ? lane.state : 0;
    let found = 0;
    const source = text ?? data;
    const from = text === undefined ? start : 0;
    const to = text === undefined ? end : text.length;
    for (let i = from; i < to; i++) {
      s = a.step(s, source.charCodeAt(i));
      const length = a.longest(s);
      if (length > 0) {
        matches[found++] = i - from;
        matches[found++] = length;
      }
    }
    if (found === 0 && a.depth(s) === 0) {
      if (lane) closeLane(key, lane);
      return;
    }
    current ??= { event, leaves: [], splices: [], open: 0 };
    const owner = current;
    const leaf: Leaf = {
      held: owner,
      rawStart: plain ? 0 : start - 1,
      rawEnd: plain ? data.length : end + 1,
      json: !plain,
      text: text ?? data.slice(start, end),
      start: 0,
      end: 0,
      cuts: [],
    };
    owner.leaves.push(leaf);
    let into = lane;
    if (!into) {
      into = { state: 0, pos: 0, window: [], lastSeen: seq };
      lanes.set(key, into);
    }
    into.lastSeen = seq;
    leaf.start = into.pos;
    leaf.end = into.pos + leaf.text.length;
    into.window.push(leaf);
    owner.open += 1;
    for (let m = 0; m < found; m += 2) {
      const endAt = leaf.start + matches[m]! + 1;
      cut(into.window, endAt - matches[m + 1]!, endAt);
    }
    into.state = s;
    into.pos = leaf.end;
    settle(into, a.depth(s));
    if (into.window.length === 0) lanes.delete(key);
  }

  function nameHash(name: string): number {
    let h = names.get(name);
    if (h === undefined) {
      h = hashText(name);
      if (names.size < 256) names.set(name, h);
    }
    return h;
  }

  /** Finds what an event holds; returns it as held (or undefined when it needs nothing). */
  function take(event: SinkEvent, m: SecretMatcher): Held | undefined {
    const a = m.automaton;
    const { data } = event;
    current = undefined;
    const root = nameHash(event.event);
    if (looksLikeJson(data) && scanJson(data, root, tokens)) {
      for (let t = 0; t < tokens.count; t++) {
        const start = tokens.starts[t]!;
        const end = tokens.ends[t]!;
        const flags = tokens.flags[t]!;
        if (flags & (TOKEN_KEY | TOKEN_LITERAL)) {
          if (!holdsForm(a, data, start, end)) continue;
          const quoted = (flags & TOKEN_KEY) !== 0;
          const text = quoted ? decoded(data.slice(start, end)) : data.slice(start, end);
          current ??= { event, leaves: [], splices: [], open: 0 };
          current.splices.push({
            start: quoted ? start - 1 : start,
            end: quoted ? end + 1 : end,
            text: JSON.stringify(m.redact(text)),
          });
        } else {
          const escaped = (flags & TOKEN_ESCAPED) !== 0;
          feed(a, event, tokens.paths[t]!, start, end, escaped, false);
        }
      }
    } else {
      feed(a, event, (root ^ PLAIN_LANE) >>> 0, 0, data.length, false, true);
    }
    const held = current;
    current = undefined;
    return held;
  }

  function release(held: Held): SinkEvent {
    const m = matcher!;
    let { event } = held;
    if (event.id !== undefined && m.test(event.id)) event = { ...event, id: m.redact(event.id) };
    const changes = held.splices.slice();
    for (const leaf of held.leaves) {
      if (leaf.cuts.length === 0) continue;
      const text = render(leaf);
      changes.push({ start: leaf.rawStart, end: leaf.rawEnd, text: leaf.json ? JSON.stringify(text) : text });
    }
    if (changes.length === 0) return event;
    changes.sort((x, y) => x.start - y.start);
    let data = "";
    let at = 0;
    for (const c of changes) {
      data += event.data.slice(at, c.start) + c.text;
      at = c.end;
    }
    return { ...event, data: data + event.data.slice(at) };
  }

  function ready(): readonly SinkEvent[] {
    if (queue.length === 0 || queue[0]!.open > 0) return NONE;
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

  function releaseAll(): readonly SinkEvent[] {
    for (const [key, lane] of lanes) closeLane(key, lane);
    return ready();
  }

  return {
    ...sink,
    specificationVersion: "sink-v1",
    id: sink.id,
    write(event: SinkEvent) {
      const m = redactor.matcher();
      if (matcher && m !== matcher) rescan(m.automaton);
      matcher = m;
      // No secrets and nothing held: nothing to look at.
      if (m.forms.length === 0 && queue.length === 0) return sink.write(event);
      seq += 1;
      const held = take(event, m);
      if (lanes.size > 0) {
        for (const [key, lane] of lanes) if (seq - lane.lastSeen > MAX_LANE_GAP_EVENTS) closeLane(key, lane);
      }
      if (!held) {
        if (queue.length === 0) {
          if (event.id !== undefined && m.test(event.id))
            return sink.write({ ...event, id: m.redact(event.id) });
          return sink.write(event);
        }
        queue.push({ event, leaves: [], splices: [], open: 0 });
      } else queue.push(held);
      if (queue.length > MAX_HELD_EVENTS) {
        // The oldest event is let go: the lanes that hold it are closed (their tails become final).
        for (const leaf of queue[0]!.leaves) {
          for (const [key, lane] of lanes) if (lane.window.includes(leaf)) closeLane(key, lane);
        }
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

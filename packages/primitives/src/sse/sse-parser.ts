import type { SinkEvent } from "@kiwi/spec";
import { COLON, fieldValue, isDataField, isEventField, LF, tooBig } from "./sse-fields";
import { utf8Length } from "./utf8-length";

export interface SseParserOptions {
  /** Receives each complete event, synchronously and in stream order. */
  onEvent: (event: SinkEvent) => void;
  /** Longest accepted line, in UTF-8 bytes (default 1 MiB). */
  maxLineBytes?: number;
  /** Largest accepted event `data`, in UTF-8 bytes (default 4 MiB). */
  maxEventBytes?: number;
}

export interface SseParser {
  /** Parses the next bytes. Throws KiwiError STREAM_LINE_TOO_LONG or STREAM_EVENT_TOO_LARGE. */
  feed(chunk: Uint8Array): void;
  /** Ends the stream. True when an incomplete line or event had to be discarded (cut mid-event). */
  end(): boolean;
}

/**
 * A WHATWG event-stream parser (html.spec.whatwg.org, "event stream interpretation") with line and
 * event size bounds. Lines end in CRLF, CR or LF (a CR ending one chunk and an LF starting the next are
 * one line end), one leading BOM is dropped (TextDecoder), chunks may split anywhere, including inside a
 * UTF-8 sequence. `id` is reported on the event that carried it (an `id` containing NUL is ignored);
 * `retry` and unknown fields are ignored; an incomplete event at the end is discarded.
 */
export function createSseParser(options: SseParserOptions): SseParser {
  const { onEvent } = options;
  const maxLine = options.maxLineBytes ?? 1024 * 1024;
  const maxEvent = options.maxEventBytes ?? 4 * 1024 * 1024;
  const decoder = new TextDecoder();
  const fragments: string[] = []; // the incomplete last line, never containing CR or LF
  let fragmentBytes = 0;
  let skipLF = false;
  let data = "";
  let dataLines = 0;
  let dataBytes = -1; // exact UTF-8 size, tracked only once the event is large enough to matter
  let eventType: string | undefined;
  let id: string | undefined;

  const reset = () => {
    data = "";
    dataLines = 0;
    dataBytes = -1;
    eventType = undefined;
    id = undefined;
  };

  const dispatch = () => {
    if (dataLines === 0) return reset();
    const event =
      id === undefined
        ? { event: eventType || "message", data }
        : { event: eventType || "message", data, id };
    reset();
    onEvent(event);
  };

  const appendData = (value: string) => {
    data = dataLines === 0 ? value : `${data}\n${value}`;
    dataLines++;
    if (dataBytes >= 0) dataBytes += utf8Length(value) + 1;
    else if (data.length * 3 > maxEvent) dataBytes = utf8Length(data);
    if (dataBytes > maxEvent)
      throw tooBig("STREAM_EVENT_TOO_LARGE", "event data", maxEvent, "max_event_bytes");
  };

  const field = (name: string, value: string) => {
    if (name === "data") appendData(value);
    else if (name === "event") eventType = value;
    else if (name === "id") {
      if (!value.includes("\0")) id = value;
    }
  };

  const line = (s: string, start: number, end: number) => {
    if (start === end) return dispatch();
    if ((end - start) * 3 > maxLine && utf8Length(s, start, end) > maxLine) {
      throw tooBig("STREAM_LINE_TOO_LONG", "line", maxLine, "max_line_bytes");
    }
    const c = s.charCodeAt(start);
    if (c === COLON) return; // comment
    // `data:` and `event:` are nearly every line: recognise them without slicing a field name.
    if (c === 100 && isDataField(s, start)) return appendData(fieldValue(s, start + 5, end));
    if (c === 101 && isEventField(s, start)) {
      eventType = fieldValue(s, start + 6, end);
      return;
    }
    let colon = start;
    while (colon < end && s.charCodeAt(colon) !== COLON) colon++;
    if (colon === end) return field(s.slice(start, end), "");
    field(s.slice(start, colon), fieldValue(s, colon + 1, end));
  };

  const pushFragment = (piece: string) => {
    fragmentBytes += utf8Length(piece);
    fragments.push(piece);
    // A line trickling in byte by byte would pile up tiny strings: fold them every 1024 pieces.
    if (fragments.length >= 1024) fragments.splice(0, fragments.length, fragments.join(""));
    if (fragmentBytes > maxLine) throw tooBig("STREAM_LINE_TOO_LONG", "line", maxLine, "max_line_bytes");
  };

  const feed = (chunk: Uint8Array) => {
    const text = decoder.decode(chunk, { stream: true });
    if (text.length === 0) return;
    let pos = 0;
    if (skipLF) {
      skipLF = false;
      if (text.charCodeAt(0) === LF) pos = 1;
    }
    let lf = text.indexOf("\n", pos);
    let cr = text.indexOf("\r", pos);
    while (lf !== -1 || cr !== -1) {
      let end: number;
      let next: number;
      if (cr === -1 || (lf !== -1 && lf < cr)) {
        end = lf;
        next = lf + 1;
      } else {
        end = cr;
        next = cr + 1;
        if (next === text.length) skipLF = true;
        else if (text.charCodeAt(next) === LF) next++;
      }
      if (fragments.length > 0) {
        fragments.push(text.slice(pos, end));
        const whole = fragments.join("");
        fragments.length = 0;
        fragmentBytes = 0;
        line(whole, 0, whole.length);
      } else line(text, pos, end);
      pos = next;
      if (lf !== -1 && lf < pos) lf = text.indexOf("\n", pos);
      if (cr !== -1 && cr < pos) cr = text.indexOf("\r", pos);
    }
    if (pos < text.length) pushFragment(pos === 0 ? text : text.slice(pos));
  };

  const end = () => {
    const rest = decoder.decode();
    const incomplete =
      rest.length > 0 || fragments.length > 0 || dataLines > 0 || eventType !== undefined || id !== undefined;
    fragments.length = 0;
    fragmentBytes = 0;
    skipLF = false;
    reset();
    return incomplete;
  };

  return { feed, end };
}

import type { FakeScript } from "./script";

/** Which wire format a request was answered in (`unknown` for a path neither API has). */
export type FakeEndpoint = "anthropic" | "openai" | "unknown";

/** One request as the server received it, for assertions on what a harness sent. */
export interface RecordedRequest {
  readonly method: string;
  /** Path without the query string, e.g. `/v1/messages`. */
  readonly path: string;
  /** The query string without `?`, or "" (the Anthropic SDK adds `beta=true` for beta calls). */
  readonly query: string;
  /** Header names lowercased; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  /** The parsed JSON body; `undefined` when the body was empty or not JSON (see `rawBody`). */
  readonly body: unknown;
  readonly rawBody: string;
  readonly endpoint: FakeEndpoint;
  /** Index of the script turn that answered, or null (script exhausted, unknown path, invalid body). */
  turnIndex: number | null;
}

export interface FakeLlmServerOptions {
  readonly script: FakeScript;
  /** Default 0: the system picks a free port. */
  readonly port?: number;
  /** Default 127.0.0.1: loopback only. */
  readonly host?: string;
  /** Called (and awaited) for every request after it is recorded, before it is answered. */
  readonly onRequest?: (request: RecordedRequest) => void | Promise<void>;
}

export interface FakeLlmServer {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  readonly url: string;
  /** For `ANTHROPIC_BASE_URL` / `new Anthropic({baseURL})`: the SDK appends `/v1/messages`. */
  readonly anthropicBaseUrl: string;
  /** For `OPENAI_BASE_URL` / `new OpenAI({baseURL})`: `url + "/v1"`; the SDK appends `/chat/completions`. */
  readonly openaiBaseUrl: string;
  /** Every request so far, in arrival order (live: the same array grows). */
  readonly requests: RecordedRequest[];
  /** Turns not yet consumed. */
  remaining(): number;
  /** Replaces the script and starts again from its first turn. Throws FakeScriptError when invalid. */
  setScript(script: FakeScript): void;
  /** Stops listening and cuts open connections, including streams still being written. */
  close(): Promise<void>;
}

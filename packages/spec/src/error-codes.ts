/**
 * Stable error codes. A code never changes meaning once published; new codes may be added.
 * Plugins may use their own codes (any SCREAMING_SNAKE string), these are the ones Kiwi itself emits.
 * `error-codes.test.ts` scans the packages' and first-party plugins' sources and fails on a code that is
 * emitted but not listed here.
 */
export const ErrorCode = {
  // input and items
  /** A call's input is malformed (a missing field, a wrong type, an out-of-range option). */
  INVALID_INPUT: "INVALID_INPUT",
  /** An item id is not a valid `category/name`. */
  INVALID_ITEM_ID: "INVALID_ITEM_ID",
  /** No item (or thread, transcript, checkpoint) by that id. */
  ITEM_NOT_FOUND: "ITEM_NOT_FOUND",
  /** Creating an item that already exists. */
  ITEM_EXISTS: "ITEM_EXISTS",
  /** A meta-tool or primitive was asked for an action it does not have. */
  UNKNOWN_ACTION: "UNKNOWN_ACTION",
  /** A destructive action needs an explicit `confirm: true`. */
  CONFIRMATION_REQUIRED: "CONFIRMATION_REQUIRED",
  /** The call names a project other than the one this server or runtime serves. */
  PROJECT_MISMATCH: "PROJECT_MISMATCH",
  /** An item, setting or plugin fails validation (the context lists the issues). */
  VALIDATION_FAILED: "VALIDATION_FAILED",
  /** An item's signature or content hash does not verify. */
  INTEGRITY_MISMATCH: "INTEGRITY_MISMATCH",
  /** A signing or verification key is missing, unreadable or malformed. */
  KEY_ERROR: "KEY_ERROR",
  // parsers
  /** The text does not parse (YAML, XML, Markdown front matter). */
  PARSE_ERROR: "PARSE_ERROR",
  /** The text is not valid UTF-8, or starts with a byte-order mark. */
  PARSE_ENCODING: "PARSE_ENCODING",
  /** The text is larger than the parser accepts. */
  PARSE_TOO_LARGE: "PARSE_TOO_LARGE",
  /** The document nests deeper than the parser accepts. */
  PARSE_DEPTH: "PARSE_DEPTH",
  /** YAML aliases expand past the limit (an alias bomb). */
  PARSE_ALIAS_LIMIT: "PARSE_ALIAS_LIMIT",
  /** A construct the hardened parsers refuse (YAML tags, merge keys, …). */
  PARSE_UNSUPPORTED: "PARSE_UNSUPPORTED",
  /** A key such as `__proto__` that could pollute objects. */
  PARSE_RESERVED_KEY: "PARSE_RESERVED_KEY",
  /** The same key twice in one mapping. */
  PARSE_DUPLICATE_KEY: "PARSE_DUPLICATE_KEY",
  /** More than one YAML document in a file that holds one. */
  PARSE_MULTI_DOC: "PARSE_MULTI_DOC",
  /** An XML DOCTYPE (entity expansion is never allowed). */
  PARSE_DOCTYPE_FORBIDDEN: "PARSE_DOCTYPE_FORBIDDEN",
  /** A directive file holds more than one directive block. */
  DIRECTIVE_AMBIGUOUS: "DIRECTIVE_AMBIGUOUS",
  // tool execution
  /** A tool's chain cannot be resolved or prepared (`failed_at` says which link and why). */
  TOOL_CHAIN_FAILED: "TOOL_CHAIN_FAILED",
  /** The tool exists but this runtime cannot run it (no thread runtime, no harness). */
  TOOL_UNAVAILABLE: "TOOL_UNAVAILABLE",
  /** A chain ends in a primitive id no primitive is registered under. */
  PRIMITIVE_NOT_FOUND: "PRIMITIVE_NOT_FOUND",
  /** A primitive ran and failed (a non-zero exit, a failed operation). */
  PRIMITIVE_FAILED: "PRIMITIVE_FAILED",
  /** A call parameter starts with `__` (reserved for the harness's metadata). */
  PARAM_RESERVED: "PARAM_RESERVED",
  /** A parameter the tool does not declare. */
  PARAM_UNKNOWN: "PARAM_UNKNOWN",
  /** A required parameter is missing. */
  PARAM_MISSING: "PARAM_MISSING",
  /** A parameter has the wrong type or value. */
  PARAM_INVALID: "PARAM_INVALID",
  /** A parameter is larger than allowed. */
  PARAM_TOO_LARGE: "PARAM_TOO_LARGE",
  /** A `{name}` in a tool's config names no parameter or input. */
  TEMPLATE_UNKNOWN_VAR: "TEMPLATE_UNKNOWN_VAR",
  /** A templated value cannot be encoded where it goes (a header, a URL part). */
  TEMPLATE_ENCODING: "TEMPLATE_ENCODING",
  /** A `{name}` placeholder in the scheme or host of a tool's URL (parameters may fill path and query only). */
  TEMPLATE_HOST_PARAM: "TEMPLATE_HOST_PARAM",
  /** An `${ENV}` secret in a place secrets may not go. */
  SECRET_NOT_ALLOWED: "SECRET_NOT_ALLOWED",
  /**
   * A request's scheme, host or port comes from the project's `.env` (a file a thread or a cloned
   * repository can write) while it carries a value from the person's environment.
   */
  SECRET_HOST_UNTRUSTED: "SECRET_HOST_UNTRUSTED",
  /** A chained tool sets its own `url` while a tool it chains to puts an `${ENV}` secret in the request. */
  SECRET_HOST_MISMATCH: "SECRET_HOST_MISMATCH",
  /** An `${ENV}` variable a tool needs is not set. */
  ENV_MISSING: "ENV_MISSING",
  /** A plugin module cannot be resolved or imported. */
  PLUGIN_LOAD_FAILED: "PLUGIN_LOAD_FAILED",
  /** A plugin's export or settings have the wrong shape. */
  PLUGIN_INVALID: "PLUGIN_INVALID",
  /** An operation ran past its time limit. */
  TIMEOUT: "TIMEOUT",
  /** The caller cancelled (an AbortSignal, a killed thread). */
  ABORTED: "ABORTED",
  // capabilities
  /** The caller's token does not grant what the call needs. */
  CAPABILITY_DENIED: "CAPABILITY_DENIED",
  /** A capability token is missing, malformed or does not verify. */
  TOKEN_INVALID: "TOKEN_INVALID",
  /** A capability token has expired. */
  TOKEN_EXPIRED: "TOKEN_EXPIRED",
  /** A path resolves outside the project root. */
  PATH_OUTSIDE_PROJECT: "PATH_OUTSIDE_PROJECT",
  /** A path names a protected file or folder (`.ai/`, `.git/`, the project root itself). */
  PATH_PROTECTED: "PATH_PROTECTED",
  /** A path is malformed (control characters, look-alikes, too long) or has the wrong kind. */
  PATH_INVALID: "PATH_INVALID",
  /** A path names a FIFO, socket or device instead of a regular file or folder. */
  PATH_SPECIAL_FILE: "PATH_SPECIAL_FILE",
  /** A path does not exist. */
  PATH_NOT_FOUND: "PATH_NOT_FOUND",
  /** A file is larger than the operation reads. */
  FILE_TOO_LARGE: "FILE_TOO_LARGE",
  /** A scope pattern uses syntax Kiwi does not support. */
  PATTERN_UNSUPPORTED: "PATTERN_UNSUPPORTED",
  /** A scope pattern climbs out of its root (`..`). */
  PATTERN_ESCAPES_ROOT: "PATTERN_ESCAPES_ROOT",
  /** An absolute scope pattern where only relative ones are allowed. */
  PATTERN_ABSOLUTE_DENIED: "PATTERN_ABSOLUTE_DENIED",
  /** A scope pattern is longer than allowed. */
  PATTERN_TOO_LONG: "PATTERN_TOO_LONG",
  /** A non-core directive grants a system-only capability. */
  DIRECTIVE_SYSTEM_CAP: "DIRECTIVE_SYSTEM_CAP",
  /** A permission names a capability no capability set defines. */
  CAPABILITY_UNKNOWN: "CAPABILITY_UNKNOWN",
  // primitives and sinks
  /** The command a subprocess tool runs is not on the PATH. */
  COMMAND_NOT_FOUND: "COMMAND_NOT_FOUND",
  /** A JSON-RPC error response from a peer, or a JSON-RPC protocol violation. */
  JSONRPC_ERROR: "JSONRPC_ERROR",
  /** A paginated JSON-RPC list (MCP `tools/list`) went past its page or entry cap, or repeated a cursor. */
  RPC_PAGE_LIMIT: "RPC_PAGE_LIMIT",
  /** A sink's destination cannot be opened. */
  SINK_OPEN_FAILED: "SINK_OPEN_FAILED",
  /** A sink failed to write an event. */
  SINK_WRITE_FAILED: "SINK_WRITE_FAILED",
  /** A write to a sink that is already closed. */
  SINK_CLOSED: "SINK_CLOSED",
  /** A sink closed before every event was delivered. */
  SINK_FLUSH_INCOMPLETE: "SINK_FLUSH_INCOMPLETE",
  // HTTP
  /** The server answered outside 2xx (`status` in the context; 408, 425, 429 and 5xx are retryable). */
  HTTP_ERROR: "HTTP_ERROR",
  /** A redirect was refused: any 3xx of a secret-bearing request, a cross-origin one, or too many. */
  HTTP_REDIRECT_BLOCKED: "HTTP_REDIRECT_BLOCKED",
  /** A response body is larger than `max_response_bytes`. */
  RESPONSE_TOO_LARGE: "RESPONSE_TOO_LARGE",
  /** Nothing reached the server: connection refused, DNS failure, unreachable host. */
  CONNECTION_FAILED: "CONNECTION_FAILED",
  /** The connection broke after it was open. */
  CONNECTION_RESET: "CONNECTION_RESET",
  /** A TLS or certificate failure (not retried). */
  TLS_ERROR: "TLS_ERROR",
  // streams, threads, budgets, MCP
  /** A stream stopped before its natural end after events reached the sinks (`reason` says why). */
  STREAM_INCOMPLETE: "STREAM_INCOMPLETE",
  /** A streaming response is not `text/event-stream`. */
  STREAM_BAD_CONTENT_TYPE: "STREAM_BAD_CONTENT_TYPE",
  /** More stream events than `stream.max_buffer_size` for the return destination. */
  STREAM_BUFFER_FULL: "STREAM_BUFFER_FULL",
  /** One SSE event is larger than `stream.max_event_bytes`. */
  STREAM_EVENT_TOO_LARGE: "STREAM_EVENT_TOO_LARGE",
  /** One SSE line is longer than `stream.max_line_bytes`. */
  STREAM_LINE_TOO_LONG: "STREAM_LINE_TOO_LONG",
  /** A stream sent more than `stream.max_total_bytes` after decompression. */
  STREAM_TOO_LARGE: "STREAM_TOO_LARGE",
  /** No stream event arrived within `idle_timeout_ms`. */
  STREAM_IDLE_TIMEOUT: "STREAM_IDLE_TIMEOUT",
  /** A stream ran past `total_timeout_ms`. */
  STREAM_TOTAL_TIMEOUT: "STREAM_TOTAL_TIMEOUT",
  /** The model provider reported an error inside its reply stream. */
  MODEL_ERROR: "MODEL_ERROR",
  /** A model called a tool the harness does not offer. */
  UNKNOWN_TOOL: "UNKNOWN_TOOL",
  /** A thread id is already registered. */
  THREAD_ID_COLLISION: "THREAD_ID_COLLISION",
  /** A thread id is not `[A-Za-z0-9_-]{1,128}`. */
  INVALID_THREAD_ID: "INVALID_THREAD_ID",
  /** The thread already ended; the action applies to running threads only. */
  THREAD_FINISHED: "THREAD_FINISHED",
  /** The thread is not running (reserved). */
  THREAD_NOT_RUNNING: "THREAD_NOT_RUNNING",
  /** A control queued for a thread another process runs was not taken (or reported on) in time: it was withdrawn. */
  CONTROL_TIMEOUT: "CONTROL_TIMEOUT",
  /** The thread registry cannot be opened, read or written (busy, closed, not a database). */
  REGISTRY_UNAVAILABLE: "REGISTRY_UNAVAILABLE",
  /** The thread registry was written by a newer Kiwi (a newer schema version). */
  REGISTRY_VERSION: "REGISTRY_VERSION",
  /** A thread's step journal cannot be read: a row is not valid JSON or not a step. Nothing is rewritten; the thread is not resumed. */
  JOURNAL_CORRUPT: "JOURNAL_CORRUPT",
  /** A thread's step journal was written in a newer journal format than this Kiwi reads: upgrade Kiwi to resume it. */
  JOURNAL_VERSION: "JOURNAL_VERSION",
  /** Replaying a thread asked for a step other than the one recorded (an edited directive, a changed tool): the thread is not resumed. */
  JOURNAL_DIVERGED: "JOURNAL_DIVERGED",
  /** The thread is owned by another live process (or another resume won the race): only its owner runs it. */
  THREAD_OWNED: "THREAD_OWNED",
  /** A write made under a thread's lease after another owner took the lease over (its fencing token is stale): refused, nothing written; the stale owner must stop. */
  LEASE_LOST: "LEASE_LOST",
  /** A second thread engine (DBOS, one per process) was asked for with other settings in the same process: run it in another process. */
  THREAD_ENGINE_CONFLICT: "THREAD_ENGINE_CONFLICT",
  /** A thread was submitted to a PostgreSQL store on which no `kiwi worker` has started yet (the engine's tables are missing): start a worker, then submit; nothing was registered. */
  THREAD_ENGINE_NOT_READY: "THREAD_ENGINE_NOT_READY",
  /** A queued child thread's grant (its parent's grants, signed for it by the parent's worker) does not verify: forged, altered, for another thread, signed by a key this worker does not trust (`kiwi trust`), or missing. The child fails; nothing runs. */
  THREAD_GRANT_INVALID: "THREAD_GRANT_INVALID",
  /** An interrupted tool call must be reconciled by a person first (`kiwi threads resume <id> --rerun` or `--skip`). */
  NEEDS_RECONCILIATION: "NEEDS_RECONCILIATION",
  /** The result a tool call gets when a person chose not to run an interrupted call again (`--skip`). */
  STEP_SKIPPED: "STEP_SKIPPED",
  /** A complete transcript line is not a valid event. */
  TRANSCRIPT_CORRUPT: "TRANSCRIPT_CORRUPT",
  /** A transcript cannot be opened or written (a symlink, not a regular file, permissions, closed). */
  TRANSCRIPT_UNAVAILABLE: "TRANSCRIPT_UNAVAILABLE",
  /** The code of the transcript warning written after a line a crash left torn. */
  TRANSCRIPT_TORN_LINE: "TRANSCRIPT_TORN_LINE",
  /** A cost or token budget is used up. */
  BUDGET_EXCEEDED: "BUDGET_EXCEEDED",
  /** The context budget ended the thread: a model call made after that is refused. */
  CONTEXT_EXCEEDED: "CONTEXT_EXCEEDED",
  /**
   * A directive with `max_cost_usd` (or spawned under a thread whose tree has one) would run on a model
   * without pricing data, so its USD budget could not be enforced: refused at spawn unless the person
   * allows it (`kiwi thread run --allow-unpriced`, `createThreadRuntime({allowUnpriced: true})`).
   */
  MODEL_UNPRICED: "MODEL_UNPRICED",
  /** An MCP server cannot be started or connected to. */
  MCP_CONNECTION_FAILED: "MCP_CONNECTION_FAILED",
  /** `mcp_connect` names a server no person approved: no configuration signed with the user's key (`kiwi connect` writes one). */
  MCP_SERVER_NOT_APPROVED: "MCP_SERVER_NOT_APPROVED",
  /** A remote tool's definition differs from the one a person approved: it stays disabled until `kiwi connect … --approve`. */
  MCP_TOOLS_CHANGED: "MCP_TOOLS_CHANGED",
  /** A remote tool in `tools/list` is malformed (no usable name, a description or input schema of the wrong type): skipped and reported. */
  MCP_TOOL_INVALID: "MCP_TOOL_INVALID",
  /** A remote tool's generated id is already another item's (another server's tool, a local tool): it is skipped, never overwritten. */
  MCP_TOOL_ID_COLLISION: "MCP_TOOL_ID_COLLISION",
  /** An unexpected failure (a bug): `toToolFailure` gives it to anything thrown that is not a KiwiError. */
  INTERNAL_ERROR: "INTERNAL_ERROR",
} as const;

export type KnownErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
/** A known code, or a plugin's own SCREAMING_SNAKE code. */
export type KiwiErrorCode = KnownErrorCode | (string & {});

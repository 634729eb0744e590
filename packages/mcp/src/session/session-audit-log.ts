import { closeSync, writeSync } from "node:fs";
import { join } from "node:path";
import { ensureDirInRootSync, openAppendSync } from "@kiwi/sandbox";

/** Format version of session audit logs: the envelope (`v`, `ts`, `seq`, `type`) is the transcripts'. */
export const SESSION_LOG_FORMAT_VERSION = 1;

/** Where a session's audit log lives, relative to the project root. */
export const SESSION_LOG_DIR = ".ai/sessions";

/**
 * The audit log of one `kiwi serve --as` session: `.ai/sessions/<session id>.jsonl`, one JSON object per
 * line in the transcripts' envelope — `{"v":1,"ts":…,"seq":n,"type":…}` — with the types
 * `session_started` (directive, jti, grants, dropped), `call` (one per meta-tool call: jti, meta_tool,
 * target, decision allowed | denied | failed, code, required, reason), `grant` (a capability the person
 * allowed during the session, and how) and `session_ended`. The folder is 0700, the file 0600, appended
 * with O_APPEND one line per write; nothing in it is secret, but who did what is the person's business.
 */
export class SessionAuditLog {
  readonly path: string;
  readonly #fd: number;
  readonly #now: () => Date;
  readonly #redact: (line: string) => string;
  #seq = 0;
  #closed = false;

  private constructor(path: string, fd: number, now: () => Date, redact: (line: string) => string) {
    this.path = path;
    this.#fd = fd;
    this.#now = now;
    this.#redact = redact;
  }

  /**
   * `redact` is applied to every line before it is written (the kernel's secret set: a denial's message
   * or a target may quote a value that fed a template).
   */
  static open(
    projectRoot: string,
    sessionId: string,
    options: { now?: () => Date; redact?: (line: string) => string } = {},
  ): SessionAuditLog {
    // The server writes its own record: .ai/sessions is protected like .ai/threads (registry.write), which
    // no session token ever holds.
    const { abs } = ensureDirInRootSync({
      root: projectRoot,
      rel: SESSION_LOG_DIR,
      mode: 0o700,
      systemCaps: ["registry.write"],
    });
    const file = join(abs, `${sessionId}.jsonl`);
    const { fd } = openAppendSync(file, { mode: 0o600 });
    return new SessionAuditLog(file, fd, options.now ?? (() => new Date()), options.redact ?? ((l) => l));
  }

  write(type: string, fields: Record<string, unknown>): void {
    if (this.#closed) return;
    const { v: _v, ts: _ts, seq: _seq, type: _type, ...rest } = fields;
    const line = {
      v: SESSION_LOG_FORMAT_VERSION,
      ts: this.#now().toISOString(),
      seq: ++this.#seq,
      type,
      ...rest,
    };
    writeSync(this.#fd, `${this.#redact(JSON.stringify(line))}\n`);
  }

  close(fields: Record<string, unknown> = {}): void {
    if (this.#closed) return;
    this.write("session_ended", fields);
    this.#closed = true;
    closeSync(this.#fd);
  }
}

// The live view of `kiwi thread run`: assistant text, tool calls and their results, a turn counter,
// running tokens and USD against the budget. On a terminal the counters live in one status line redrawn
// in place (plain ANSI); otherwise every turn and cost update is a plain line.
import type { Writable } from "node:stream";
import { callLabel, describeEvent, type EventFields, tokensOf } from "./describe-event";
import { formatDuration, formatInt, formatShort, formatUsd, type Paint, paintFor, stripAnsi } from "./format";
import { inert } from "./inert";

export interface RunDisplayOptions {
  readonly out: Writable;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Redraw a status line in place (default: `out.isTTY`). */
  readonly tty?: boolean;
  /** How often the status line's clock and spinner move (default 120 ms). */
  readonly tickMs?: number;
}

export interface RunStart {
  readonly threadId: string;
  readonly directive: string;
  readonly provider: string;
  readonly model: string;
  /** The budget the thread got (`max_cost_usd`, `max_total_tokens`). */
  readonly budget: Readonly<Record<string, unknown>>;
  readonly maxTurns?: number;
  /** Absolute transcript path. */
  readonly transcript: string;
}

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const CLEAR_LINE = "\r\x1b[2K";

export class RunDisplay {
  readonly #out: Writable;
  readonly #tty: boolean;
  readonly #paint: Paint;
  readonly #tickMs: number;
  #start: RunStart | undefined;
  /** Events that arrived before the root thread's id was known. */
  #early: [string, EventFields][] = [];
  #turn = 0;
  #tokens = 0;
  #usd: number | null = null;
  #status = "spawning";
  #startedAt = performance.now();
  #frame = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  #statusShown = false;
  /** Not a TTY: the turn's running totals, printed once the turn's text and tool calls are out. */
  #pendingCost: string | undefined;
  /** Tool call labels by call id (results name the tool their call ran). */
  readonly #calls = new Map<string, string>();

  constructor(options: RunDisplayOptions) {
    this.#out = options.out;
    this.#tty = options.tty ?? (options.out as { isTTY?: boolean }).isTTY === true;
    this.#paint = paintFor(this.#tty, options.env);
    this.#tickMs = options.tickMs ?? 120;
  }

  get tty(): boolean {
    return this.#tty;
  }

  /** The last turn the root thread started. */
  get turns(): number {
    return this.#turn;
  }

  /** The thread was spawned: prints its header and starts the status line. */
  started(start: RunStart): void {
    this.#start = start;
    this.#startedAt = performance.now();
    const p = this.#paint;
    const limits = [
      typeof start.budget.max_cost_usd === "number" ? formatUsd(start.budget.max_cost_usd) : undefined,
      typeof start.budget.max_total_tokens === "number"
        ? `${formatInt(start.budget.max_total_tokens)} tokens`
        : undefined,
      start.maxTurns !== undefined ? `${start.maxTurns} turns` : undefined,
    ].filter(Boolean);
    this.line(
      `${p.bold(`thread ${inert(start.threadId)}`)} · ${inert(start.directive)} on ${inert(start.provider)} ${inert(start.model)}${limits.length ? ` · budget ${limits.join(", ")}` : ""}`,
    );
    this.line(p.dim(`transcript ${inert(start.transcript)}`));
    if (this.#tty) {
      this.#timer = setInterval(() => {
        this.#frame += 1;
        this.#drawStatus();
      }, this.#tickMs);
      this.#timer.unref?.();
      this.#drawStatus();
    }
    const early = this.#early;
    this.#early = [];
    for (const [id, e] of early) this.event(id, e);
  }

  /** A harness event of any thread of the runtime (the root's, or a child's). */
  event(threadId: string, e: EventFields): void {
    const root = this.#start?.threadId;
    if (root === undefined) {
      this.#early.push([threadId, e]);
      return;
    }
    if (threadId === root) this.#rootEvent(e);
    else this.#childEvent(threadId, e);
    this.#drawStatus();
  }

  #rootEvent(e: EventFields): void {
    const p = this.#paint;
    switch (e.type) {
      case "turn_start":
        this.#flushCost();
        this.#turn = typeof e.turn === "number" ? e.turn : this.#turn + 1;
        this.#status = "running";
        this.line(
          p.bold(
            `── turn ${this.#turn}${this.#start?.maxTurns !== undefined ? `/${this.#start.maxTurns}` : ""}`,
          ),
        );
        return;
      case "assistant_message": {
        const text = typeof e.text === "string" ? e.text.trim() : "";
        if (text) this.line(inert(text));
        return;
      }
      case "user_message":
        // The first message carries the directive's instructions: only supervisor injections are shown.
        if (e.injected) {
          this.#flushCost();
          this.line(describeEvent(e, { paint: p }));
        }
        return;
      case "tool_call":
        this.line(`  ${p.dim("→")} ${callLabel(e, this.#calls)}`);
        return;
      case "tool_result":
        this.line(`  ${describeEvent(e, { paint: p, calls: this.#calls })}`);
        return;
      case "cost_update": {
        this.#tokens = tokensOf(e.usage).total;
        this.#usd = typeof e.usd === "number" ? e.usd : null;
        if (!this.#tty) this.#pendingCost = `  ${p.dim(this.#counters())}`;
        return;
      }
      case "directive_loaded":
      case "token_minted":
      case "completed":
        return;
      case "budget_exceeded":
      case "context_exceeded":
        // Decided on the turn's totals: shown right after them.
        this.#flushCost();
        this.line(`  ${describeEvent(e, { paint: p, short: true })}`);
        return;
      default:
        this.line(`  ${describeEvent(e, { paint: p, short: true })}`);
    }
  }

  #childEvent(threadId: string, e: EventFields): void {
    const shown = ["tool_call", "tool_result", "warning", "budget_exceeded", "context_exceeded", "completed"];
    if (!shown.includes(e.type)) return;
    const text = describeEvent(e, { paint: this.#paint, short: true, calls: this.#calls });
    this.line(`  ${this.#paint.dim(`[${inert(threadId)}]`)} ${text}`);
  }

  /** A registry status change of the root thread (paused, terminating…). */
  status(status: string, reason: string | null): void {
    this.#status = status;
    if (status === "paused" || status === "terminating" || (status === "running" && this.#turn > 0)) {
      const why = reason && reason !== status ? ` (${inert(reason)})` : "";
      if (status !== "terminating") this.#flushCost(); // terminate lands mid-turn; the others between turns
      this.line(`  ${this.#paint.yellow(`status → ${inert(status)}${why}`)}`);
    }
    this.#drawStatus();
  }

  /** A note from the command itself (interrupts). */
  note(text: string): void {
    this.line(this.#paint.yellow(text));
  }

  /** Prints one line (above the status line on a terminal). */
  line(text: string): void {
    if (this.#tty && this.#statusShown) this.#out.write(CLEAR_LINE);
    this.#out.write(`${text}\n`);
    this.#statusShown = false;
    this.#drawStatus();
  }

  #flushCost(): void {
    if (this.#pendingCost === undefined) return;
    const line = this.#pendingCost;
    this.#pendingCost = undefined;
    this.line(line);
  }

  /** Prints the last running totals, stops the status line and clears it. */
  finish(): void {
    this.#flushCost();
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#tty && this.#statusShown) this.#out.write(CLEAR_LINE);
    this.#statusShown = false;
    this.#start = undefined;
  }

  #counters(): string {
    const b = this.#start?.budget ?? {};
    const maxTokens = typeof b.max_total_tokens === "number" ? b.max_total_tokens : undefined;
    const maxUsd = typeof b.max_cost_usd === "number" ? b.max_cost_usd : undefined;
    const tokens = `${formatInt(this.#tokens)}${maxTokens !== undefined ? ` of ${formatInt(maxTokens)}` : ""}`;
    const usd = `${this.#usd === null ? "unpriced" : formatUsd(this.#usd)}${maxUsd !== undefined ? ` of ${formatUsd(maxUsd)}` : ""}`;
    return `tokens ${tokens} · ${usd}`;
  }

  #drawStatus(): void {
    if (!this.#tty || !this.#start) return;
    const b = this.#start.budget;
    const maxTokens = typeof b.max_total_tokens === "number" ? `/${formatShort(b.max_total_tokens)}` : "";
    const maxUsd = typeof b.max_cost_usd === "number" ? `/${formatUsd(b.max_cost_usd)}` : "";
    const turns = this.#start.maxTurns !== undefined ? `/${this.#start.maxTurns}` : "";
    const usd = this.#usd === null ? "unpriced" : formatUsd(this.#usd);
    const text = `${SPINNER[this.#frame % SPINNER.length]} ${this.#status} · turn ${this.#turn}${turns} · ${formatShort(this.#tokens)}${maxTokens} tokens · ${usd}${maxUsd} · ${formatDuration(performance.now() - this.#startedAt)} · Ctrl-C stops`;
    const columns = (this.#out as { columns?: number }).columns ?? 80;
    const plain = stripAnsi(text);
    const fitted = plain.length >= columns ? `${plain.slice(0, Math.max(0, columns - 2))}…` : text;
    this.#out.write(`${CLEAR_LINE}${this.#paint.dim(fitted)}`);
    this.#statusShown = true;
  }
}

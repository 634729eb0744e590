import type { Io } from "../io";

/** Where Ctrl-C comes from: `process` by default; tests pass an EventEmitter and emit "SIGINT". */
export interface InterruptSource {
  on(event: "SIGINT", listener: () => void): unknown;
  off(event: "SIGINT", listener: () => void): unknown;
}

/** The Io of the thread commands: an optional interrupt source besides the streams. */
export interface ThreadIo extends Io {
  readonly interrupts?: InterruptSource;
}

export function interruptsOf(io: Io): InterruptSource {
  return (io as ThreadIo).interrupts ?? process;
}

/** Calls `onInterrupt(n)` for the n-th Ctrl-C until the returned function is called. */
export function onInterrupts(io: Io, onInterrupt: (count: number) => void): () => void {
  const source = interruptsOf(io);
  let count = 0;
  const listener = () => {
    count += 1;
    onInterrupt(count);
  };
  source.on("SIGINT", listener);
  return () => {
    source.off("SIGINT", listener);
  };
}

import { KiwiError } from "@kiwi/spec";
import type { JsonRpcId, JsonRpcResponse } from "./jsonrpc-message";

interface Entry {
  method: string;
  resolve(response: JsonRpcResponse): void;
  reject(error: KiwiError): void;
}

/**
 * The requests waiting for a response, by id. Each one settles exactly once: by its response, its timeout
 * (TIMEOUT, retryable), its caller's signal (ABORTED) or `rejectAll`; its timer and listener go with it.
 */
export class PendingRequests {
  private readonly entries = new Map<JsonRpcId, Entry>();

  /** Registers `id` and returns the promise its response will settle. */
  wait(
    id: JsonRpcId,
    method: string,
    o: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<JsonRpcResponse> {
    return new Promise<JsonRpcResponse>((resolve, reject) => {
      const settle = () => {
        this.entries.delete(id);
        clearTimeout(timer);
        o.signal?.removeEventListener("abort", onAbort);
      };
      const fail = (error: KiwiError) => {
        settle();
        reject(error);
      };
      const timer = setTimeout(() => {
        const message = `JSON-RPC request "${method}" (id ${id}) got no response within ${o.timeoutMs} ms`;
        fail(new KiwiError({ code: "TIMEOUT", message, context: { method, id }, retryable: true }));
      }, o.timeoutMs);
      const onAbort = () => {
        const message = `JSON-RPC request "${method}" (id ${id}) was aborted by the caller`;
        fail(new KiwiError({ code: "ABORTED", message, context: { method, id } }));
      };
      if (o.signal?.aborted) {
        onAbort();
        return;
      }
      o.signal?.addEventListener("abort", onAbort, { once: true });
      const succeed = (response: JsonRpcResponse) => {
        settle();
        resolve(response);
      };
      this.entries.set(id, { method, resolve: succeed, reject: fail });
    });
  }

  /** Delivers a response; false when nobody waits for this id (unknown, or already timed out). */
  resolve(id: JsonRpcId, response: JsonRpcResponse): boolean {
    const entry = this.entries.get(id);
    entry?.resolve(response);
    return entry !== undefined;
  }

  reject(id: JsonRpcId, error: KiwiError): void {
    this.entries.get(id)?.reject(error);
  }

  rejectAll(errorFor: (method: string, id: JsonRpcId) => KiwiError): void {
    for (const [id, entry] of [...this.entries]) entry.reject(errorFor(entry.method, id));
  }
}

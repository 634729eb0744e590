import { createKiwiHarness } from "./kiwi/create-kiwi-harness";
import { ThreadRunner, type ThreadRunnerOptions } from "./runtime/thread-runner";

/** What a KiwiHarnessRunner needs: a thread runner's options without the harness (it is Kiwi's). */
export type KiwiHarnessOptions = Omit<ThreadRunnerOptions, "harness">;

/**
 * Kiwi's harness on the thread runtime, as one `HarnessRunner`: the directive is loaded through the
 * kernel and only then is the capability token minted (inside the run), attenuated to a parent's grants
 * when there is one; every tool call carries `__auth`, `__thread_id` and `__directive_id`, and `__*`
 * keys from the model are refused. Cost (cumulative) and context (this call's input) budgets are kept
 * apart; loops are detected and escalated in steps. The loop policy is `createKiwiHarness` (the
 * `kiwi_harness` plugin); the guarantees are the runtime's (`ThreadRunner`), the same for every harness.
 */
export class KiwiHarnessRunner extends ThreadRunner {
  constructor(options: KiwiHarnessOptions) {
    super({ ...options, harness: createKiwiHarness() });
  }
}

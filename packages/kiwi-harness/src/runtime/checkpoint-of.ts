import { KiwiError, type RunSnapshot } from "@kiwi/spec";
import type { ThreadStore } from "@kiwi/threads";

/** The latest checkpoint of an earlier thread of the same directive (what `resumeFrom` continues). */
export async function checkpointOf(
  store: ThreadStore,
  threadId: string,
  directive: string,
): Promise<RunSnapshot> {
  const row = await store.get(threadId);
  const checkpoint = row ? await store.latestCheckpoint(threadId) : undefined;
  if (!row || !checkpoint) {
    throw new KiwiError({
      code: "ITEM_NOT_FOUND",
      message: `thread ${threadId} ${row ? 'has no checkpoint (its model never called help(action="checkpoint"))' : "does not exist"}`,
      context: { thread_id: threadId },
    });
  }
  if (row.directive !== directive) {
    throw new KiwiError({
      code: "INVALID_INPUT",
      message: `thread ${threadId} ran ${row.directive}, not ${directive}: a checkpoint continues the same directive`,
      context: { thread_id: threadId, directive: row.directive },
    });
  }
  return checkpoint.state as unknown as RunSnapshot;
}

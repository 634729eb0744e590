import { KiwiError } from "@kiwi/spec";
import { fsFailure } from "./fs-failure";

/**
 * Runs one sandbox operation on `path`. Whatever it throws that is not already a KiwiError (a file
 * changing under the operation: a race) becomes a path error, never a raw errno.
 */
export async function withPathErrors<T>(path: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw KiwiError.isInstance(error) ? error : fsFailure(error, path);
  }
}

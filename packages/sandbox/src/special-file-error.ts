import type { KiwiError } from "@kiwi/spec";
import { pathError } from "./path-error";

/** The refusal for a FIFO, socket or device: file tools never open one (a FIFO would block them). */
export function specialFileError(path: string): KiwiError {
  return pathError(
    "PATH_SPECIAL_FILE",
    "special_file",
    path,
    "the path is a FIFO, socket or device, which file tools never open; name a regular file",
  );
}

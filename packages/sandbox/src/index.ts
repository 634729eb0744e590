// Public API of @kiwi/sandbox, listed by name on purpose (no `export *`): what is not here is internal.
// Node only: this is where Kiwi's file I/O lives. The policy it applies (protected paths, the
// character rules of names) comes from @kiwi/capabilities, which stays free of file I/O.

export type { DeleteInRootOptions, DeleteResult } from "./delete-in-root";
export { deleteInRoot } from "./delete-in-root";
export type { EnsureDirInRootOptions } from "./ensure-dir-in-root-sync";
export { ensureDirInRootSync } from "./ensure-dir-in-root-sync";
export type { FilesystemPrimitiveOptions } from "./filesystem-primitive";
export { createFilesystemPrimitive } from "./filesystem-primitive";
export type { DirEntry, DirEntryType, DirListing, ListDirInRootOptions } from "./list-dir-in-root";
export { listDirInRoot } from "./list-dir-in-root";
export type { OpenAppendSyncOptions } from "./open-append-sync";
export { openAppendSync } from "./open-append-sync";
export type { AnchoredDir } from "./open-dir-anchored";
export { openDirAnchored } from "./open-dir-anchored";
export type { OpenedFd, OpenedFile, OpenFileInRootOptions } from "./open-file-in-root";
export { openFdInRoot, openFileInRoot } from "./open-file-in-root";
export type { PathErrorCode, PathErrorReason } from "./path-error";
export type { PathOp } from "./path-op";
export type { PreparedWrite, PrepareWriteInRootOptions } from "./prepare-write-in-root";
export { prepareWriteInRoot } from "./prepare-write-in-root";
export type { ReadFileInRootOptions } from "./read-file-in-root";
export { readFileInRoot } from "./read-file-in-root";
export type { ReadRegularFileOptions, RegularFile } from "./read-regular-file";
export {
  readRegularFile,
  readRegularFileIfExists,
  readRegularFileSync,
  readRegularFileSyncIfExists,
} from "./read-regular-file";
export type { ResolvedPath, ResolveInRootOptions } from "./resolve-in-root";
export { resolveInRoot } from "./resolve-in-root";
export type { WriteFileInRootOptions, WriteFileResult } from "./write-file-in-root";
export { writeFileInRoot } from "./write-file-in-root";

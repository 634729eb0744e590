/** What the caller is about to do with a path; writes and deletes get stricter rules. */
export type PathOp = "read" | "write" | "list" | "delete";

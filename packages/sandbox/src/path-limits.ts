/** Longest accepted request, in UTF-8 bytes and in UTF-16 units (PATH_MAX on Linux). */
export const MAX_PATH_BYTES = 4096;
/** Most segments a request may have; deeper trees exist only to attack walkers. */
export const MAX_PATH_SEGMENTS = 256;
/** Longest single name in UTF-8 bytes (NAME_MAX). */
export const MAX_NAME_BYTES = 255;
/** Symlink hops followed when resolving one link (Linux's own limit is 40). */
export const MAX_SYMLINK_HOPS = 40;

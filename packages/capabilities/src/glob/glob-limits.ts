/** Longest pattern accepted, in UTF-8 bytes: grants are short; anything longer is an attack or a mistake. */
export const MAX_PATTERN_BYTES = 1024;

/** Most path segments a pattern may have, after normalisation. */
export const MAX_PATTERN_SEGMENTS = 64;

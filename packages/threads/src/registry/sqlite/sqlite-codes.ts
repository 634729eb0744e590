// SQLite result codes by number, for node:sqlite errors (which carry the number as `errcode`), so both
// drivers report better-sqlite3's names (`SQLITE_BUSY`, `SQLITE_CONSTRAINT_PRIMARYKEY`) in `code`.
// https://www.sqlite.org/rescode.html — the primary codes, then the extended ones the registry tells
// apart (busy and lock variants, which constraint failed). Written as a table, not as string literals:
// these are SQLite's names, read, not Kiwi error codes.
const TABLE = `
  1 ERROR        2 INTERNAL     3 PERM         4 ABORT        5 BUSY         6 LOCKED       7 NOMEM
  8 READONLY     9 INTERRUPT   10 IOERR       11 CORRUPT     12 NOTFOUND    13 FULL        14 CANTOPEN
 15 PROTOCOL    16 EMPTY       17 SCHEMA      18 TOOBIG      19 CONSTRAINT  20 MISMATCH    21 MISUSE
 22 NOLFS       23 AUTH        24 FORMAT      25 RANGE       26 NOTADB
261 BUSY_RECOVERY   517 BUSY_SNAPSHOT   773 BUSY_TIMEOUT   262 LOCKED_SHAREDCACHE   518 LOCKED_VTAB
275 CONSTRAINT_CHECK   531 CONSTRAINT_COMMITHOOK   787 CONSTRAINT_FOREIGNKEY   1043 CONSTRAINT_FUNCTION
1299 CONSTRAINT_NOTNULL   1555 CONSTRAINT_PRIMARYKEY   1811 CONSTRAINT_TRIGGER   2067 CONSTRAINT_UNIQUE
2323 CONSTRAINT_VTAB   2579 CONSTRAINT_ROWID   264 READONLY_RECOVERY   520 READONLY_CANTLOCK
776 READONLY_ROLLBACK   1032 READONLY_DBMOVED   267 CORRUPT_VTAB
`;

const NAMES = new Map<number, string>();
for (const [, code, name] of TABLE.matchAll(/(\d+) ([A-Z_]+)/g)) NAMES.set(Number(code), `SQLITE_${name}`);

/** `SQLITE_…` for a (possibly extended) result code; an unlisted extended code gets its primary name. */
export function sqliteCodeName(errcode: number): string {
  return NAMES.get(errcode) ?? NAMES.get(errcode & 0xff) ?? `SQLITE_${errcode}`;
}

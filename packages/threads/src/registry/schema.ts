import { KiwiError } from "@kiwi/spec";
import { type SqliteDatabase, transaction } from "./sqlite/sqlite-database";

/** The schema version this code writes; stored in the database as `PRAGMA user_version`. */
export const REGISTRY_SCHEMA_VERSION = 3;

/** One schema step: the DDL that takes a database from `version - 1` to `version`. Never edit a published one. */
export interface Migration {
  readonly version: number;
  readonly sql: string;
}

// Version 1. The status list is written out (not built from THREAD_STATUSES) so the migration stays what
// it was when later versions add statuses; a test checks that the two agree.
//
// thread_events keeps its rowid on purpose (PRIMARY KEY (thread_id, seq) is then a unique index). As a
// WITHOUT ROWID table, rows cluster by thread, so a group commit of events from N live threads dirties N
// table leaves plus N leaves of the type index (which also sorts by thread); with a rowid, rows and the
// type index append at the end and only the small key index scatters. Measured with 50 interleaved
// threads, 50 events per commit: about 2–3× the events/s (bench/registry-events.ts).
const V1 = `
CREATE TABLE threads (
  thread_id TEXT PRIMARY KEY,
  directive TEXT NOT NULL,
  parent_id TEXT NULL,
  status TEXT NOT NULL CHECK (status IN
    ('spawning', 'running', 'paused', 'terminating', 'completed', 'error', 'killed', 'orphaned')),
  reason TEXT,
  pid INTEGER,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  finished_at TEXT,
  permission_context TEXT,
  budget TEXT,
  usage TEXT,
  transcript_path TEXT
);
CREATE INDEX threads_status ON threads (status);
CREATE INDEX threads_parent_id ON threads (parent_id);
CREATE INDEX threads_directive ON threads (directive);

CREATE TABLE thread_events (
  thread_id TEXT NOT NULL REFERENCES threads (thread_id),
  seq INTEGER NOT NULL,
  ts TEXT NOT NULL,
  type TEXT NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (thread_id, seq)
);
CREATE INDEX thread_events_type ON thread_events (type);
CREATE TRIGGER thread_events_no_update BEFORE UPDATE ON thread_events
BEGIN
  SELECT RAISE(ABORT, 'thread_events is append-only: events cannot be updated');
END;
CREATE TRIGGER thread_events_no_delete BEFORE DELETE ON thread_events
BEGIN
  SELECT RAISE(ABORT, 'thread_events is append-only: events cannot be deleted');
END;

-- Control requests for a thread run by another process (kiwi threads pause … from a second terminal):
-- the owning process takes them (marking handled_at) and applies them.
CREATE TABLE thread_controls (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  thread_id TEXT NOT NULL REFERENCES threads (thread_id),
  action TEXT NOT NULL,
  payload TEXT NOT NULL,
  requested_at TEXT NOT NULL,
  requested_by INTEGER,
  handled_at TEXT
);
CREATE INDEX thread_controls_pending ON thread_controls (thread_id) WHERE handled_at IS NULL;

CREATE TABLE checkpoints (
  thread_id TEXT NOT NULL REFERENCES threads (thread_id),
  seq INTEGER NOT NULL,
  ts TEXT NOT NULL,
  turn INTEGER NOT NULL,
  state TEXT NOT NULL,
  PRIMARY KEY (thread_id, seq)
);
`;

// Version 2: resume in place. `threads` gains the status 'interrupted' (its owner is gone; not finished)
// and the owner lease (owner_boot_id, heartbeat_at beside pid); SQLite cannot alter a CHECK, so the table
// is rebuilt (migrate runs it with foreign keys off, then checks them). `thread_steps` is the step journal
// (JOURNAL_FORMAT_VERSION in journal.ts): one row per step, its intent written before the step runs and
// its outcome once after; a recorded outcome is never changed, and no step is deleted.
const V2 = `
CREATE TABLE threads_v2 (
  thread_id TEXT PRIMARY KEY,
  directive TEXT NOT NULL,
  parent_id TEXT NULL,
  status TEXT NOT NULL CHECK (status IN
    ('spawning', 'running', 'paused', 'terminating', 'completed', 'error', 'killed', 'orphaned', 'interrupted')),
  reason TEXT,
  pid INTEGER,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  finished_at TEXT,
  permission_context TEXT,
  budget TEXT,
  usage TEXT,
  transcript_path TEXT,
  owner_boot_id TEXT,
  heartbeat_at TEXT
);
INSERT INTO threads_v2 (thread_id, directive, parent_id, status, reason, pid, created_at, updated_at, finished_at, permission_context, budget, usage, transcript_path)
  SELECT thread_id, directive, parent_id, status, reason, pid, created_at, updated_at, finished_at, permission_context, budget, usage, transcript_path FROM threads ORDER BY rowid;
DROP TABLE threads;
ALTER TABLE threads_v2 RENAME TO threads;
CREATE INDEX threads_status ON threads (status);
CREATE INDEX threads_parent_id ON threads (parent_id);
CREATE INDEX threads_directive ON threads (directive);

CREATE TABLE thread_steps (
  thread_id TEXT NOT NULL REFERENCES threads (thread_id),
  seq INTEGER NOT NULL,
  format INTEGER NOT NULL,
  kind TEXT NOT NULL,
  request TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  outcome TEXT,
  started_at TEXT NOT NULL,
  ended_at TEXT,
  PRIMARY KEY (thread_id, seq)
);
CREATE TRIGGER thread_steps_outcome_once BEFORE UPDATE ON thread_steps
  WHEN OLD.outcome IS NOT NULL OR NEW.request IS NOT OLD.request OR NEW.request_hash IS NOT OLD.request_hash OR NEW.kind IS NOT OLD.kind OR NEW.seq IS NOT OLD.seq
BEGIN
  SELECT RAISE(ABORT, 'thread_steps is a journal: a step is written once, its outcome once');
END;
CREATE TRIGGER thread_steps_no_delete BEFORE DELETE ON thread_steps
BEGIN
  SELECT RAISE(ABORT, 'thread_steps is a journal: steps cannot be deleted');
END;
`;

// Version 3: the ThreadStore contract (issue 12). `thread_leases` holds the fenced lease of a thread's
// owner (a worker's name and a token that grows with every acquisition; a fenced write names the token it
// was made under and is refused once a larger one exists). The lease is a row of its own, beside the
// process lease of `threads` (pid, owner_boot_id, heartbeat_at). `thread_controls.outcome` is how applying
// a taken control request ended (`{"ok":true}` or `{"ok":false,"error":{code,message}}`), for its requester.
const V3 = `
CREATE TABLE thread_leases (
  thread_id TEXT PRIMARY KEY REFERENCES threads (thread_id),
  owner TEXT,
  token INTEGER NOT NULL,
  expires_at TEXT NOT NULL
);
ALTER TABLE thread_controls ADD COLUMN outcome TEXT;
`;

/** Every migration, in order; the last one's version is REGISTRY_SCHEMA_VERSION. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, sql: V1 },
  { version: 2, sql: V2 },
  { version: 3, sql: V3 },
];

/** The database's schema version (`PRAGMA user_version`). */
export function schemaVersion(db: SqliteDatabase): number {
  return Number(db.pragmaValue("user_version"));
}

/**
 * Brings the database up to REGISTRY_SCHEMA_VERSION in one BEGIN IMMEDIATE transaction (so two
 * processes creating the same file at once take turns, the second finding the work done). A database
 * written by a newer version is refused with REGISTRY_VERSION rather than touched.
 */
export function migrate(db: SqliteDatabase, file: string): number {
  refuseNewer(schemaVersion(db), file);
  if (schemaVersion(db) === REGISTRY_SCHEMA_VERSION) return REGISTRY_SCHEMA_VERSION;
  const run = transaction(db, () => {
    const found = schemaVersion(db);
    refuseNewer(found, file);
    for (const m of MIGRATIONS) {
      if (m.version <= found) continue;
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }
    // A rebuilt table keeps every reference intact, or nothing is committed.
    const broken = db.prepare("PRAGMA foreign_key_check").all();
    if (broken.length) throw new Error(`migration left ${broken.length} broken references`);
  });
  // Rebuilding a table others reference needs foreign keys off (it cannot change inside a transaction).
  const fk = Number(db.pragmaValue("foreign_keys"));
  db.pragma("foreign_keys = OFF");
  try {
    run.immediate();
  } finally {
    if (fk) db.pragma("foreign_keys = ON");
  }
  return schemaVersion(db);
}

function refuseNewer(found: number, file: string): void {
  if (found <= REGISTRY_SCHEMA_VERSION) return;
  throw new KiwiError({
    code: "REGISTRY_VERSION",
    message: `the thread registry ${file} has schema version ${found}, newer than the ${REGISTRY_SCHEMA_VERSION} this Kiwi supports: upgrade Kiwi, or point it at another registry file`,
    context: { file, found, supported: REGISTRY_SCHEMA_VERSION },
  });
}

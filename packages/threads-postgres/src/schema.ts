import { KiwiError } from "@kiwi/spec";
import { JOURNAL_FORMAT_VERSION, THREAD_STATUSES } from "@kiwi/threads";
import type { PoolClient } from "pg";

/** The schema version this code writes (the `meta` row `schema_version`). */
export const POSTGRES_SCHEMA_VERSION = 1;

/** A schema name Kiwi accepts: a plain lower-case SQL identifier, so it is quoted without surprises. */
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

export function checkSchemaName(schema: unknown): string {
  if (typeof schema === "string" && IDENTIFIER.test(schema)) return schema;
  throw new KiwiError({
    code: "INVALID_INPUT",
    message: "schema must be a lower-case SQL identifier ([a-z_][a-z0-9_]*, at most 63 characters)",
    context: { schema },
  });
}

/**
 * Version 1 of the thread store's tables, in their own schema (`kiwi` by default), beside DBOS's `dbos`
 * schema when both share a database. The columns are the SQLite registry's (its README's "Formats"), with
 * two additions: `threads.last_event_seq` (the per-thread counter that makes concurrent appenders take
 * seqs 1, 2, 3… without gaps: the row lock orders them) and `threads.created_order` (insertion order, for
 * "newest first" among threads created in the same millisecond). Timestamps are ISO-8601 UTC text written
 * from the database's clock, so hosts with drifting clocks still order and expire leases alike. JSON
 * columns are text: what was written is read back byte for byte (key order included).
 */
function v1(s: string): string {
  const statuses = THREAD_STATUSES.map((st) => `'${st}'`).join(", ");
  return `
CREATE TABLE ${s}.threads (
  thread_id text PRIMARY KEY,
  directive text NOT NULL,
  parent_id text,
  status text NOT NULL CHECK (status IN (${statuses})),
  reason text,
  pid integer,
  created_at text NOT NULL,
  updated_at text NOT NULL,
  finished_at text,
  permission_context text,
  budget text,
  usage text,
  transcript_path text,
  owner_boot_id text,
  heartbeat_at text,
  last_event_seq integer NOT NULL DEFAULT 0,
  created_order bigint GENERATED ALWAYS AS IDENTITY
);
CREATE INDEX threads_status ON ${s}.threads (status);
CREATE INDEX threads_parent_id ON ${s}.threads (parent_id);
CREATE INDEX threads_directive ON ${s}.threads (directive);

CREATE TABLE ${s}.thread_events (
  thread_id text NOT NULL REFERENCES ${s}.threads (thread_id),
  seq integer NOT NULL,
  ts text NOT NULL,
  type text NOT NULL,
  data text NOT NULL,
  PRIMARY KEY (thread_id, seq)
);

CREATE TABLE ${s}.thread_steps (
  thread_id text NOT NULL REFERENCES ${s}.threads (thread_id),
  seq integer NOT NULL,
  format integer NOT NULL,
  kind text NOT NULL,
  request text NOT NULL,
  request_hash text NOT NULL,
  outcome text,
  started_at text NOT NULL,
  ended_at text,
  PRIMARY KEY (thread_id, seq)
);

CREATE TABLE ${s}.checkpoints (
  thread_id text NOT NULL REFERENCES ${s}.threads (thread_id),
  seq integer NOT NULL,
  ts text NOT NULL,
  turn integer NOT NULL,
  state text NOT NULL,
  PRIMARY KEY (thread_id, seq)
);

CREATE TABLE ${s}.thread_controls (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  thread_id text NOT NULL REFERENCES ${s}.threads (thread_id),
  action text NOT NULL,
  payload text NOT NULL,
  requested_at text NOT NULL,
  requested_by integer,
  handled_at text,
  outcome text
);
CREATE INDEX thread_controls_pending ON ${s}.thread_controls (thread_id) WHERE handled_at IS NULL;

CREATE TABLE ${s}.thread_leases (
  thread_id text PRIMARY KEY REFERENCES ${s}.threads (thread_id),
  owner text,
  token integer NOT NULL,
  expires_at timestamptz NOT NULL
);

-- The journal and the event log are append-only, as in the SQLite registry.
CREATE FUNCTION ${s}.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '%', TG_ARGV[0];
END $$;
CREATE TRIGGER thread_events_append_only BEFORE UPDATE OR DELETE ON ${s}.thread_events
  FOR EACH ROW EXECUTE FUNCTION ${s}.refuse_change('thread_events is append-only');
CREATE TRIGGER thread_steps_no_delete BEFORE DELETE ON ${s}.thread_steps
  FOR EACH ROW EXECUTE FUNCTION ${s}.refuse_change('thread_steps is a journal: steps cannot be deleted');
CREATE TRIGGER thread_steps_outcome_once BEFORE UPDATE ON ${s}.thread_steps
  FOR EACH ROW WHEN (OLD.outcome IS NOT NULL OR NEW.request IS DISTINCT FROM OLD.request
    OR NEW.request_hash IS DISTINCT FROM OLD.request_hash OR NEW.kind IS DISTINCT FROM OLD.kind
    OR NEW.seq IS DISTINCT FROM OLD.seq)
  EXECUTE FUNCTION ${s}.refuse_change('thread_steps is a journal: a step is written once, its outcome once');
`;
}

const MIGRATIONS: readonly { version: number; sql: (schema: string) => string }[] = [{ version: 1, sql: v1 }];

/**
 * Creates the schema when missing and migrates it to POSTGRES_SCHEMA_VERSION inside the caller's
 * transaction, under an advisory lock so hosts starting at once take turns. REGISTRY_VERSION for a schema
 * a newer Kiwi wrote, JOURNAL_VERSION for a journal format newer than this Kiwi's. Returns the version.
 */
export async function migrate(client: PoolClient, schema: string, location: string): Promise<number> {
  const s = `"${schema}"`;
  await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`kiwi-thread-store:${schema}`]);
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
  await client.query(`CREATE TABLE IF NOT EXISTS ${s}.meta (key text PRIMARY KEY, value text NOT NULL)`);
  const rows = (await client.query(`SELECT key, value FROM ${s}.meta`)).rows as {
    key: string;
    value: string;
  }[];
  const meta = new Map(rows.map((r) => [r.key, Number(r.value)]));
  const found = meta.get("schema_version") ?? 0;
  if (found > POSTGRES_SCHEMA_VERSION) {
    throw new KiwiError({
      code: "REGISTRY_VERSION",
      message: `the thread store ${location} (schema ${schema}) has schema version ${found}, newer than the ${POSTGRES_SCHEMA_VERSION} this Kiwi supports: upgrade Kiwi on this host`,
      context: { location, schema, found, supported: POSTGRES_SCHEMA_VERSION },
    });
  }
  const journal = meta.get("journal_format_version") ?? 0;
  if (journal > JOURNAL_FORMAT_VERSION) {
    throw new KiwiError({
      code: "JOURNAL_VERSION",
      message: `the thread store ${location} (schema ${schema}) holds step journals of format ${journal}, newer than the ${JOURNAL_FORMAT_VERSION} this Kiwi reads: upgrade Kiwi on this host`,
      context: { location, schema, found: journal, supported: JOURNAL_FORMAT_VERSION },
    });
  }
  for (const m of MIGRATIONS) {
    if (m.version > found) await client.query(m.sql(s));
  }
  const upsert = `INSERT INTO ${s}.meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`;
  await client.query(upsert, ["schema_version", String(POSTGRES_SCHEMA_VERSION)]);
  await client.query(upsert, ["journal_format_version", String(Math.max(journal, JOURNAL_FORMAT_VERSION))]);
  return POSTGRES_SCHEMA_VERSION;
}

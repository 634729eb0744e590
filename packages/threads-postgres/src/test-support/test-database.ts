import { randomBytes } from "node:crypto";
import pg from "pg";

/** The machine's PostgreSQL (trust auth, user postgres); KIWI_TEST_POSTGRES_URL points elsewhere. */
export const ADMIN_URL = process.env.KIWI_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface TestDatabase {
  /** The database's URL (the admin URL's server and user). */
  readonly url: string;
  readonly name: string;
  /** The URL with a user and password written in (trust auth ignores the password). */
  withPassword(user: string, password: string): string;
  drop(): Promise<void>;
}

function urlFor(database: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * Creates a database of its own for one test file, or returns undefined when PostgreSQL cannot be reached:
 * then it prints that the PostgreSQL suites did not run — and with CI=true it throws instead, so CI fails.
 */
export async function createTestDatabase(label: string): Promise<TestDatabase | undefined> {
  const admin = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch (err) {
    await admin.end().catch(() => undefined);
    const why = `PostgreSQL is not reachable at ${new URL(ADMIN_URL).host} (${(err as Error).message})`;
    if (process.env.CI === "true") throw new Error(`${why}: CI needs it for the PostgreSQL suites`);
    console.warn(
      `\n*** ${why}: the PostgreSQL suites of ${label} DID NOT RUN (with CI=true they fail) ***\n`,
    );
    return undefined;
  }
  const name = `kiwi_test_${label.replace(/[^a-z0-9]/gi, "_").toLowerCase()}_${process.pid}_${randomBytes(3).toString("hex")}`;
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  return {
    url: urlFor(name),
    name,
    withPassword(user, password) {
      const url = new URL(urlFor(name));
      url.username = user;
      url.password = password;
      return url.toString();
    },
    async drop() {
      const client = new pg.Client({ connectionString: ADMIN_URL });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

// Run by schema.test.ts with KIWI_TEST_POSTGRES_URL pointing at a closed port: prints "skipped" when the
// PostgreSQL suites would be skipped, and fails (exit 1, the reason on stderr) when CI=true.
import { createTestDatabase } from "./test-database";

try {
  const db = await createTestDatabase("unreachable");
  console.log(db ? "ran" : "skipped");
} catch (err) {
  console.error((err as Error).message);
  process.exitCode = 1;
}

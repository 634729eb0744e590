/**
 * Builds the child's environment from scratch: only the allow-listed names are copied from the parent
 * (exact names, no patterns, so `*_TOKEN`, `*_KEY`, `*_SECRET` reach a child only when a tool lists them
 * one by one), then the tool's explicit `env` is laid on top. Nothing else leaks through.
 */
export function buildChildEnv(options: {
  parent: Readonly<Record<string, string | undefined>>;
  allow: readonly string[];
  extra: Readonly<Record<string, string>>;
}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of options.allow) {
    // Own properties only: a name like "constructor" or "__proto__" must not pick up inherited values.
    if (!Object.hasOwn(options.parent, name)) continue;
    const value = options.parent[name];
    if (typeof value === "string") env[name] = value;
  }
  for (const [name, value] of Object.entries(options.extra)) env[name] = value;
  return env;
}

/** `["parameters", 2, "type"]` → `parameters[2].type`; odd keys are quoted: `config["a.b"]`. */
export function formatPath(path: readonly PropertyKey[], prefix = ""): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(String(segment))) out += `${out ? "." : ""}${String(segment)}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return `${prefix}${out}`;
}

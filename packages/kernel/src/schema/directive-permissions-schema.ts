import { z } from "zod";
import { nameListSchema } from "./common-schema";

export const PERMISSION_VERBS = ["read", "write", "delete", "execute"] as const;

export const PERMISSION_RESOURCES = [
  "filesystem",
  "tool",
  "kiwi-mcp",
  "registry",
  "spawn",
  "fs",
  "thread",
  "extractor",
  "item",
  "net",
  "mcp",
  "process",
] as const;
export type PermissionResource = (typeof PERMISSION_RESOURCES)[number];

export const GRANT_ATTRIBUTES = ["path", "id", "action", "host"] as const;
export type GrantAttribute = (typeof GRANT_ATTRIBUTES)[number];

/** The one scope attribute each resource takes; a grant with none, another or two is refused. */
export const RESOURCE_ATTRIBUTE: Readonly<Record<PermissionResource, GrantAttribute>> = {
  filesystem: "path",
  tool: "id",
  net: "host",
  mcp: "id",
  "kiwi-mcp": "action",
  registry: "action",
  spawn: "action",
  fs: "action",
  thread: "action",
  extractor: "action",
  item: "action",
  process: "action",
};

const scope = (what: string) => z.string().min(1).optional().describe(what);

export const grantSchema = z
  .strictObject({
    verb: z.enum(PERMISSION_VERBS).describe("The tag: read, write, delete or execute."),
    resource: z.enum(PERMISSION_RESOURCES).describe("What the grant is about."),
    path: scope("Project-relative path glob (resource filesystem)."),
    id: scope("Tool id glob (resource tool) or MCP server id (resource mcp)."),
    action: scope("Action name or glob (kiwi-mcp, registry, spawn, fs, thread, extractor, item)."),
    host: scope("Host name or glob (resource net)."),
  })
  .superRefine(
    (grant, ctx) => {
      // `when` below lets this run on unvalidated input: an unknown resource (even "constructor") is
      // reported by the enum, so look it up only as an own key.
      if (typeof grant.resource !== "string" || !Object.hasOwn(RESOURCE_ATTRIBUTE, grant.resource)) return;
      const needed = RESOURCE_ATTRIBUTE[grant.resource];
      for (const attribute of GRANT_ATTRIBUTES) {
        const present = typeof grant[attribute] === "string";
        if (attribute === needed && !present) {
          ctx.addIssue({
            code: "custom",
            path: [attribute],
            message: `resource "${grant.resource}" needs a ${attribute} attribute`,
            params: { fix: `add ${attribute}="…" to the <${grant.verb}> tag` },
          });
        } else if (attribute !== needed && present) {
          ctx.addIssue({
            code: "custom",
            path: [attribute],
            message: `resource "${grant.resource}" takes ${needed}=, not ${attribute}=`,
            params: { fix: `replace ${attribute}="…" with ${needed}="…"` },
          });
        }
      }
    },
    // Run even when another field failed, so one pass reports every problem of the grant.
    { when: (payload) => typeof payload.value === "object" && payload.value !== null },
  )
  .describe('One permission tag, e.g. <read resource="filesystem" path="src/**"/>.');
export type PermissionGrant = z.infer<typeof grantSchema>;

const categoryLists = {
  allow_categories: nameListSchema.describe("Categories allowed (comma-separated in the XML)."),
  deny_categories: nameListSchema.describe("Categories denied; a deny wins over an allow."),
};

export const orchestrationSchema = z
  .strictObject({
    enabled: z.boolean().describe('Whether this directive may start other directives (enabled="true").'),
    ...categoryLists,
    allow_directives: nameListSchema.describe("Directive name globs allowed."),
    deny_directives: nameListSchema.describe("Directive name globs denied."),
  })
  .describe("Which other directives this one may run on child threads.");

export const categoryAccessSchema = z.strictObject(categoryLists);

export const permissionsSchema = z
  .strictObject({
    grants: z.array(grantSchema).describe("Every <read|write|delete|execute> tag, in file order."),
    orchestration: orchestrationSchema.optional(),
    knowledge: categoryAccessSchema.optional().describe("Knowledge categories this directive may read."),
    directives: categoryAccessSchema.optional().describe("Directive categories this directive may read."),
  })
  .describe("What a thread running this directive may do. <permissions/> (empty) grants nothing.");
export type DirectivePermissions = z.infer<typeof permissionsSchema>;

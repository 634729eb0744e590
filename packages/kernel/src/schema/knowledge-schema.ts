import { z } from "zod";
import { semverSchema } from "./common-schema";

export const ENTRY_TYPES = [
  "pattern",
  "learning",
  "reference",
  "concept",
  "decision",
  "insight",
  "procedure",
  "api_fact",
  "experiment",
  "template",
  "workflow",
  "guide",
] as const;

/** The YAML front matter of a knowledge entry (`.ai/knowledge/<category>/<id>.md`). */
export const knowledgeFrontMatterSchema = z
  .strictObject({
    id: z.string().min(1).describe("Entry id; equals the file name without .md."),
    title: z.string().min(1).describe("Human-readable title; searched."),
    entry_type: z.enum(ENTRY_TYPES).describe("What kind of note this is."),
    category: z.string().optional().describe("Must equal the folder the file is in, when given."),
    tags: z.array(z.string().min(1)).default([]).describe("Search keywords."),
    version: semverSchema.describe('Semantic version as a quoted string: version: "1.0.0".'),
    author: z.string().optional(),
    references: z.array(z.string().min(1)).optional().describe("Ids of entries this one cites."),
    extends: z.array(z.string().min(1)).optional().describe("Ids of entries this one builds on."),
  })
  .describe("Front matter of a Kiwi knowledge entry.");

export type KnowledgeFrontMatter = z.infer<typeof knowledgeFrontMatterSchema>;

/**
 * The shape of one MCP tool of `taskstore mcp`: name, what an agent reads about it, the
 * schemas of its arguments and result, and the synchronous function that does the work
 * against an open store. Handlers return plain objects (the library's shapes); the
 * server turns them into results and thrown errors into tool errors.
 */
import type { z } from 'zod';
import type { Store } from '../../index.js';

/** MCP tool annotations: hints for clients (e.g. whether to ask before calling). */
interface ToolAnnotations {
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

export interface ToolDefinition<S extends z.ZodObject = z.ZodObject> {
  name: string;
  title: string;
  /** What it does, when to use it, what its errors mean. */
  description: string;
  input: S;
  output: z.ZodObject;
  annotations: ToolAnnotations;
  run(store: Store, args: z.output<S>): Record<string, unknown>;
}

/** Identity, for type inference of `run`'s arguments from `input`. */
export function defineTool<S extends z.ZodObject>(definition: ToolDefinition<S>): ToolDefinition<S> {
  return definition;
}

export const READ_ONLY: ToolAnnotations = { readOnlyHint: true, openWorldHint: false };
export const WRITES: ToolAnnotations = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false };

/**
 * `taskstore mcp`: the store as a Model Context Protocol server on stdio, built on the
 * official SDK's `Server`.
 *
 * Tools are dispatched here rather than through the SDK's `McpServer.registerTool`:
 * that helper answers arguments that fail the input schema with its own
 * "Input validation error" text, and every error of this server must start with a
 * TaskStore error code (`VALIDATION: …`) so an agent can branch on the first word. The
 * same zod schemas validate the arguments and are listed as JSON Schema (as the SDK
 * would list them).
 *
 * One store, opened once, serves every call; each call first catches up with what other
 * processes appended (`refresh()`), so the server sees their writes. Calls run one at a
 * time: the store is synchronous. Only protocol messages go to stdout.
 */
// First: the record schemas must get the ES module zod before the tool modules load them.
import './one-zod.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StringDecoder } from 'node:string_decoder';
import { Transform, type Readable } from 'node:stream';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { TaskStoreError, type Logger, type Store } from '../../index.js';
import { CliError } from '../errors.js';
import type { ToolDefinition } from './tool-definition.js';
import { argumentError, failureResult, toolError, toolSuccess, type ToolResult } from './tool-result.js';
import { inspectToolCall, type RawCallProblem } from './raw-arguments.js';
import { TOOLS } from './tools.js';

/** What the server tells the agent when it connects: the intended workflow in a few lines. */
const INSTRUCTIONS = [
  'TaskStore holds PRDs, the task specs decomposed from them, and executions (agent runs working on a task spec), in git.',
  'To work: claim_task_spec with your claimant name (without id it takes the next ready spec, atomically; null means nothing is ready),',
  'create_execution for it, renew_claim before the lease runs out, update_record for progress, then complete_execution (or release_claim to give it back).',
  'Ids may be shortened to any unique prefix. Every error text starts with its code (NOT_FOUND, VALIDATION, STALE, CLAIMED, …) followed by a hint.',
].join(' ');

interface McpServerOptions {
  version: string;
  /** Diagnostics (stderr): the stack of unexpected errors. */
  logger: Logger;
  /** The tools to serve (default: all). */
  tools?: readonly ToolDefinition[];
  /**
   * The largest record the store accepts (`maxRecordBytes`): stdio messages up to twice
   * that (plus room for the envelope) are read, so a record over the limit is answered
   * with TOO_LARGE like any other error instead of ending the session.
   */
  maxRecordBytes?: number;
}

/** The SDK's stdio default (10 MiB), which is also the store's default record limit. */
const SDK_MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

/**
 * How large a stdio message the server reads. The SDK's transport closes the connection,
 * without a word to either side, on a message over its limit; its default equals the
 * store's default record limit, so a record the store would take (or refuse with a
 * clear TOO_LARGE) ended the agent's session instead.
 */
function maxMessageBytes(maxRecordBytes: number | undefined): number {
  return Math.max(SDK_MAX_MESSAGE_BYTES, 2 * (maxRecordBytes ?? SDK_MAX_MESSAGE_BYTES) + (1 << 20));
}

/** JSON Schema of a tool's arguments or result, as `tools/list` shows it (draft-07, as the SDK lists zod schemas). */
export function toolJsonSchema(schema: z.ZodObject, io: 'input' | 'output'): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { target: 'draft-7', io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

/**
 * What the text of each tool call said that its parsed arguments lost (see
 * `raw-arguments.ts`), by request id: filled as stdin is read, before the SDK parses the
 * message, and taken by the call's handler.
 */
class RawProblems {
  private readonly byId = new Map<string | number, RawCallProblem>();

  /**
   * What the latest tools/call line with `requestId` said: its problem, or none. A line
   * without a problem clears what an earlier one with the same id left (a request the SDK
   * refused before any handler ran keeps its entry, and ids may be reused once answered).
   */
  note(requestId: string | number, problem: RawCallProblem | undefined): void {
    if (problem === undefined) {
      this.byId.delete(requestId);
      return;
    }
    // Entries of refused requests stay until their id comes again: keep the map small.
    if (this.byId.size >= 1000) this.byId.delete(this.byId.keys().next().value!);
    this.byId.set(requestId, problem);
  }

  take(requestId: string | number): RawCallProblem | undefined {
    const problem = this.byId.get(requestId);
    this.byId.delete(requestId);
    return problem;
  }
}

/** A UTF-8 byte-order mark. */
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * `input`, passed on unchanged but for a byte-order mark at its very start (a Windows
 * client's; the SDK would fail to parse the first message, `initialize`, and the session
 * would never start), with each complete line (one JSON-RPC message) read for raw
 * problems first. A line longer than `maxLine` is not read (the SDK's transport closes
 * the connection on it anyway).
 */
function inspectLines(input: Readable, problems: RawProblems, maxLine: number): Readable {
  const decoder = new StringDecoder('utf8');
  /** The first bytes, held until it is known whether they are a BOM. */
  let start: Buffer | undefined = Buffer.alloc(0);
  // The unfinished line, as the pieces that arrived (joined once, at its end: a message of
  // many MiB arrives in many chunks, and joining on each would copy it over and over).
  let pieces: string[] = [];
  let pending = 0;
  let skipping = false;
  const inspect = (text: string): void => {
    let from = 0;
    for (let end = text.indexOf('\n'); end !== -1; from = end + 1, end = text.indexOf('\n', from)) {
      if (!skipping) {
        const call = inspectToolCall(pieces.join('') + text.slice(from, end));
        if (call !== undefined) problems.note(call.requestId, call.problem);
      }
      pieces = [];
      pending = 0;
      skipping = false;
    }
    if (skipping || from === text.length) return;
    pieces.push(text.slice(from));
    pending += text.length - from;
    if (pending > maxLine) {
      pieces = [];
      pending = 0;
      skipping = true;
    }
  };
  const inspected = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (start !== undefined) {
        start = Buffer.concat([start, chunk]);
        if (start.length < BOM.length && BOM.subarray(0, start.length).equals(start)) return done();
        chunk = start.subarray(0, BOM.length).equals(BOM) ? start.subarray(BOM.length) : start;
        start = undefined;
      }
      inspect(decoder.write(chunk));
      done(null, chunk);
    },
    flush(done) {
      if (start !== undefined && start.length > 0) this.push(start);
      done();
    },
  });
  return input.pipe(inspected);
}

/** The MCP server for `store`; connect it to a transport to serve. */
function createMcpServer(store: Store, options: McpServerOptions, problems = new RawProblems()): Server {
  const tools = options.tools ?? TOOLS;
  const byName = new Map(tools.map((tool) => [tool.name, tool]));
  const listed = tools.map((tool) => ({
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: toolJsonSchema(tool.input, 'input') as { type: 'object' },
    outputSchema: toolJsonSchema(tool.output, 'output') as { type: 'object' },
    annotations: { title: tool.title, ...tool.annotations },
  }));
  const server = new Server({ name: 'taskstore', title: 'TaskStore', version: options.version }, { capabilities: { tools: {} }, instructions: INSTRUCTIONS });
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: listed }));
  server.setRequestHandler(CallToolRequestSchema, (request, extra) =>
    callTool(store, byName, request.params.name, request.params.arguments, options.logger, problems.take(extra.requestId)),
  );
  return server;
}

/** Runs one tool call; never throws: every failure is a tool error whose text starts with its code. */
export function callTool(
  store: Store,
  tools: ReadonlyMap<string, ToolDefinition>,
  name: string,
  rawArgs: unknown,
  logger: Logger,
  /** What the call's JSON text said that parsing lost (a key given twice, a rounded integer). */
  rawProblem?: RawCallProblem,
): ToolResult {
  const tool = tools.get(name);
  if (tool === undefined) {
    return failureResult({
      code: 'NOT_FOUND',
      message: `there is no tool named ${JSON.stringify(name)}`,
      hint: `the tools are ${[...tools.keys()].join(', ')}`,
    });
  }
  if (rawProblem !== undefined) {
    return failureResult({
      code: 'VALIDATION',
      message: `invalid arguments for ${name}: ${rawProblem.message}`,
      hint: 'JSON parsing would have changed what you wrote (a value dropped, or a number rounded); nothing was written',
      data: { field: rawProblem.field },
    });
  }
  const proto = protoKeyArgument(rawArgs);
  if (proto !== undefined) {
    return failureResult({
      code: 'VALIDATION',
      message: `invalid arguments for ${name}: ${proto}: __proto__ cannot be used as a field name`,
      hint: 'JavaScript objects treat this key as the prototype, not as data: it would be dropped (a where condition, a patched field). Choose another field name; nothing was written',
      data: { field: proto },
    });
  }
  const parsed = tool.input.safeParse(rawArgs ?? {});
  if (!parsed.success) return argumentError(name, parsed.error);
  try {
    store.refresh();
    return toolSuccess(tool.run(store, parsed.data));
  } catch (err) {
    if (!(err instanceof TaskStoreError) && !(err instanceof CliError)) {
      logger.error(`tool ${name} failed unexpectedly: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
    return toolError(err, name);
  }
}

/**
 * Where the arguments hold a `__proto__` key as a field name (`patch.__proto__`,
 * `where.__proto__`), or undefined. The protocol's JSON.parse keeps it as an own
 * member, but validation copies field maps by assignment, which sets the prototype
 * instead: the field, or the condition, would vanish without a word.
 */
function protoKeyArgument(args: unknown): string | undefined {
  if (typeof args !== 'object' || args === null) return undefined;
  for (const [key, value] of Object.entries(args)) {
    if (key === '__proto__') return key;
    if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.hasOwn(value, '__proto__')) return `${key}.__proto__`;
  }
  return undefined;
}

/**
 * Serves `store` on stdin/stdout until the client closes stdin (or SIGINT / SIGTERM).
 * Anything else in the process that writes to the console is sent to stderr, so stdout
 * carries protocol messages only.
 */
export async function serveStdio(store: Store, options: McpServerOptions): Promise<void> {
  const toStderr = (...args: unknown[]): void => console.error(...args);
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
  const problems = new RawProblems();
  const server = createMcpServer(store, options, problems);
  const maxBufferSize = maxMessageBytes(options.maxRecordBytes);
  const transport = new StdioServerTransport(inspectLines(process.stdin, problems, maxBufferSize), process.stdout, { maxBufferSize });
  // The transport's errors (a message over maxBufferSize, which closes the connection;
  // a line that is not JSON-RPC) reach no client: stderr is the one place to say them.
  server.onerror = (err) => {
    const text = err.message.includes('exceeded maximum size')
      ? `a message from the client is larger than ${maxBufferSize} bytes (twice --max-record-bytes, plus 1 MiB); the connection is closed`
      : `the client sent a message that could not be read: ${err.message}`;
    options.logger.error(`mcp: ${text}`);
  };
  const closed = new Promise<void>((resolve) => {
    server.onclose = resolve;
  });
  const stop = (): void => void server.close();
  process.stdin.once('end', stop);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await server.connect(transport);
    await closed;
  } finally {
    process.stdin.off('end', stop);
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

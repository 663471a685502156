/**
 * Drives `taskstore mcp` from the built binary with the SDK's own `Client` over a stdio
 * transport, as an agent's MCP client does.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { Readable, Writable } from 'node:stream';
import { CLI } from '../helpers/paths.js';

export interface McpSession {
  client: Client;
  /** Everything the server wrote on stderr so far. */
  stderr(): string;
  /** Calls a tool and returns its result (tool errors included: `isError`). */
  call(name: string, args?: Record<string, unknown>): Promise<CallResult>;
  /**
   * Calls a tool with arguments given as JSON text, sent as written: what no
   * `JSON.stringify` produces (a key given twice, an integer beyond 2^53) but another
   * client's hand-built JSON may.
   */
  callRaw(name: string, argumentsText: string): Promise<CallResult>;
  /** Calls a tool that must succeed and returns its structured content. */
  ok<T = Record<string, unknown>>(name: string, args?: Record<string, unknown>): Promise<T>;
  close(): Promise<void>;
}

export interface CallResult {
  isError?: boolean;
  content: { type: string; text?: string }[];
  structuredContent?: Record<string, unknown>;
}

/** Variables that would change the CLI's behaviour if the test runner had them set. */
const CLEARED = ['TASKSTORE_DIR', 'NO_COLOR', 'FORCE_COLOR', 'TASKSTORE_SKIP_HOOKS'];

/** Starts `taskstore [--store DIR] mcp` in `cwd` and connects a client to it. */
export async function startMcp(options: { cwd: string; store?: string; env?: Record<string, string>; maxBufferSize?: number }): Promise<McpSession> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !CLEARED.includes(key)) env[key] = value;
  Object.assign(env, options.env ?? {});
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, ...(options.store === undefined ? [] : ['--store', options.store]), 'mcp'],
    cwd: options.cwd,
    env,
    stderr: 'pipe',
    ...(options.maxBufferSize === undefined ? {} : { maxBufferSize: options.maxBufferSize }),
  });
  let stderr = '';
  (transport.stderr as Readable | null)?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  // Raw argument texts by placeholder: the transport's send puts each in place of its
  // placeholder after the SDK serialized the message (it writes to the child's stdin).
  const rawTexts = new Map<string, string>();
  const send = transport.send.bind(transport);
  transport.send = async (message) => {
    const text = JSON.stringify(message);
    for (const [placeholder, raw] of rawTexts) {
      if (text.includes(placeholder)) {
        const stdin = (transport as unknown as { _process?: { stdin: Writable } })._process!.stdin;
        await new Promise<void>((resolve, reject) => stdin.write(`${text.replace(`{"raw":"${placeholder}"}`, raw)}\n`, (err) => (err ? reject(err) : resolve())));
        rawTexts.delete(placeholder);
        return;
      }
    }
    return send(message);
  };
  const client = new Client({ name: 'taskstore-test', version: '1.0.0' });
  await client.connect(transport);
  // As every real agent's client does: list the tools first. The SDK client then checks
  // each structured result against its tool's output schema, so every test here fails
  // on a result its schema does not describe (record_history once failed only there).
  await client.listTools();
  const call = async (name: string, args: Record<string, unknown> = {}): Promise<CallResult> =>
    (await client.callTool({ name, arguments: args })) as CallResult;
  return {
    client,
    stderr: () => stderr,
    call,
    async callRaw(name: string, argumentsText: string): Promise<CallResult> {
      const placeholder = `raw-arguments-${rawTexts.size}-${Math.random()}`;
      rawTexts.set(placeholder, argumentsText);
      return call(name, { raw: placeholder });
    },
    async ok<T>(name: string, args: Record<string, unknown> = {}): Promise<T> {
      const result = await call(name, args);
      if (result.isError) throw new Error(`${name} failed: ${textOf(result)}`);
      return result.structuredContent as T;
    },
    close: () => client.close(),
  };
}

/** The text of a result's first content item. */
export function textOf(result: CallResult): string {
  return result.content[0]?.text ?? '';
}

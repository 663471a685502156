#!/usr/bin/env node
/**
 * The protocol floor for the MCP rows: a bare MCP server (the SDK's `Server` on stdio,
 * nothing else loaded) with one tool that answers a fixed record-sized result at once.
 * A call to it costs what any MCP tool call costs (JSON-RPC over pipes, the SDK's
 * request and result validation) and nothing of TaskStore's.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

const result = {
  collection: 'prds',
  record: {
    id: '0193a1b2-0000-7000-8000-000000000000',
    title: 'Search',
    description: 'find things',
    created_at: 1733000000000,
    updated_at: 1733000000000,
    status: 'draft',
    review_passes: 0,
    content: '# Search',
  },
};
const text = JSON.stringify(result);
const server = new Server({ name: 'floor', version: '1.0.0' }, { capabilities: { tools: {} } });
server.setRequestHandler(ListToolsRequestSchema, () => ({
  tools: [{ name: 'get_record', inputSchema: { type: 'object', properties: { id: { type: 'string' } } } }],
}));
server.setRequestHandler(CallToolRequestSchema, () => ({ content: [{ type: 'text', text }], structuredContent: JSON.parse(text) }));
process.stdin.once('end', () => void server.close());
await server.connect(new StdioServerTransport());

/** Every tool of `taskstore mcp`, in the order `tools/list` shows them (the order an agent uses them). */
import { claimTaskSpec, releaseClaim, renewClaim } from './claim-tools.js';
import { check, getRecord, listRecords, readyTaskSpecs, recordHistoryTool } from './read-tools.js';
import type { ToolDefinition } from './tool-definition.js';
import { completeExecution, createExecution, createPrd, createTaskSpec, updateRecord } from './write-tools.js';

export const TOOLS: readonly ToolDefinition[] = [
  readyTaskSpecs,
  claimTaskSpec,
  renewClaim,
  releaseClaim,
  getRecord,
  listRecords,
  recordHistoryTool,
  createPrd,
  createTaskSpec,
  createExecution,
  updateRecord,
  completeExecution,
  check,
] as unknown as readonly ToolDefinition[];

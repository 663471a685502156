/**
 * The public `Store`: the core engine plus the orchestrator's record types and the git
 * integration. See README.md for the API.
 */
import { OrchestratorStore } from './records/orchestrator-store.js';

export class Store extends OrchestratorStore {}

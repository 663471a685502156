/**
 * The public `Store`: the core engine plus the orchestrator's record types and the git
 * integration. See README.md for the API.
 */
import { CoreStore } from './store/core-store.js';

export class Store extends CoreStore {}

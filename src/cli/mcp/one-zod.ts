/**
 * Hands the ES module copy of zod (the one the MCP SDK and the tool schemas import) to
 * the record schemas before anything builds them, so that the server loads zod once, not
 * a second time through `require` (see records/lazy-zod.ts). Imported first by the
 * server: the tool modules read the exported record schemas as they load.
 */
import { z } from 'zod';
import { adoptZod } from '../../records/lazy-zod.js';

adoptZod(z);

/**
 * claimNextReadyTaskSpec over hand-written specs of every kind at once, against the rule:
 * repeated calls claim every claimable spec a write can pass (ready, or running under an
 * ended lease), each once, in claim order (`created_at`, absent first, then id), passing
 * over the claimable specs no write can pass (no `created_at`, a numeric `phase_name`);
 * then the first of those is the error, or, when there is none, nothing is claimed.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openStore } from '../records/helpers.js';

const KINDS = ['ready', 'expired', 'held', 'waiting', 'complete'] as const;

interface SpecCase {
  kind: (typeof KINDS)[number];
  createdAt: number | undefined;
  numericPhase: boolean;
}

const specCase: fc.Arbitrary<SpecCase> = fc.record({
  kind: fc.constantFrom(...KINDS),
  createdAt: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
  numericPhase: fc.boolean(),
});

describe('claimNextReadyTaskSpec over writable and unwritable specs', () => {
  it('claims every writable claimable spec once, in claim order, then names the first unwritable one', () => {
    fc.assert(
      fc.property(fc.array(specCase, { maxLength: 24 }), (cases) => {
        const { store, dir } = openStore();
        const prdId = store.createPrd({ id: 'prd', title: 'P' });
        const lines = cases.map((c, i) => {
          const id = `s${String(i).padStart(2, '0')}`;
          const status = { ready: 'pending', expired: 'running', held: 'running', waiting: 'pending', complete: 'complete' }[c.kind];
          return {
            id,
            prd_id: prdId,
            phase_name: c.numericPhase ? 7 : id,
            status,
            dependencies: c.kind === 'waiting' ? ['nowhere'] : [],
            ...(c.kind === 'expired' || c.kind === 'held' ? { assigned_to: 'gone', lease_expires_at: c.kind === 'expired' ? 1 : Date.now() + 3_600_000 } : {}),
            ...(c.createdAt === undefined ? {} : { created_at: c.createdAt }),
            updated_at: 5,
          };
        });
        if (lines.length > 0) appendFileSync(join(dir, 'task_specs.jsonl'), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
        store.refresh();
        const claimable = lines
          .filter((_, i) => cases[i]!.kind === 'ready' || cases[i]!.kind === 'expired')
          .sort((a, b) => (a.created_at ?? -1) - (b.created_at ?? -1) || (a.id < b.id ? -1 : 1));
        const writable = (l: (typeof lines)[number]) => l.created_at !== undefined && typeof l.phase_name === 'string';
        const claimed: string[] = [];
        for (;;) {
          let spec;
          try {
            spec = store.claimNextReadyTaskSpec('loop');
          } catch (err) {
            const first = claimable.find((l) => !writable(l));
            expect(first, String(err)).toBeDefined();
            expect((err as Error).message).toMatch(new RegExp(`^task spec ${first!.id} cannot be claimed`));
            break;
          }
          if (spec === undefined) {
            expect(claimable.every(writable)).toBe(true);
            break;
          }
          claimed.push(spec.id);
          expect(claimed.length).toBeLessThanOrEqual(lines.length);
        }
        expect(claimed).toEqual(claimable.filter(writable).map((l) => l.id));
        store.close();
      }),
      { numRuns: 60 },
    );
  });
});

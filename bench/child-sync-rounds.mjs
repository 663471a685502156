// One clone of the convergence scenario: `rounds` times, create `perRound` records and
// git-sync. Prints {"retries": n, "ms": total} as its last line.
//
// usage: node child-sync-rounds.mjs <storeDir> <tag> <rounds> <perRound>
import { performance } from 'node:perf_hooks';
import { DIST_INDEX } from './lib.mjs';

const { Store } = await import(DIST_INDEX);
const [dir, tag, roundsText, perRoundText] = process.argv.slice(2);
const store = Store.open(dir);
const notes = store.collection({ name: 'notes' });
const t0 = performance.now();
let retries = 0;
for (let round = 0; round < Number(roundsText); round++) {
  notes.createMany(Array.from({ length: Number(perRoundText) }, (_, k) => ({ id: `${tag}-${round}-${k}`, owner: tag, round })));
  retries += (await store.gitSync({ retries: 50 })).retries;
}
store.close();
console.log(JSON.stringify({ retries, ms: performance.now() - t0 }));

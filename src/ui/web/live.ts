/**
 * The live channel: server-sent events from `/api/events`. Changes are counted per
 * collection, coalesced over a short window (a burst of writes costs one refetch); a
 * view refetches when the count of a collection it shows moves, so heartbeats on
 * executions do not make the PRD list reload. The browser's EventSource reconnects by itself.
 */
import { useEffect, useState } from 'preact/hooks';
import type { LiveChange } from '../api-types.js';

export interface LiveState {
  /** Changes seen so far, per collection. */
  counts: Readonly<Record<string, number>>;
  /** Changes seen so far, all collections. */
  total: number;
  connected: boolean;
  /**
   * Times the channel came back after it was cut (the server restarted, the network
   * dropped): changes made meanwhile were never sent, so every view fetches again.
   */
  reconnects: number;
}

const COALESCE_MS = 100;

/** The version of the data a view shows: moves when one of `collections` changed (all of them when undefined). */
export function versionOf(live: LiveState, collections?: readonly string[]): number {
  if (collections === undefined) return live.total + live.reconnects;
  return collections.reduce((sum, c) => sum + (Object.hasOwn(live.counts, c) ? live.counts[c]! : 0), live.reconnects);
}

export function useLive(): LiveState {
  const [state, setState] = useState<LiveState>({ counts: {}, total: 0, connected: false, reconnects: 0 });
  useEffect(() => {
    const source = new EventSource('/api/events');
    let timer: number | undefined;
    const pending = new Map<string, number>();
    let wasOpen = false;
    let cut = false;
    source.onopen = () => {
      const back = wasOpen && cut;
      wasOpen = true;
      cut = false;
      setState((s) => ({ ...s, connected: true, reconnects: s.reconnects + (back ? 1 : 0) }));
    };
    source.onerror = () => {
      cut = true;
      setState((s) => ({ ...s, connected: false }));
    };
    source.addEventListener('change', (event) => {
      let change: LiveChange;
      try {
        change = JSON.parse((event as MessageEvent<string>).data) as LiveChange;
      } catch {
        return;
      }
      pending.set(change.collection, (pending.get(change.collection) ?? 0) + 1);
      if (timer !== undefined) return;
      timer = window.setTimeout(() => {
        timer = undefined;
        const batch = new Map(pending);
        pending.clear();
        setState((s) => {
          const counts = { ...s.counts };
          let added = 0;
          for (const [c, n] of batch) {
            // Own properties only: a collection may be named `constructor`.
            counts[c] = (Object.hasOwn(counts, c) ? counts[c]! : 0) + n;
            added += n;
          }
          return { ...s, counts, total: s.total + added, connected: true };
        });
      }, COALESCE_MS);
    });
    return () => {
      if (timer !== undefined) clearTimeout(timer);
      source.close();
    };
  }, []);
  return state;
}

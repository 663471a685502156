/**
 * The live channel: server-sent events from `/api/events`. Every change bumps a counter
 * (coalesced over a short window, so a burst of writes costs one refetch); views fetch
 * again when it moves. The browser's EventSource reconnects by itself.
 */
import { useEffect, useState } from 'preact/hooks';
import type { LiveChange } from '../api-types.js';

export interface LiveState {
  version: number;
  connected: boolean;
  last: LiveChange | undefined;
}

const COALESCE_MS = 100;

export function useLive(): LiveState {
  const [state, setState] = useState<LiveState>({ version: 0, connected: false, last: undefined });
  useEffect(() => {
    const source = new EventSource('/api/events');
    let timer: number | undefined;
    let last: LiveChange | undefined;
    source.onopen = () => setState((s) => ({ ...s, connected: true }));
    source.onerror = () => setState((s) => ({ ...s, connected: false }));
    source.addEventListener('change', (event) => {
      try {
        last = JSON.parse((event as MessageEvent<string>).data) as LiveChange;
      } catch {
        return;
      }
      if (timer !== undefined) return;
      timer = window.setTimeout(() => {
        timer = undefined;
        setState((s) => ({ version: s.version + 1, connected: true, last }));
      }, COALESCE_MS);
    });
    return () => {
      if (timer !== undefined) clearTimeout(timer);
      source.close();
    };
  }, []);
  return state;
}

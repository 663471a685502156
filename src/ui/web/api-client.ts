/** Fetching the ui server's JSON API, with its errors as readable text. */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ErrorResponse } from '../api-types.js';
import { parseExact } from '../../shared/exact-json.js';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/**
 * The API paths of one record or PRD, the id in the query: as a path segment, an id `.` or
 * `..` (`%2e` spelt too) is removed by the browser's URL parser before the request leaves
 * (`/api/records/..` asks for `/api/`).
 */
export const apiPath = {
  prd: (id: string) => `/api/prd?id=${encodeURIComponent(id)}`,
  record: (id: string) => `/api/record?id=${encodeURIComponent(id)}`,
  recordHistory: (id: string) => `/api/record/history?id=${encodeURIComponent(id)}`,
};

/**
 * The answer of `path`, parsed. An integer beyond ±2^53 (the server sends the digits the
 * log holds) becomes an `ExactInteger` holding those digits, which `valueText` shows:
 * `res.json()` would round `12345678901234567890` to `12345678901234567000`.
 */
export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(path, { signal: signal ?? null, headers: { Accept: 'application/json' } });
  const body = await res.text().then(parseBody, () => undefined);
  if (!res.ok) {
    const err = (body as ErrorResponse | undefined)?.error;
    throw new ApiError(err?.message ?? `HTTP ${res.status}`, res.status, err?.code ?? 'HTTP', err?.hint);
  }
  return body as T;
}

interface Loaded<T> {
  data: T | undefined;
  error: ApiError | Error | undefined;
  loading: boolean;
}

/**
 * The answer of `path`, fetched again whenever `path` or `version` (the live channel's
 * counter) changes. The previous data stays on screen while the next answer loads, so
 * a live update never blanks the view.
 *
 * A version that moves while the answer for `path` is on its way does not cancel it: the
 * answer is shown, then fetched once more. Cancelled, a view whose answer takes longer
 * than the time between changes (the PRD list of 10,000 PRDs while agents write task
 * specs several times a second) never received one and stayed as it was until the writes
 * stopped. A new `path` cancels the old one's answer: that view is gone.
 */
export function useApi<T>(path: string | undefined, version: number): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ data: undefined, error: undefined, loading: path !== undefined });
  const lastPath = useRef<string | undefined>(undefined);
  /** The request on its way, and whether a change came after it left. */
  const inFlight = useRef<{ path: string; ctl: AbortController; again: boolean } | undefined>(undefined);
  useEffect(() => {
    if (path === undefined) return;
    const current = inFlight.current;
    if (current !== undefined && current.path === path) {
      current.again = true;
      return;
    }
    current?.ctl.abort();
    const samePath = lastPath.current === path;
    lastPath.current = path;
    setState((s) => ({ data: samePath ? s.data : undefined, error: undefined, loading: true }));
    const fetchOnce = (): void => {
      const request = { path, ctl: new AbortController(), again: false };
      inFlight.current = request;
      const done = (): void => {
        inFlight.current = undefined;
        if (request.again) fetchOnce();
      };
      getJson<T>(path, request.ctl.signal).then(
        (data) => {
          if (request.ctl.signal.aborted) return;
          setState({ data, error: undefined, loading: request.again });
          done();
        },
        (error: Error) => {
          if (request.ctl.signal.aborted || error.name === 'AbortError') return;
          setState((s) => ({ data: s.data, error, loading: request.again }));
          done();
        },
      );
    };
    fetchOnce();
  }, [path, version]);
  // Leaving the view cancels what it still waits for.
  useEffect(() => () => inFlight.current?.ctl.abort(), []);
  return state;
}

function parseBody(text: string): unknown {
  try {
    return parseExact(text);
  } catch {
    return undefined;
  }
}

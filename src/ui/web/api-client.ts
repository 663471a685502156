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
 */
export function useApi<T>(path: string | undefined, version: number): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ data: undefined, error: undefined, loading: path !== undefined });
  const lastPath = useRef<string | undefined>(undefined);
  useEffect(() => {
    if (path === undefined) return;
    const samePath = lastPath.current === path;
    lastPath.current = path;
    const ctl = new AbortController();
    setState((s) => ({ data: samePath ? s.data : undefined, error: undefined, loading: true }));
    getJson<T>(path, ctl.signal).then(
      (data) => setState({ data, error: undefined, loading: false }),
      (error: Error) => {
        if (error.name !== 'AbortError') setState((s) => ({ data: samePath ? s.data : undefined, error, loading: false }));
      },
    );
    return () => ctl.abort();
  }, [path, version]);
  return state;
}

function parseBody(text: string): unknown {
  try {
    return parseExact(text);
  } catch {
    return undefined;
  }
}

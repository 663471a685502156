/** The server's clock as seen by the page: its `now` at the last answer plus the time since, ticking each second. */
import { useEffect, useMemo, useState } from 'preact/hooks';

export function useServerNow(serverNow: number | undefined): number {
  // The time since the answer is read from the monotonic clock: the computer's clock set
  // forward an hour moved every lease countdown an hour on ('lease expired' for live
  // claims) until the next answer came.
  const received = useMemo(() => ({ at: Date.now(), mono: performance.now() }), [serverNow]);
  const [tick, setTick] = useState(performance.now());
  useEffect(() => {
    const t = setInterval(() => setTick(performance.now()), 1000);
    return () => clearInterval(t);
  }, []);
  return (serverNow ?? received.at) + Math.max(0, tick - received.mono);
}

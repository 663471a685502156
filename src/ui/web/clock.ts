/** The server's clock as seen by the page: its `now` at the last answer plus the time since, ticking each second. */
import { useEffect, useMemo, useState } from 'preact/hooks';

export function useServerNow(serverNow: number | undefined): number {
  const receivedAt = useMemo(() => Date.now(), [serverNow]);
  const [tick, setTick] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setTick(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  return (serverNow ?? receivedAt) + Math.max(0, tick - receivedAt);
}

import { useSyncExternalStore } from 'react';

/** A tiny history router for the /m/ entry (react-router would cost more than the whole app). */
export const BASE = '/m';

const listeners = new Set<() => void>();
const notify = () => {
  for (const l of listeners) l();
};
if (typeof window !== 'undefined') window.addEventListener('popstate', notify);

export function navigate(to: string, o: { replace?: boolean } = {}) {
  const url = `${BASE}${to}`;
  if (o.replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  window.scrollTo(0, 0);
  notify();
}

/** Path inside the entry ('/', '/persons', '/p/12'…) and the query string. */
export function useLocation(): { path: string; search: URLSearchParams } {
  const href = useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => location.pathname + location.search,
  );
  const u = new URL(href, location.origin);
  const path = u.pathname.startsWith(BASE) ? u.pathname.slice(BASE.length) || '/' : '/';
  return { path, search: u.searchParams };
}

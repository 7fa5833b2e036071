import { lazy, StrictMode, Suspense, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import type * as auth from '../../shared/api/auth';
import { call, retryRead, retryReadDelay } from '../lib/api';
import { GET_ME } from '../lib/auth-ops';
import type { Me } from '../lib/session';
import { LoginPage } from './login/login-page';

/**
 * The console's first chunk: React and the login page only (plain React and CSS, no antd), so a cold
 * start on a township line shows a usable login in a couple of seconds. Everything behind the login —
 * antd, the router, the frame, each page — is `app.tsx` and the chunks it loads on demand; it starts
 * downloading while the user types the password.
 */
const ConsoleApp = lazy(() => import('./app').then((m) => ({ default: m.ConsoleApp })));

/** The signed-in user, or null; a server busy in a failover (503) is waited for, not taken as a logout. */
async function loadMe(): Promise<Me | null> {
  for (let n = 0; ; n++) {
    try {
      return await call<typeof auth.getMe>(GET_ME);
    } catch (e) {
      if (!retryRead(n, e)) return null;
      await new Promise((r) => setTimeout(r, retryReadDelay(n, e)));
    }
  }
}

function Boot() {
  const [session, setSession] = useState<{ me: Me | null }>();
  useEffect(() => {
    void loadMe().then((me) => setSession({ me }));
  }, []);
  useEffect(() => {
    if (session?.me !== null) return;
    if (location.pathname !== '/login') history.replaceState(null, '', '/login');
    // While the password is typed: fetch the console so the first page follows the login at once.
    const idle = window.requestIdleCallback ?? ((fn: () => void) => setTimeout(fn, 1500));
    idle(() => void import('./app'));
  }, [session]);
  if (!session) return null;
  if (!session.me) return <LoginPage onLoggedIn={() => loadMe().then((me) => setSession({ me }))} />;
  return (
    <Suspense fallback={<div className="boot-loading">正在加载…</div>}>
      <ConsoleApp me={session.me} />
    </Suspense>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Boot />
  </StrictMode>,
);

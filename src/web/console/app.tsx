import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { App as AntApp, ConfigProvider } from 'antd';
import zhCN from 'antd/locale/zh_CN';
import dayjs from 'dayjs';
import { retryRead, retryReadDelay } from '../lib/api';
import 'dayjs/locale/zh-cn';
import { Suspense } from 'react';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { type Me, SessionProvider, useSession } from '../lib/session';
import './app.css';
import { NotFoundPage } from './common/not-found';
import { ConsoleLayout } from './layout';
import { LoginPage } from './login/login-page';
import { ROUTES } from './routes';

dayjs.locale('zh-cn');

/**
 * antd's defaults darkened where text or a badge falls under WCAG AA's 4.5:1 (checked by axe in
 * test/e2e/a11y.test.ts): the primary colour on its light backgrounds (the selected menu entry, 4.3:1),
 * links (#1677ff, 4.1:1), secondary text and captions (45 % black, 3.4:1), placeholders (25 % black,
 * 1.8:1), error text and badge counts (#ff4d4f, 3.3:1), success and warning text. Tag colours: app.css.
 */
const THEME = {
  token: {
    colorPrimary: '#1554c0',
    colorLink: '#1554c0',
    colorTextPlaceholder: 'rgba(0, 0, 0, 0.55)',
    colorTextTertiary: 'rgba(0, 0, 0, 0.6)',
    colorTextDescription: 'rgba(0, 0, 0, 0.6)',
    colorError: '#cf1322',
    colorSuccess: '#237804',
    colorWarning: '#ad4e00',
    borderRadius: 6,
    // A user who asked the system for less motion (WCAG 2.3.3) gets no zooming dialogs and fading
    // popovers. The browser tests ask for it too (test/e2e/browser.ts): a click on a dialog's button
    // while it was still zooming in was lost now and then on a busy machine.
    motion: !(typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches),
  },
};
const queryClient = new QueryClient({
  defaultOptions: { queries: { retry: retryRead, retryDelay: retryReadDelay, refetchOnWindowFocus: false } },
});

function Shell() {
  const { me, loading, refresh } = useSession();
  if (loading) return null;
  return (
    <Suspense fallback={null}>
      <Routes>
        <Route
          path="/login"
          element={me ? <Navigate to="/" replace /> : <LoginPage onLoggedIn={refresh} />}
        />
        <Route element={me ? <ConsoleLayout /> : <Navigate to="/login" replace />}>
          {ROUTES.map((r) => (
            <Route key={r.path} path={r.path} element={r.element} />
          ))}
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Routes>
    </Suspense>
  );
}

/** The console after login (main.tsx loads it): antd, the router, the session and the pages. */
export function ConsoleApp({ me }: { me: Me }) {
  return (
    <ConfigProvider locale={zhCN} theme={THEME}>
      <AntApp>
        <QueryClientProvider client={queryClient}>
          <SessionProvider initialMe={me}>
            <BrowserRouter>
              <Shell />
            </BrowserRouter>
          </SessionProvider>
        </QueryClientProvider>
      </AntApp>
    </ConfigProvider>
  );
}

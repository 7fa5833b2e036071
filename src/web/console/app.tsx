import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { App as AntApp, ConfigProvider } from 'antd';
import zhCN from 'antd/locale/zh_CN';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import { Suspense } from 'react';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { type Me, SessionProvider, useSession } from '../lib/session';
import { ConsoleLayout } from './layout';
import { LoginPage } from './login/login-page';
import { ROUTES } from './routes';

dayjs.locale('zh-cn');

const queryClient = new QueryClient({
  defaultOptions: { queries: { retry: 1, refetchOnWindowFocus: false } },
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
          <Route path="*" element={<Navigate to="/" replace />} />
        </Route>
      </Routes>
    </Suspense>
  );
}

/** The console after login (main.tsx loads it): antd, the router, the session and the pages. */
export function ConsoleApp({ me }: { me: Me }) {
  return (
    <ConfigProvider locale={zhCN} theme={{ token: { colorPrimary: '#1f6feb', borderRadius: 6 } }}>
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

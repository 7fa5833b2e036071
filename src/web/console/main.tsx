import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { App as AntApp, ConfigProvider } from 'antd';
import zhCN from 'antd/locale/zh_CN';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { retryRead, retryReadDelay } from '../lib/api';
import { SessionProvider, useSession } from '../lib/session';
import { ConsoleLayout } from './layout';
import { LoginPage } from './login/login-page';
import { ROUTES } from './routes';

dayjs.locale('zh-cn');
const queryClient = new QueryClient({
  defaultOptions: { queries: { retry: retryRead, retryDelay: retryReadDelay, refetchOnWindowFocus: false } },
});

function Shell() {
  const { me, loading } = useSession();
  if (loading) return null;
  return (
    <Routes>
      <Route path="/login" element={me ? <Navigate to="/" replace /> : <LoginPage />} />
      <Route element={me ? <ConsoleLayout /> : <Navigate to="/login" replace />}>
        {ROUTES.map((r) => (
          <Route key={r.path} path={r.path} element={r.element} />
        ))}
        <Route path="*" element={<Navigate to="/" replace />} />
      </Route>
    </Routes>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ConfigProvider locale={zhCN} theme={{ token: { colorPrimary: '#1f6feb', borderRadius: 6 } }}>
      <AntApp>
        <QueryClientProvider client={queryClient}>
          <SessionProvider>
            <BrowserRouter>
              <Shell />
            </BrowserRouter>
          </SessionProvider>
        </QueryClientProvider>
      </AntApp>
    </ConfigProvider>
  </StrictMode>,
);

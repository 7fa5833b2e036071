import { BellOutlined, EnvironmentOutlined, LogoutOutlined, UserOutlined } from '@ant-design/icons';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Badge, Button, Dropdown, Layout, Menu, Space, Spin, Tag, Typography } from 'antd';
import { Suspense, useEffect, useState } from 'react';
import { Outlet, useLocation, useNavigate } from 'react-router';
import * as auth from '../../shared/api/auth';
import { can, ROLE_LABELS } from '../../shared/roles';
import { api, call, setPasswordChangeHandler, setUnauthorizedHandler } from '../lib/api';
import { useSession } from '../lib/session';
import { ROUTES } from './routes';
import { ForcedPasswordChange } from './security/forced-password-change';

export function ConsoleLayout() {
  const { me, refresh } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const qc = useQueryClient();
  useEffect(() => setUnauthorizedHandler(() => refresh()), [refresh]);
  const [mustChange, setMustChange] = useState(false);
  useEffect(() => {
    setPasswordChangeHandler(() => setMustChange(true));
    return () => setPasswordChangeHandler(undefined);
  }, []);
  if (!me) return null;
  const items = ROUTES.filter((r) => !r.hidden && (!r.permission || can(me.roles, r.permission))).map(
    (r) => ({
      key: r.path,
      icon: r.icon,
      label: r.label,
    }),
  );
  const logout = async () => {
    await call(auth.logout).catch(() => {});
    qc.clear();
    refresh();
    navigate('/login');
  };
  const areaText = me.areas.map((a) => a.name).join('、') || '—';
  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Sider
        breakpoint="lg"
        collapsedWidth={0}
        width={208}
        theme="light"
        style={{ borderRight: '1px solid #eee' }}
      >
        <div style={{ padding: '18px 20px', fontWeight: 600, fontSize: 17 }}>
          探访 <span style={{ color: '#595959', fontWeight: 400, fontSize: 13 }}>tanfang</span>
        </div>
        <Menu
          mode="inline"
          selectedKeys={[`/${location.pathname.split('/')[1]}`]}
          items={items}
          onClick={(e) => navigate(e.key)}
        />
      </Layout.Sider>
      <Layout>
        {mustChange && <ForcedPasswordChange onDone={() => setMustChange(false)} onLogout={logout} />}
        <Layout.Header
          style={{
            background: '#fff',
            borderBottom: '1px solid #eee',
            padding: '0 20px',
            display: 'flex',
            alignItems: 'center',
            justifyContent: 'space-between',
          }}
        >
          <Space>
            <EnvironmentOutlined />
            <Typography.Text data-testid="current-area">{areaText}</Typography.Text>
            {me.roles.map((r) => (
              <Tag key={r} color="blue">
                {ROLE_LABELS[r]}
              </Tag>
            ))}
          </Space>
          <Space>
            <InboxBell />
            <Dropdown
              menu={{
                items: [{ key: 'logout', icon: <LogoutOutlined />, label: '退出登录', onClick: logout }],
              }}
            >
              <Button type="text" icon={<UserOutlined />} data-testid="user-menu">
                {me.displayName}
              </Button>
            </Dropdown>
          </Space>
        </Layout.Header>
        <Layout.Content style={{ padding: 20 }}>
          {/* Pages are loaded on first use (routes.tsx): the frame stays while one arrives. */}
          <Suspense fallback={<Spin style={{ display: 'block', marginTop: 80 }} tip="加载中…" />}>
            <Outlet />
          </Suspense>
        </Layout.Content>
      </Layout>
    </Layout>
  );
}

/** The unread-notifications bell in the header; polls every minute, opens the inbox. */
function InboxBell() {
  const navigate = useNavigate();
  const q = useQuery({
    queryKey: ['inbox-unread'],
    queryFn: () => api<{ unread: number }>('/api/inbox/unread-count'),
    refetchInterval: 60000,
  });
  // The accessible name carries the count the badge shows (WCAG 2.5.3, label in name).
  const unread = q.data?.unread ?? 0;
  return (
    <Button
      type="text"
      onClick={() => navigate('/inbox')}
      data-testid="inbox-bell"
      aria-label={`消息通知${unread ? ` ${unread > 99 ? '99+' : unread}` : ''}`}
    >
      <Badge count={q.data?.unread ?? 0} size="small" overflowCount={99}>
        <BellOutlined style={{ fontSize: 18 }} />
      </Badge>
    </Button>
  );
}

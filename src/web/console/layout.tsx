import {
  AlertOutlined,
  BellOutlined,
  EnvironmentOutlined,
  HeartOutlined,
  LogoutOutlined,
  ScheduleOutlined,
  SettingOutlined,
  TrophyOutlined,
  UserOutlined,
} from '@ant-design/icons';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Badge, Button, Dropdown, Layout, Menu, Space, Spin, Tag, Typography } from 'antd';
import { type ReactNode, Suspense, useEffect, useState } from 'react';
import { Outlet, useLocation, useNavigate } from 'react-router';
import type * as auth from '../../shared/api/auth';
import type * as notificationsApi from '../../shared/api/notifications';
import { can, ROLE_LABELS, type Role } from '../../shared/roles';
import { call, setPasswordChangeHandler, setUnauthorizedHandler } from '../lib/api';
import { LOGOUT } from '../lib/auth-ops';
import { useSession } from '../lib/session';
import { MENU_GROUPS, MENU_ORDER, type MenuGroup, ROUTES } from './routes';
import { ForcedPasswordChange } from './security/forced-password-change';
import { UNREAD_COUNT } from './shell-ops';

export function ConsoleLayout() {
  const { me, refresh } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const qc = useQueryClient();
  useEffect(() => setUnauthorizedHandler(() => refresh()), [refresh]);
  const [mustChange, setMustChange] = useState(false);
  // Below antd's lg breakpoint the menu is a drawer over the page (it squeezed a 360 px page to 150 px).
  const [narrow, setNarrow] = useState(false);
  const [collapsed, setCollapsed] = useState(false);
  useEffect(() => {
    setPasswordChangeHandler(() => setMustChange(true));
    return () => setPasswordChangeHandler(undefined);
  }, []);
  if (!me) return null;
  const items = menuItems(me.roles);
  const current = `/${location.pathname.split('/')[1]}`;
  const logout = async () => {
    await call<typeof auth.logout>(LOGOUT).catch(() => {});
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
        className={narrow ? 'tf-sider-narrow' : undefined}
        collapsed={collapsed}
        onCollapse={setCollapsed}
        onBreakpoint={(broken) => {
          setNarrow(broken);
          setCollapsed(broken);
        }}
        zeroWidthTriggerStyle={{ top: 12 }}
        style={{ borderRight: '1px solid #eee' }}
      >
        <div style={{ padding: '18px 20px', fontWeight: 600, fontSize: 17 }}>
          探访 <span style={{ color: '#595959', fontWeight: 400, fontSize: 13 }}>tanfang</span>
        </div>
        <Menu
          mode="inline"
          selectedKeys={[current]}
          // Every group starts open (a role sees only its groups); each can be folded away.
          defaultOpenKeys={items.filter((i) => 'children' in i).map((i) => i.key)}
          items={items}
          onClick={(e) => {
            navigate(e.key);
            if (narrow) setCollapsed(true);
          }}
          data-testid="console-menu"
        />
      </Layout.Sider>
      <Layout>
        {mustChange && <ForcedPasswordChange onDone={() => setMustChange(false)} onLogout={logout} />}
        <Layout.Header
          className="tf-header"
          style={{
            background: '#fff',
            borderBottom: '1px solid #eee',
            padding: narrow ? '0 8px 0 52px' : '0 20px',
            lineHeight: 'normal',
            display: 'flex',
            alignItems: 'center',
            justifyContent: 'space-between',
          }}
        >
          <Space style={{ minWidth: 0 }} align="center">
            <EnvironmentOutlined />
            <Typography.Text
              data-testid="current-area"
              ellipsis
              style={{ maxWidth: narrow ? 110 : 480, verticalAlign: 'middle' }}
            >
              {areaText}
            </Typography.Text>
            {!narrow &&
              me.roles.map((r) => (
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
              <Button type="text" icon={<UserOutlined />} data-testid="user-menu" aria-label={me.displayName}>
                {narrow ? null : me.displayName}
              </Button>
            </Dropdown>
          </Space>
        </Layout.Header>
        <Layout.Content style={{ padding: narrow ? 12 : 20, minWidth: 0 }}>
          {/* Pages are loaded on first use (routes.tsx): the frame stays while one arrives. */}
          <Suspense fallback={<Spin style={{ display: 'block', marginTop: 80 }} tip="加载中…" />}>
            <Outlet />
          </Suspense>
        </Layout.Content>
      </Layout>
    </Layout>
  );
}

/**
 * The menu for these roles: 工作台 and 消息通知 on top, then the pages grouped by job (探访, 事件与整改,
 * 照料与资金, 监督考核, 系统), each group shown only when the roles have a page in it.
 */
export function menuItems(roles: Role[]) {
  const visible = ROUTES.filter((r) => !r.hidden && (!r.permission || can(roles, r.permission)));
  const entry = (r: (typeof ROUTES)[number]) => ({ key: r.path, icon: r.icon, label: r.label });
  return [
    ...visible.filter((r) => !r.group).map(entry),
    ...MENU_GROUPS.map((g) => ({ g, pages: visible.filter((r) => r.group === g.key) }))
      .filter(({ pages }) => pages.length > 0)
      .map(({ g, pages }) => ({
        key: `group:${g.key}`,
        label: g.label,
        icon: GROUP_ICONS[g.key],
        children: [...pages].sort((a, b) => rank(a.path) - rank(b.path)).map(entry),
      })),
  ];
}

const rank = (path: string) => {
  const i = MENU_ORDER.indexOf(path);
  return i < 0 ? MENU_ORDER.length : i;
};

const GROUP_ICONS: Record<MenuGroup, ReactNode> = {
  visits: <ScheduleOutlined />,
  cases: <AlertOutlined />,
  care: <HeartOutlined />,
  oversight: <TrophyOutlined />,
  system: <SettingOutlined />,
};

/** The unread-notifications bell in the header; polls every minute, opens the inbox. */
function InboxBell() {
  const navigate = useNavigate();
  const q = useQuery({
    queryKey: ['inbox-unread'],
    queryFn: () => call<typeof notificationsApi.getUnreadCount>(UNREAD_COUNT),
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

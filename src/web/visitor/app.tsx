import { useEffect } from 'react';
import { BASE, navigate, useLocation } from './router';
import { ChangePasswordScreen } from './screens/change-password';
import { InboxScreen } from './screens/inbox';
import { LoginScreen } from './screens/login';
import { MeScreen } from './screens/me';
import { PersonScreen } from './screens/person';
import { PersonsScreen } from './screens/persons';
import { QueueScreen } from './screens/queue';
import { RecentScreen } from './screens/recent';
import { TasksScreen } from './screens/tasks';
import { VisitScreen } from './screens/visit';
import { myQueue, syncNow, useApp } from './state';

const TABS = [
  { path: '/', id: 'tasks', label: '任务', icon: '✓' },
  { path: '/persons', id: 'persons', label: '对象', icon: '☰' },
  { path: '/recent', id: 'recent', label: '记录', icon: '⟲' },
  { path: '/inbox', id: 'inbox', label: '消息', icon: '✉' },
  { path: '/me', id: 'me', label: '我的', icon: '☺' },
];

export function App() {
  const s = useApp();
  const { path, search } = useLocation();
  useEffect(() => {
    if (!location.pathname.startsWith(BASE)) navigate('/', { replace: true });
  }, []);
  if (!s.ready) return null;
  if (!s.session || s.sessionExpired) return <LoginScreen />;
  if (s.passwordChangeRequired) return <ChangePasswordScreen />;

  let screen: React.ReactNode;
  const personMatch = path.match(/^\/p\/(\d+)$/);
  const visitMatch = path.match(/^\/visit\/(\d+)$/);
  if (path === '/persons') screen = <PersonsScreen />;
  else if (personMatch) screen = <PersonScreen id={Number(personMatch[1])} />;
  else if (visitMatch)
    screen = <VisitScreen personId={Number(visitMatch[1])} editClientId={search.get('edit')} />;
  else if (path === '/recent') screen = <RecentScreen />;
  else if (path === '/inbox') screen = <InboxScreen />;
  else if (path === '/queue') screen = <QueueScreen />;
  else if (path === '/me') screen = <MeScreen />;
  else screen = <TasksScreen />;

  const tab =
    TABS.find((t) => t.path === path)?.path ??
    (path.startsWith('/p/') || path.startsWith('/visit/') ? '/persons' : '');
  return (
    <div className="shell">
      <SyncBar />
      <main className="content">{screen}</main>
      {s.toast && (
        <div className="toast" role="status" data-testid="toast">
          {s.toast}
        </div>
      )}
      <nav className="tabs">
        {TABS.map((t) => (
          <button
            key={t.path}
            type="button"
            data-testid={`tab-${t.id}`}
            className={tab === t.path ? 'tab active' : 'tab'}
            onClick={() => navigate(t.path)}
          >
            <span className="tab-icon" aria-hidden>
              {t.icon}
            </span>
            {t.label}
            {t.path === '/inbox' && !!s.inbox?.unread && <span className="badge">{s.inbox.unread}</span>}
          </button>
        ))}
      </nav>
    </div>
  );
}

/** Always on top: offline, what waits to be sent, what was refused. */
function SyncBar() {
  const s = useApp();
  const mine = myQueue(s);
  const pending = mine.filter((q) => q.status === 'pending').length;
  const rejected = mine.filter((q) => q.status === 'rejected').length;
  let text: string;
  let tone: string;
  if (rejected) {
    text = `${rejected} 条记录被退回，请处理`;
    tone = 'bad';
  } else if (pending) {
    text = s.syncing ? `正在上传 ${pending} 条记录…` : `${pending} 条记录待上传`;
    tone = 'warn';
  } else {
    text = s.syncing || s.refreshing ? '正在同步…' : '全部记录已上传';
    tone = 'ok';
  }
  return (
    <header className={`syncbar ${tone}`}>
      <span className={s.online ? 'dot on' : 'dot off'} aria-hidden />
      <span className="net" data-testid="net-state">
        {s.online ? '在线' : '离线'}
      </span>
      <button
        type="button"
        className="sync-text"
        data-testid="sync-status"
        onClick={() => navigate('/queue')}
      >
        {text}
      </button>
      {s.online && (pending > 0 || !s.syncing) && (
        <button
          type="button"
          className="sync-now"
          data-testid="sync-now"
          disabled={s.syncing}
          onClick={() => void syncNow({ force: true })}
        >
          {pending ? '立即上传' : '刷新'}
        </button>
      )}
    </header>
  );
}

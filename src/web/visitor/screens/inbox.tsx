import { useEffect, useState } from 'react';
import { markRead, refreshInbox, toast, useApp } from '../state';
import { fmtDateTime } from '../util';

/** The inbox (站内通知): fetched when online, the last copy shown offline. */
export function InboxScreen() {
  const s = useApp();
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (s.online) refreshInbox().catch((e) => setError((e as Error).message));
  }, [s.online]);
  const items = s.inbox?.items ?? [];
  return (
    <section>
      <h2 className="title">消息 {s.inbox && <small>{s.inbox.unread} 条未读</small>}</h2>
      {!s.online && s.inbox && <p className="muted">离线：显示 {fmtDateTime(s.inbox.fetchedAt)} 的消息</p>}
      {error && <p className="error">{error}</p>}
      {items.length === 0 && (
        <p className="empty">{s.inbox ? '暂无消息' : s.online ? '正在加载…' : '离线，暂无缓存的消息'}</p>
      )}
      <ul className="list" data-testid="inbox-list">
        {items.map((n) => (
          <li key={n.id}>
            <button
              type="button"
              className={n.read ? 'row' : 'row unread'}
              onClick={() => {
                if (!n.read && s.online) markRead(n.id).catch((e) => toast((e as Error).message));
              }}
            >
              <span className="row-main">
                <strong>{n.title}</strong>
                {n.body && <span className="row-body">{n.body}</span>}
                <span className="row-sub">{fmtDateTime(n.createdAt)}</span>
              </span>
              {!n.read && <span className="dot on" aria-label="未读" />}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

import { VISIT_METHOD_LABELS, VISIT_OUTCOME_LABELS } from '../../../shared/checklist';
import { navigate } from '../router';
import { discard, syncNow, useApp } from '../state';
import { fmtDateTime } from '../util';

/** What waits on the phone: pending visits with their last error, and refused ones with the reason. */
export function QueueScreen() {
  const s = useApp();
  const me = s.session!.user.id;
  const mine = s.queue.filter((q) => q.userId === me);
  const others = s.queue.filter((q) => q.userId !== me);
  return (
    <section>
      <h2 className="title">待上传记录</h2>
      {mine.length === 0 && <p className="empty">没有待上传的记录</p>}
      {mine.some((q) => q.status === 'pending') && (
        <p className="actions">
          <button
            type="button"
            className="primary block"
            disabled={!s.online || s.syncing}
            onClick={() => void syncNow({ force: true })}
          >
            {s.online ? (s.syncing ? '正在上传…' : '立即上传') : '离线：有信号后自动上传'}
          </button>
        </p>
      )}
      <ul className="list" data-testid="queue-list">
        {mine.map((q) => (
          <li
            key={q.clientId}
            className={q.status === 'rejected' ? 'qitem rejected' : 'qitem'}
            data-testid="queue-item"
          >
            <div className="row-main">
              <strong>{q.personName}</strong>
              <span className="row-sub">
                {fmtDateTime(q.draft.at)} · {VISIT_METHOD_LABELS[q.draft.method]} ·{' '}
                {VISIT_OUTCOME_LABELS[q.draft.outcome]}
                {q.photos.length > 0 && ` · ${q.photos.length} 张照片`}
              </span>
              {q.status === 'pending' && q.photos.length > 0 && (q.uploaded?.length ?? 0) > 0 && (
                <span className="muted" data-testid="photo-progress">
                  照片已上传 {Math.min(q.uploaded!.length, q.photos.length)}/{q.photos.length}
                </span>
              )}
              {q.status === 'rejected' ? (
                <span className="error" data-testid="rejection-reason">
                  被服务器退回：{q.rejection?.message}
                </span>
              ) : (
                q.lastError && (
                  <span className="muted">
                    已尝试 {q.attempts} 次（{q.lastError}），将自动重试
                  </span>
                )
              )}
            </div>
            {q.status === 'rejected' && (
              <div className="qactions">
                <button
                  type="button"
                  className="secondary"
                  onClick={() => navigate(`/visit/${q.draft.personId}?edit=${q.clientId}`)}
                >
                  修改后重传
                </button>
                <button
                  type="button"
                  className="danger"
                  data-testid="discard"
                  onClick={() => {
                    if (confirm(`放弃这条${q.personName}的探访记录？放弃后无法恢复。`))
                      void discard(q.clientId);
                  }}
                >
                  放弃
                </button>
              </div>
            )}
          </li>
        ))}
      </ul>
      {others.length > 0 && (
        <>
          <h3 className="subtitle">其他用户的记录（{others.length} 条）</h3>
          <p className="muted">
            这些记录属于 {[...new Set(others.map((o) => o.userName))].join('、')}，需本人登录后上传。
          </p>
        </>
      )}
    </section>
  );
}

import { REVIEW_STATE_LABELS } from '../../../shared/authenticity';
import { VISIT_METHOD_LABELS, VISIT_OUTCOME_LABELS } from '../../../shared/checklist';
import { navigate } from '../router';
import { myQueue, useApp } from '../state';
import { fmtDateTime } from '../util';
import { Loading } from './tasks';

/** My recent visits: those still on the phone first, then what the server has. */
export function RecentScreen() {
  const s = useApp();
  if (!s.bundle) return <Loading />;
  const queued = myQueue(s);
  return (
    <section>
      <h2 className="title">我的探访记录</h2>
      <ul className="list" data-testid="recent-list">
        {queued.map((q) => (
          <li key={q.clientId}>
            <button
              type="button"
              className="row"
              onClick={() =>
                navigate(q.status === 'rejected' ? `/visit/${q.draft.personId}?edit=${q.clientId}` : '/queue')
              }
            >
              <span className="row-main">
                <strong>{q.personName}</strong>
                <span className="row-sub">
                  {fmtDateTime(q.draft.at)} · {VISIT_METHOD_LABELS[q.draft.method]} ·{' '}
                  {VISIT_OUTCOME_LABELS[q.draft.outcome]}
                  {q.photos.length > 0 && ` · ${q.photos.length} 张照片`}
                </span>
              </span>
              <span className={`due ${q.status === 'rejected' ? 'late' : 'queued'}`}>
                {q.status === 'rejected' ? '被退回' : '待上传'}
              </span>
            </button>
          </li>
        ))}
        {s.bundle.recentVisits.map((v) => (
          <li key={v.id}>
            <button type="button" className="row" onClick={() => navigate(`/p/${v.personId}`)}>
              <span className="row-main">
                <strong>{v.personName}</strong>
                <span className="row-sub">
                  {fmtDateTime(v.at)} · {VISIT_METHOD_LABELS[v.method]} · {VISIT_OUTCOME_LABELS[v.outcome]}
                  {v.photoCount > 0 && ` · ${v.photoCount} 张照片`}
                </span>
                {v.flags.length > 0 && (
                  <span className="row-sub flag" data-testid="visit-flags">
                    疑点：{v.flags.join('；')}
                    {v.reviewState && v.reviewState !== 'pending' && (
                      <>
                        {' '}
                        · 核查结果：{REVIEW_STATE_LABELS[v.reviewState]}
                        {v.reviewNote ? `（${v.reviewNote}）` : ''}
                      </>
                    )}
                  </span>
                )}
              </span>
              <span
                className={`due ${v.reviewState === 'rejected' ? 'late' : v.flags.length ? 'queued' : 'ok'}`}
              >
                {v.reviewState === 'rejected'
                  ? '不予认定'
                  : v.reviewState === 'pending'
                    ? '待核查'
                    : '已上传'}
              </span>
            </button>
          </li>
        ))}
      </ul>
      {queued.length === 0 && s.bundle.recentVisits.length === 0 && <p className="empty">还没有探访记录</p>}
    </section>
  );
}

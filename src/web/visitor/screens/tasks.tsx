import { useState } from 'react';
import { roundChecksText } from '../../../shared/checklist';
import { TIER_LABELS } from '../../../shared/person';
import { periodLabel } from '../../../shared/schedule';
import { navigate } from '../router';
import { myQueue, useApp } from '../state';
import { daysLeftLabel, queuedFor, TASK_KIND_LABELS } from '../util';

/** Rows rendered at once (a long list grows on demand, so a big caseload opens fast). */
const PAGE = 100;

/** My tasks of this period: open ones by due date (due soon and late first), then those done. */
export function TasksScreen() {
  const s = useApp();
  const [limit, setLimit] = useState(PAGE);
  if (!s.bundle) return <Loading />;
  const names = new Map(s.bundle.persons.map((p) => [p.id, p]));
  const queue = myQueue(s);
  const open = s.bundle.tasks.filter((t) => t.status === 'open');
  const done = s.bundle.tasks.filter((t) => t.status === 'done');
  const dueSoon = open.filter((t) => daysLeftLabel(t.dueDate).tone !== 'ok').length;
  return (
    <section>
      <h2 className="title">
        本期任务{' '}
        <small>
          {open.length} 项未完成{dueSoon > 0 && `，${dueSoon} 项即将到期或逾期`}
        </small>
      </h2>
      {open.length === 0 && <p className="empty">本期任务已全部完成</p>}
      <ul className="list" data-testid="task-list">
        {open.slice(0, limit).map((t) => {
          const p = names.get(t.personId);
          const left = daysLeftLabel(t.dueDate);
          const q = queuedFor(t, queue);
          return (
            <li key={t.id}>
              <button type="button" className="row" onClick={() => navigate(`/p/${t.personId}`)}>
                <span className="row-main">
                  <strong>{p?.name ?? `对象 ${t.personId}`}</strong>
                  {t.tier && <span className={`tag ${t.tier}`}>{TIER_LABELS[t.tier]}</span>}
                  {t.kind !== 'regular' && <span className="tag kind">{TASK_KIND_LABELS[t.kind]}</span>}
                  <span className="row-sub">
                    {p?.villageName} · {t.kind === 'regular' ? periodLabel(t.period) : (t.reason ?? '')} ·
                    截止 {t.dueDate}
                    {/* A bundle stored before the rounds carried checks has none. */}
                    {t.checks?.length > 0 && ` · ${roundChecksText(t.checks)}`}
                  </span>
                </span>
                {q ? (
                  <span className="due queued" data-testid="task-queued">
                    已记录
                    <br />
                    待上传
                  </span>
                ) : (
                  <span className={`due ${left.tone}`}>{left.text}</span>
                )}
              </button>
            </li>
          );
        })}
      </ul>
      {open.length > limit && (
        <button type="button" className="secondary block more" onClick={() => setLimit(limit + PAGE)}>
          显示更多（还有 {open.length - limit} 项）
        </button>
      )}
      {done.length > 0 && (
        <>
          <h3 className="subtitle">本期已完成 {done.length} 项</h3>
          <ul className="list done" data-testid="done-list">
            {done.slice(0, PAGE).map((t) => (
              <li key={t.id}>
                <button type="button" className="row" onClick={() => navigate(`/p/${t.personId}`)}>
                  <span className="row-main">
                    <strong>{names.get(t.personId)?.name}</strong>
                    <span className="row-sub">截止 {t.dueDate}</span>
                  </span>
                  <span className="due ok">已完成</span>
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

export function Loading() {
  const s = useApp();
  return (
    <p className="empty">
      {s.online ? '正在下载离线数据…' : '尚无离线数据：请在有网络时打开一次，之后即可离线使用。'}
      {s.lastSyncError && <span className="error"> {s.lastSyncError}</span>}
    </p>
  );
}

import { VISIT_METHOD_LABELS } from '../../../shared/checklist';
import {
  BENEFIT_CARD_LABELS,
  PERSON_FLAG_LABELS,
  SELF_CARE_LABELS,
  TIER_LABELS,
} from '../../../shared/person';
import { navigate } from '../router';
import { myQueue, useApp } from '../state';
import { daysLeftLabel, daysSince, fmtDateTime, queuedFor } from '../util';
import { Loading } from './tasks';

const CONCERN_STATUS: Record<string, string> = { open: '待处理', in_progress: '处理中' };

/** The doorstep card: what a visitor needs before knocking. */
export function PersonScreen({ id }: { id: number }) {
  const s = useApp();
  if (!s.bundle) return <Loading />;
  const p = s.bundle.persons.find((x) => x.id === id);
  if (!p)
    return (
      <p className="empty">
        该对象不在您的负责名单中（可能已调整）。
        <button type="button" className="link" onClick={() => navigate('/persons')}>
          返回对象列表
        </button>
      </p>
    );
  const tasks = s.bundle.tasks.filter((t) => t.personId === id && t.status === 'open');
  const queued = myQueue(s).filter((q) => q.draft.personId === id);
  return (
    <section className="card-page">
      <div className="card head">
        <button type="button" className="back" onClick={() => history.back()} aria-label="返回">
          ‹
        </button>
        <h2 data-testid="person-name">{p.name}</h2>
        <p className="muted">
          {p.sex === 'male' ? '男' : '女'} · {p.age}岁 · {SELF_CARE_LABELS[p.selfCare]} ·{' '}
          <span className={`tag ${p.tier}`}>{TIER_LABELS[p.tier]}</span>
          {p.status === 'paused' && <span className="tag bad">暂停供养</span>}
          {p.backup && <span className="tag kind">备岗</span>}
        </p>
        {p.flags.length > 0 && (
          <p className="flags">
            {p.flags.map((f) => (
              <span key={f} className="tag flag">
                {PERSON_FLAG_LABELS[f as keyof typeof PERSON_FLAG_LABELS] ?? f}
              </span>
            ))}
          </p>
        )}
      </div>

      <dl className="card kv">
        <dt>住址</dt>
        <dd>
          {p.address || '—'}（{p.villageName}）
        </dd>
        <dt>电话</dt>
        <dd>
          {p.phone ? (
            <a href={`tel:${p.phone}`} className="tel">
              {p.phone} 拨打
            </a>
          ) : (
            '无'
          )}
        </dd>
        <dt>照料服务人</dt>
        <dd>
          {p.caregiver ? (
            <>
              {p.caregiver.name}（{p.caregiver.relation}）
              {p.caregiver.phone && (
                <>
                  {' '}
                  <a href={`tel:${p.caregiver.phone}`} className="tel">
                    {p.caregiver.phone} 拨打
                  </a>
                </>
              )}
            </>
          ) : (
            '无'
          )}
        </dd>
        <dt>一卡通</dt>
        <dd>
          {BENEFIT_CARD_LABELS[p.benefitCard]}
          {p.cardCustodian && `（代管人：${p.cardCustodian}）`}
        </dd>
        {p.flagNote && (
          <>
            <dt>备注</dt>
            <dd>{p.flagNote}</dd>
          </>
        )}
      </dl>

      {tasks.length > 0 && (
        <div className="card">
          <h3>未完成任务</h3>
          {tasks.map((t) => {
            const left = daysLeftLabel(t.dueDate);
            return (
              <p key={t.id}>
                截止 {t.dueDate}{' '}
                <span className={`due ${left.tone}`}>
                  {queuedFor(t, myQueue(s)) ? '已记录，待上传' : left.text}
                </span>
              </p>
            );
          })}
        </div>
      )}

      <div className="card">
        <h3>上次探访</h3>
        {p.lastVisit ? (
          <>
            <p>
              {fmtDateTime(p.lastVisit.at)}（{daysSince(p.lastVisit.at)} 天前）·{' '}
              {VISIT_METHOD_LABELS[p.lastVisit.method]} · {p.lastVisit.visitorName}
            </p>
            {p.lastVisit.findings.length === 0 ? (
              <p className="muted">未发现异常</p>
            ) : (
              <ul className="findings" data-testid="findings">
                {p.lastVisit.findings.map((f) => (
                  <li key={f.label}>
                    <span className="muted">{f.label}：</span>
                    {f.answer}
                  </li>
                ))}
              </ul>
            )}
            {p.lastVisit.notes && <p className="muted">备注：{p.lastVisit.notes}</p>}
          </>
        ) : (
          <p className="muted">尚无探访记录</p>
        )}
      </div>

      <div className="card">
        <h3>
          未办结诉求 {p.openConcerns.length > 0 && <span className="badge">{p.openConcerns.length}</span>}
        </h3>
        {p.openConcerns.length === 0 && <p className="muted">无</p>}
        {p.openConcerns.map((c) => (
          <p key={c.id}>
            <span className="tag kind">{c.category}</span> {c.description}{' '}
            <span className="muted">
              {CONCERN_STATUS[c.status] ?? c.status}
              {c.deadline && ` · 期限 ${c.deadline}`}
            </span>
          </p>
        ))}
      </div>

      {queued.length > 0 && (
        <div className="card">
          <h3>本机待上传</h3>
          {queued.map((q) => (
            <p key={q.clientId}>
              {fmtDateTime(q.draft.at)} {VISIT_METHOD_LABELS[q.draft.method]}{' '}
              {q.status === 'rejected' ? (
                <span className="due late">被退回：{q.rejection?.message}</span>
              ) : (
                <span className="due soon">待上传</span>
              )}
            </p>
          ))}
        </div>
      )}

      <div className="actions sticky">
        <button
          type="button"
          className="primary block"
          data-testid="record-visit"
          onClick={() => navigate(`/visit/${p.id}`)}
        >
          记录探访
        </button>
      </div>
    </section>
  );
}

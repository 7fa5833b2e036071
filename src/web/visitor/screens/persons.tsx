import { useEffect, useMemo, useRef, useState } from 'react';
import { SELF_CARE_SHORT, TIER_LABELS } from '../../../shared/person';
import { navigate } from '../router';
import { useApp } from '../state';
import type { BundlePerson } from '../types';
import { daysSince, fmtDate } from '../util';
import { Loading } from './tasks';

export const ROW_HEIGHT = 64;
const OVERSCAN = 6;
type TierFilter = 'all' | 'key' | 'general';
type Sort = 'name' | 'stale';

interface Row {
  p: BundlePerson;
  key: string;
  days: number | null;
}

/**
 * My persons: search, tier, last visit and days since. The list is virtualised (only the rows in
 * view are in the DOM) and filtering is one pass over precomputed lower-case keys, so a visitor with
 * thousands of persons gets an instant list on a cheap phone.
 */
export function PersonsScreen() {
  const s = useApp();
  const [query, setQuery] = useState('');
  const [tier, setTier] = useState<TierFilter>('all');
  const [sort, setSort] = useState<Sort>('name');
  // The first row in view (not the pixel offset): scrolling within a row re-renders nothing.
  const [topRow, setTopRow] = useState(0);
  const [height, setHeight] = useState(600);
  const box = useRef<HTMLDivElement>(null);

  const rows: Row[] = useMemo(
    () =>
      (s.bundle?.persons ?? []).map((p) => ({
        p,
        key: `${p.name} ${p.villageName} ${p.address} ${p.phone ?? ''}`.toLowerCase(),
        days: p.lastVisit ? daysSince(p.lastVisit.at) : null,
      })),
    [s.bundle],
  );
  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    const out = rows.filter((r) => (tier === 'all' || r.p.tier === tier) && (!q || r.key.includes(q)));
    if (sort === 'stale') out.sort((a, b) => (b.days ?? 1e9) - (a.days ?? 1e9));
    return out;
  }, [rows, query, tier, sort]);

  // Measure the viewport once and on resize only: reading layout during every render would force a
  // reflow per keystroke and per scroll step.
  const hasBundle = !!s.bundle;
  useEffect(() => {
    const el = box.current;
    if (!el || !hasBundle) return;
    const measure = () => setHeight(el.clientHeight || 600);
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, [hasBundle]);

  if (!s.bundle) return <Loading />;
  const first = Math.max(0, topRow - OVERSCAN);
  const last = Math.min(shown.length, topRow + Math.ceil(height / ROW_HEIGHT) + 1 + OVERSCAN);

  return (
    <section className="persons">
      <div className="filters">
        <input
          type="search"
          placeholder="搜索姓名、村、地址、电话"
          aria-label="搜索对象"
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            if (box.current) box.current.scrollTop = 0;
            setTopRow(0);
          }}
        />
        <div className="chips">
          {(['all', 'key', 'general'] as const).map((t) => (
            <button
              key={t}
              type="button"
              className={tier === t ? 'chip on' : 'chip'}
              onClick={() => setTier(t)}
            >
              {t === 'all' ? '全部' : TIER_LABELS[t]}
            </button>
          ))}
          <button
            type="button"
            className={sort === 'stale' ? 'chip on' : 'chip'}
            onClick={() => setSort(sort === 'stale' ? 'name' : 'stale')}
          >
            久未探访优先
          </button>
          <span className="count" data-testid="person-count">
            {shown.length} 人
          </span>
        </div>
      </div>
      <div
        className="vlist"
        ref={box}
        onScroll={(e) => setTopRow(Math.floor(e.currentTarget.scrollTop / ROW_HEIGHT))}
        data-testid="person-list"
      >
        <div style={{ height: shown.length * ROW_HEIGHT, position: 'relative' }}>
          {shown.slice(first, last).map((r, i) => (
            <button
              type="button"
              key={r.p.id}
              className="prow"
              style={{ top: (first + i) * ROW_HEIGHT, height: ROW_HEIGHT }}
              onClick={() => navigate(`/p/${r.p.id}`)}
            >
              <span className="row-main">
                <strong>{r.p.name}</strong>
                <span className={`tag ${r.p.tier}`}>{TIER_LABELS[r.p.tier]}</span>
                <span className="row-sub">
                  {r.p.age}岁 · {SELF_CARE_SHORT[r.p.selfCare]} · {r.p.villageName}
                </span>
              </span>
              <span className={`last ${r.days == null || r.days > 30 ? 'stale' : ''}`}>
                {r.p.lastVisit ? (
                  <>
                    {fmtDate(r.p.lastVisit.at).slice(5)}
                    <br />
                    {r.days === 0 ? '今天' : `${r.days} 天前`}
                  </>
                ) : (
                  '未探访'
                )}
              </span>
            </button>
          ))}
        </div>
        {shown.length === 0 && <p className="empty">没有符合条件的对象</p>}
      </div>
    </section>
  );
}

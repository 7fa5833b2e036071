import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEnv } from '../../../test/context.js';
import { isolatedDb } from '../../../test/isolated-db.js';
import {
  CHECKLIST_V1,
  eligibilityOf,
  moneyReceivedOf,
  requestsOf,
  risksOf,
  validateChecklist,
  wishesOf,
} from '../../shared/checklist.js';
import { chinaDate } from '../../shared/china-time.js';
import { seasonFlags } from '../../shared/schedule.js';
import { createClock } from '../clock.js';
import type { Ctx } from '../context.js';
import type { Db } from '../db/db.js';
import { migrate } from '../db/migrate.js';
import { sql } from '../db/sql.js';
import { type StoredAnswers, withAnswers } from '../modules/visits/stored-answers.js';
import { seedDemo } from './demo.js';

// The whole demo on a database of its own: the consequences of the seeded visits must be those the
// visit-recorded hooks produce on the real path (one incident per risk, one concern per request, ...).
let db: Db;
let drop: () => Promise<void>;
let now: Date;
beforeAll(async () => {
  const env = await testEnv();
  ({ db, drop } = await isolatedDb(env.ctx.db));
  await migrate(db);
  now = new Date('2026-11-20T10:00:00+08:00');
  const ctx: Ctx = { ...env.ctx, db, clock: createClock(now.toISOString()) };
  await seedDemo(ctx);
}, 600000);
afterAll(async () => {
  await drop?.();
});

describe('demo seed', () => {
  it('raises from its visits exactly what the visit hooks raise: incidents, concerns, referral drafts, money', async () => {
    // As the repositories read them: the table keeps the answers' compact form (visits/stored-answers.ts).
    const visits = withAnswers(
      await db.query<{ id: number; answers: StoredAnswers; recorded_at: Date; at: Date }>(
        sql(`select id, answers, recorded_at, at from visits where qualifying order by id`),
      ),
    );
    const expected = { incidents: [] as string[], concerns: [] as string[], referrals: [] as string[] };
    for (const v of visits) {
      for (const r of risksOf(v.answers)) expected.incidents.push(`${v.id}:${r.code}`);
      requestsOf(v.answers).forEach((_, i) => {
        expected.concerns.push(`${v.id}:J.requests.${i}`);
      });
      if (moneyReceivedOf(v.answers).received === 'no') expected.concerns.push(`${v.id}:money`);
      if (wishesOf(v.answers).centralizedSupport) expected.referrals.push(`${v.id}:K.wantsCentralized`);
      for (const k of eligibilityOf(v.answers).kinds) expected.referrals.push(`${v.id}:L.eligibility.${k}`);
    }
    // The demo has some of each, and every eventful answer set is one a visitor could submit.
    expect(expected.incidents.length).toBeGreaterThanOrEqual(2);
    expect(expected.concerns.length).toBeGreaterThanOrEqual(3);
    expect(expected.referrals.length).toBeGreaterThanOrEqual(2);
    const eventful = new Set(
      [...expected.incidents, ...expected.concerns, ...expected.referrals].map((k) =>
        Number(k.split(':')[0]),
      ),
    );
    for (const v of visits.filter((x) => eventful.has(x.id))) {
      const errors = validateChecklist(CHECKLIST_V1, v.answers, {
        method: 'in_person',
        seasons: seasonFlags(chinaDate(new Date(v.at))),
      });
      expect(errors, JSON.stringify(v.answers)).toEqual([]);
    }

    const incidents = await db.query<{ k: string; opened_at: Date; recorded_at: Date }>(
      sql(`select i.visit_id || ':' || i.type as k, i.opened_at, v.recorded_at
         from incidents i join visits v on v.id = i.visit_id order by 1`),
    );
    expect(incidents.map((i) => i.k).sort()).toEqual(expected.incidents.sort());
    // Opened when the visit was recorded, not at first start.
    for (const i of incidents)
      expect(new Date(i.opened_at).getTime()).toBe(new Date(i.recorded_at).getTime());
    const concerns = await db.query<{ k: string }>(
      sql(`select visit_id || ':' || case when source_item like 'J.%' then source_item else 'money' end as k
         from concerns where visit_id is not null`),
    );
    expect(concerns.map((c) => c.k).sort()).toEqual(expected.concerns.sort());
    const referrals = await db.query<{ k: string; status: string }>(
      sql(`select visit_id || ':' || source_item as k, status from referrals where visit_id is not null`),
    );
    expect(referrals.map((r) => r.k).sort()).toEqual(expected.referrals.sort());
    expect(new Set(referrals.map((r) => r.status))).toEqual(new Set(['draft']));
    // Incidents from visits got their follow-up tasks, as on the real path.
    const [{ n }] = await db.query<{ n: number }>(
      sql(`select count(*)::int as n from visit_tasks t join incidents i on t.source_entity = 'incident' and t.source_id::text = i.id::text
        where i.visit_id is not null`),
    );
    expect(n).toBe(incidents.filter((i) => !/:(death|missing)$/.test(i.k)).length);
  });
});

import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { testEnv } from '../../../../test/context.js';
import { actorClient, buildPerson, buildTown } from '../../../../test/factories.js';
import { type RecordVisitInput, VISIT_LIMITS, visitDraftErrors } from '../../../shared/api/visits.js';
import { CHECKLIST_V1, fineAnswers } from '../../../shared/checklist.js';
import { chinaDate } from '../../../shared/china-time.js';
import { daysLeft, isDueSoon, periodLabel, seasonFlags } from '../../../shared/schedule.js';
import { type Db, openDb } from '../../db/db.js';
import { sql } from '../../db/sql.js';
import { AUDIT_CHAINS, auditChainOf } from '../audit/repo.js';
import { verifyAuditChain } from '../audit/verify.js';
import { notify } from '../notifications/service.js';
import * as repo from './repo.js';
import {
  createFollowUpTask,
  generateTasks,
  markMissedTasks,
  onPersonReassigned,
  onPersonStatusChanged,
} from './schedule.js';
import { remindDueTasks } from './service.js';

const env = await testEnv();
const db = env.ctx.db;

async function setup(selfCare: 'capable' | 'partial' = 'capable') {
  const { town, villages } = await buildTown(env);
  const visitor = await actorClient(env, 'visitor', villages[0].id);
  const person = await buildPerson(env, {
    townId: town.id,
    villageId: villages[0].id,
    visitorId: visitor.id,
    selfCare,
    supportStart: '2025-06-01',
  });
  return { town, villages, visitor, person };
}

const tasksOf = (personId: number) =>
  db.query<{ period: string; status: string; kind: string; visitor_id: number; due_date: string }>(
    sql(
      'select period, status, kind, visitor_id, due_date from visit_tasks where person_id = $1 order by window_start, id',
    ),
    [personId],
  );

const visitBody = (personId: number, at: string, extra: Record<string, unknown> = {}) => ({
  clientId: randomUUID(),
  personId,
  at,
  method: 'in_person',
  outcome: 'reached',
  answers: fineAnswers(CHECKLIST_V1, seasonFlags(chinaDate(new Date(at)))),
  notes: '一切正常',
  ...extra,
});

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

describe('schedule engine', () => {
  it('gives a new person the task of the current period, once, with the due date at month end', async () => {
    const { person } = await setup();
    const now = new Date('2026-03-10T09:00:00+08:00');
    await generateTasks(db, { now, personIds: [person.id] });
    await generateTasks(db, { now, personIds: [person.id] });
    expect(await tasksOf(person.id)).toMatchObject([
      { period: '2026-03', status: 'open', due_date: '2026-03-31' },
    ]);
  });

  it('gives key persons half-month tasks split at midnight China time', async () => {
    const { person } = await setup('partial');
    await generateTasks(db, { now: new Date('2026-02-15T23:30:00+08:00'), personIds: [person.id] });
    await generateTasks(db, { now: new Date('2026-02-16T00:10:00+08:00'), personIds: [person.id] });
    expect((await tasksOf(person.id)).map((t) => [t.period, t.due_date])).toEqual([
      ['2026-02-1', '2026-02-15'],
      ['2026-02-2', '2026-02-28'],
    ]);
  });

  it('never makes a second task when two connections generate at once', async () => {
    const { town, villages, visitor } = await setup();
    const ids: number[] = [];
    for (let i = 0; i < 20; i++)
      ids.push(
        (await buildPerson(env, { townId: town.id, villageId: villages[1].id, visitorId: visitor.id })).id,
      );
    const now = new Date('2026-04-03T08:00:00+08:00');
    const second = db.kind === 'postgresql' ? await openDb({ databaseUrl: process.env.DATABASE_URL }) : db;
    try {
      const results = await Promise.all([
        db.tx((q) => generateTasks(q, { now, personIds: ids })),
        second.tx((q) => generateTasks(q, { now, personIds: ids })),
      ]);
      expect(results[0].created + results[1].created).toBe(20);
    } finally {
      if (second !== db) await second.close();
    }
    const [{ n, persons }] = await db.query<{ n: number; persons: number }>(
      sql(
        `select count(*)::int as n, count(distinct person_id)::int as persons from visit_tasks where person_id = any($1::int[])`,
      ),
      [ids],
    );
    expect([n, persons]).toEqual([20, 20]);
  });

  it('applies a tier change from the next period; the open task keeps its window', async () => {
    const { person } = await setup('capable');
    await generateTasks(db, { now: new Date('2026-03-05T10:00:00+08:00'), personIds: [person.id] });
    await db.query(sql(`update persons set self_care = 'partial', tier = 'key' where id = $1`), [person.id]);
    await generateTasks(db, { now: new Date('2026-03-20T10:00:00+08:00'), personIds: [person.id] });
    await generateTasks(db, { now: new Date('2026-04-01T00:00:01+08:00'), personIds: [person.id] });
    expect((await tasksOf(person.id)).map((t) => t.period)).toEqual(['2026-03', '2026-04-1']);
    // Back to monthly mid-April: the second half still gets a task (nobody slips through), then May.
    await db.query(sql(`update persons set self_care = 'capable', tier = 'general' where id = $1`), [
      person.id,
    ]);
    await generateTasks(db, { now: new Date('2026-04-16T08:00:00+08:00'), personIds: [person.id] });
    await generateTasks(db, { now: new Date('2026-05-02T08:00:00+08:00'), personIds: [person.id] });
    expect((await tasksOf(person.id)).map((t) => t.period)).toEqual([
      '2026-03',
      '2026-04-1',
      '2026-04-2',
      '2026-05',
    ]);
  });

  it('cancels open tasks on pause, reopens them on resume in the same period, and marks missed ones', async () => {
    const { person } = await setup();
    await generateTasks(db, { now: new Date('2026-05-02T08:00:00+08:00'), personIds: [person.id] });
    await db.query(sql(`update persons set status = 'paused' where id = $1`), [person.id]);
    await onPersonStatusChanged(db, {
      personId: person.id,
      to: 'paused',
      effectiveOn: '2026-05-10',
      at: new Date('2026-05-10T09:00:00+08:00'),
    });
    expect((await tasksOf(person.id))[0].status).toBe('cancelled');
    await generateTasks(db, { now: new Date('2026-05-12T08:00:00+08:00'), personIds: [person.id] });
    expect(await tasksOf(person.id)).toHaveLength(1);
    await db.query(sql(`update persons set status = 'active' where id = $1`), [person.id]);
    await onPersonStatusChanged(db, {
      personId: person.id,
      to: 'active',
      effectiveOn: '2026-05-20',
      at: new Date('2026-05-20T09:00:00+08:00'),
    });
    expect(await tasksOf(person.id)).toMatchObject([{ period: '2026-05', status: 'open' }]);
    await markMissedTasks(db, new Date('2026-06-01T00:00:00+08:00'));
    // Missing only touches windows that ended: only this person's May task is asserted.
    expect((await tasksOf(person.id))[0].status).toBe('missed');
  });

  it('moves open tasks to the new visitor on reassignment', async () => {
    const { person, villages } = await setup();
    const other = await actorClient(env, 'visitor', villages[0].id);
    await generateTasks(db, { now: new Date('2026-06-02T08:00:00+08:00'), personIds: [person.id] });
    await db.query(sql('update persons set visitor_id = $2 where id = $1'), [person.id, other.id]);
    await onPersonReassigned(db, { personIds: [person.id], toVisitorId: other.id });
    expect((await tasksOf(person.id))[0].visitor_id).toBe(other.id);
    const mine = await other.http.get('/api/visit-tasks?assignee=me&from=2026-06-01&to=2026-06-30');
    expect(mine.json().items.map((t: { personId: number }) => t.personId)).toEqual([person.id]);
  });
});

describe('work lists', () => {
  it('answers each task with the label, window, days left and due-soon the shared rules give', async () => {
    const { person, visitor, villages, town } = await setup('partial');
    const general = await buildPerson(env, {
      townId: town.id,
      villageId: villages[0].id,
      visitorId: visitor.id,
      supportStart: '2025-06-01',
    });
    const now = env.ctx.clock.now();
    for (const at of ['2026-03-02T08:00:00+08:00', '2026-03-17T08:00:00+08:00'])
      await generateTasks(db, { now: new Date(at), personIds: [person.id, general.id] });
    await generateTasks(db, { now, personIds: [person.id, general.id] });
    // A follow-up due within the next days: due soon.
    await createFollowUpTask(db, {
      personId: general.id,
      now,
      severity: 'critical',
      reason: '复查取暖',
      sourceEntity: 'test',
      sourceId: 1,
      hours: 48,
    });
    const res = await visitor.http.get('/api/visit-tasks?assignee=me&limit=50');
    expect(res.statusCode).toBe(200);
    const items = res.json().items as Record<string, unknown>[];
    const rows = await db.query<{
      id: number;
      kind: string;
      period: string;
      window_start: Date;
      window_end: Date;
      due_date: string;
      status: string;
      reason: string | null;
    }>(
      sql(`select id, kind, period, window_start, window_end, due_date, status, reason from visit_tasks
        where person_id = any($1::int[]) and visitor_id = $2`),
      [[person.id, general.id], visitor.id],
    );
    expect(items.length).toBe(rows.length);
    expect(new Set(items.map((t) => t.period)).size).toBeGreaterThanOrEqual(4);
    const today = chinaDate(now);
    for (const t of items) {
      const r = rows.find((x) => Number(x.id) === t.id)!;
      expect(t).toMatchObject({
        periodLabel:
          r.kind === 'regular' ? periodLabel(r.period) : r.kind === 'campaign' ? r.reason : '跟进探访',
        windowStart: r.window_start.toISOString(),
        windowEnd: r.window_end.toISOString(),
        dueDate: r.due_date,
        daysLeft: daysLeft(r.due_date, today),
        dueSoon: r.status === 'open' && isDueSoon(r.due_date, today),
      });
    }
    expect(items.some((t) => t.dueSoon)).toBe(true);
    expect(items.some((t) => !t.dueSoon)).toBe(true);
  });
});

describe('recording visits', () => {
  it('completes the task whose window contains the visit and answers a repeat with the same visit', async () => {
    const { person, visitor } = await setup('partial');
    await generateTasks(db, { now: new Date('2026-03-01T08:00:00+08:00'), personIds: [person.id] });
    await generateTasks(db, { now: new Date('2026-03-16T08:00:00+08:00'), personIds: [person.id] });
    const body = visitBody(person.id, '2026-03-15T23:30:00+08:00', {
      photos: [{ data: PNG.toString('base64') }],
    });
    const first = await visitor.http.post('/api/visits', body);
    expect(first.statusCode).toBe(201);
    expect(first.json().completedTasks.map((t: { period: string }) => t.period)).toEqual(['2026-03-1']);
    const again = await visitor.http.post('/api/visits', body);
    expect(again.statusCode).toBe(200);
    expect(again.json().id).toBe(first.json().id);
    const [{ n }] = await db.query<{ n: number }>(
      sql('select count(*)::int as n from visits where person_id = $1'),
      [person.id],
    );
    expect(n).toBe(1);
    expect((await tasksOf(person.id)).map((t) => t.status)).toEqual([
      'done',
      'open',
      ...(await tasksOf(person.id)).slice(2).map(() => 'open'),
    ]);
    const photo = await visitor.http.get(first.json().photos[0].url);
    expect(photo.headers['cache-control']).toBe('no-store');
    expect(photo.headers['content-type']).toBe('image/png');
    expect(photo.rawPayload.equals(PNG)).toBe(true);
  });

  it('answers a new visit as the visit page reads it, with its timeline event written in the same statement', async () => {
    const { person, visitor } = await setup();
    await generateTasks(db, { now: new Date('2026-04-01T08:00:00+08:00'), personIds: [person.id] });
    const body = visitBody(person.id, '2026-04-03T10:00:00+08:00');
    const posted = await visitor.http.post('/api/visits', body);
    expect(posted.statusCode).toBe(201);
    const { notice, ...answer } = posted.json();
    expect(notice).toBeNull();
    expect(answer.completedTasks).toHaveLength(1);
    expect(answer.completedTasks[0]).toMatchObject({ status: 'done', visitId: answer.id });
    // The answer built from the writing statement is exactly what the reads give afterwards.
    const read = await visitor.http.get(`/api/visits/${answer.id}`);
    expect(read.json()).toEqual(answer);
    const again = await visitor.http.post('/api/visits', body);
    expect(again.statusCode).toBe(200);
    expect({ ...again.json(), notice: undefined }).toEqual({ ...answer, notice: undefined });
    const events = await db.query<{ kind: string; ref_id: string; detail: Record<string, unknown> }>(
      sql("select kind, ref_id, detail from person_events where person_id = $1 and ref_entity = 'visit'"),
      [person.id],
    );
    expect(events).toEqual([
      {
        kind: 'visit',
        ref_id: String(answer.id),
        detail: { method: body.method, outcome: body.outcome, completedTasks: 1 },
      },
    ]);
  });

  it('stores a failed call as an attempt that completes nothing', async () => {
    const { person, visitor } = await setup();
    await generateTasks(db, { now: new Date('2026-07-01T08:00:00+08:00'), personIds: [person.id] });
    const res = await visitor.http.post('/api/visits', {
      clientId: randomUUID(),
      personId: person.id,
      at: '2026-07-03T10:00:00+08:00',
      method: 'phone',
      outcome: 'no_answer',
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ qualifying: false, completedTasks: [] });
    expect((await tasksOf(person.id))[0].status).toBe('open');
    const list = await visitor.http.get(`/api/persons/${person.id}/visits`);
    expect(list.json().items[0].outcome).toBe('no_answer');
  });

  it('a late paper record completes a task already marked missed', async () => {
    const { person, visitor } = await setup();
    await generateTasks(db, { now: new Date('2026-01-05T08:00:00+08:00'), personIds: [person.id] });
    await db.query(
      sql(`update visit_tasks set status = 'missed' where person_id = $1 and period = '2026-01'`),
      [person.id],
    );
    const res = await visitor.http.post('/api/visits', visitBody(person.id, '2026-01-31T23:59:00+08:00'));
    expect(res.json().completedTasks.map((t: { period: string }) => t.period)).toEqual(['2026-01']);
  });

  it('rejects bad input naming the field and writes nothing', async () => {
    const { person, visitor } = await setup();
    const cases: [Record<string, unknown>, number, string][] = [
      [{ personId: 99999999 }, 404, 'personId'],
      [{ at: new Date(Date.now() + 3600000).toISOString() }, 400, 'at'],
      [{ at: '2025-05-31T12:00:00+08:00' }, 400, 'at'],
      [{ method: 'phone', outcome: 'not_home' }, 400, 'outcome'],
      [{ clientId: 'not-a-uuid' }, 400, 'body.clientId'],
      [{ location: { consent: false, latitude: 39.8, longitude: 109.9 } }, 400, 'location.consent'],
      [
        { photos: [{ data: Buffer.from('%PDF-1.4 not an image').toString('base64'), name: 'x.jpg' }] },
        400,
        'photos.0',
      ],
      [
        {
          photos: [
            { data: PNG.toString('base64') },
            { data: Buffer.alloc(6 * 1024 * 1024, 0xff).toString('base64'), name: 'big.jpg' },
          ],
        },
        400,
        'photos.1',
      ],
    ];
    for (const [patch, status, field] of cases) {
      const body = { ...visitBody(person.id, '2026-08-10T10:00:00+08:00'), ...patch };
      const res = await visitor.http.post('/api/visits', body);
      expect([res.statusCode, res.json().field], JSON.stringify(Object.keys(patch))).toEqual([status, field]);
    }
    const a = fineAnswers(CHECKLIST_V1, seasonFlags('2026-08-10'));
    a.D!.house = { value: 'hazard' };
    const res = await visitor.http.post(
      '/api/visits',
      visitBody(person.id, '2026-08-10T10:00:00+08:00', { answers: a }),
    );
    expect([res.statusCode, res.json().field]).toEqual([400, 'answers.D.house']);
    const noFlood = fineAnswers(CHECKLIST_V1, { heating: false, flood: false });
    const res2 = await visitor.http.post(
      '/api/visits',
      visitBody(person.id, '2026-08-10T10:00:00+08:00', { answers: noFlood }),
    );
    expect([res2.statusCode, res2.json().field]).toEqual([400, 'answers.G.electrical']);
    const [{ n }] = await db.query<{ n: number }>(
      sql('select count(*)::int as n from visits where person_id = $1'),
      [person.id],
    );
    expect(n).toBe(0);
  });

  it('applies the contract’s limits, the same ones the phone and the console check before sending', async () => {
    // The phone accepted a time 10 minutes ahead and durations the server refused (and the server
    // durations the phone refused): a visit saved offline came back refused. Both now read
    // VISIT_LIMITS, and the forms run visitDraftErrors; the server must answer as they predict.
    const { person, visitor } = await setup();
    const now = env.ctx.clock.now();
    const minutes = (m: number) => new Date(now.getTime() + m * 60_000).toISOString();
    const cases: { at: string; durationMinutes: number | null }[] = [
      { at: minutes(-60), durationMinutes: 0 },
      { at: minutes(-60), durationMinutes: 1 },
      { at: minutes(-60), durationMinutes: 600 },
      { at: minutes(-60), durationMinutes: 601 },
      { at: minutes(-60), durationMinutes: 1440 },
      { at: minutes(-60), durationMinutes: null },
      { at: minutes(4), durationMinutes: 30 },
      { at: minutes(6), durationMinutes: 30 },
      { at: minutes(9), durationMinutes: 30 },
    ];
    for (const c of cases) {
      const body = visitBody(person.id, c.at, { durationMinutes: c.durationMinutes });
      const predicted = visitDraftErrors(body as RecordVisitInput, now);
      const res = await visitor.http.post('/api/visits', body);
      expect(res.statusCode < 300, `${JSON.stringify(c)}: ${res.body}`).toBe(predicted.length === 0);
      if (predicted.length) expect(res.json().field).toMatch(new RegExp(`${predicted[0].field}$`));
    }
    expect(
      visitDraftErrors(visitBody(person.id, minutes(-60), { durationMinutes: 601 }) as RecordVisitInput, now),
    ).toEqual([{ field: 'durationMinutes', message: '时长应为 1–600 分钟' }]);
    expect(VISIT_LIMITS.futureSlackMinutes).toBe(5);
  });

  it('a visitor sees and records only their own persons', async () => {
    const { person, villages, visitor } = await setup();
    const stranger = await actorClient(env, 'visitor', villages[0].id);
    const res = await stranger.http.post('/api/visits', visitBody(person.id, '2026-08-10T10:00:00+08:00'));
    expect([res.statusCode, res.json().field]).toEqual([404, 'personId']);
    const ok = await visitor.http.post('/api/visits', visitBody(person.id, '2026-08-10T10:00:00+08:00'));
    expect(ok.statusCode).toBe(201);
    expect((await stranger.http.get(`/api/visits/${ok.json().id}`)).statusCode).toBe(404);
    expect((await stranger.http.get(`/api/persons/${person.id}/visits`)).statusCode).toBe(404);
    expect((await stranger.http.get(`/api/visits/${ok.json().id}/files/1`)).statusCode).toBe(404);
    const list = await stranger.http.get('/api/visit-tasks?status=open');
    expect(list.json().items.filter((t: { personId: number }) => t.personId === person.id)).toEqual([]);
  });

  it('lists a town with keyset paging and due-soon status', async () => {
    const { town, villages, visitor } = await setup();
    const officer = await actorClient(env, 'town_officer', town.id);
    for (let i = 0; i < 5; i++) {
      const p = await buildPerson(env, { townId: town.id, villageId: villages[1].id, visitorId: visitor.id });
      await generateTasks(db, { now: env.ctx.clock.now(), personIds: [p.id] });
    }
    const seen: number[] = [];
    let cursor = '';
    for (let page = 0; page < 10; page++) {
      const res = await officer.http.get(
        `/api/visit-tasks?areaId=${town.id}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(res.statusCode).toBe(200);
      seen.push(...res.json().items.map((t: { id: number }) => t.id));
      if (!res.json().nextCursor) break;
      cursor = res.json().nextCursor;
    }
    expect(seen.length).toBe(5);
    expect(new Set(seen).size).toBe(5);
    const other = await buildTown(env);
    const otherOfficer = await actorClient(env, 'town_officer', other.town.id);
    expect((await otherOfficer.http.get(`/api/visit-tasks?areaId=${town.id}`)).statusCode).toBe(404);
  });

  it('serves the checklist with the seasons in force', async () => {
    const { visitor, person } = await setup();
    const res = await visitor.http.get(`/api/checklist?at=2026-01-10&personId=${person.id}`);
    expect(res.json().seasons).toEqual({ heating: true, flood: false });
    expect(
      res
        .json()
        .definition.sections.map((s: { key: string }) => s.key)
        .join(''),
    ).toBe('ABCDEFGHIJKLM');
  });
});

describe('a plain visit is one statement', () => {
  /** Runs `fn` with the app's database counting the statements and transactions it is given. */
  async function counted<T>(fn: () => Promise<T>) {
    const real = env.ctx.db;
    const seen = { statements: 0, transactions: 0 };
    const countingDb: Db = {
      ...real,
      query: (sql, params) => {
        seen.statements++;
        return real.query(sql, params);
      },
      tx: (work) => {
        seen.transactions++;
        return real.tx(work);
      },
    };
    env.ctx.db = countingDb;
    try {
      return { result: await fn(), ...seen };
    } finally {
      env.ctx.db = real;
    }
  }

  /** A person whose task of the current period exists. */
  async function settledPerson() {
    const s = await setup();
    await generateTasks(db, { now: env.ctx.clock.now(), personIds: [s.person.id] });
    return s;
  }

  it('every audit chain has its tail row from the migrations on', async () => {
    const tails = await db.query<{ chain: number }>(
      sql(`select chain from audit_chain_tails where log = 'audit_log' order by chain`),
    );
    expect(tails.map((t) => t.chain)).toEqual(Array.from({ length: AUDIT_CHAINS }, (_, i) => i));
  });
  const anHourAgo = () => new Date(env.ctx.clock.now().getTime() - 3600000).toISOString();

  it('writes visit, completed tasks, timeline row and audit row in one statement; the audit chain verifies', async () => {
    const { person, visitor, villages } = await settledPerson();
    // A follow-up task open since two hours ago: the visit completes it with the month's task.
    await createFollowUpTask(db, {
      personId: person.id,
      now: new Date(env.ctx.clock.now().getTime() - 2 * 3600000),
      severity: 'critical',
      reason: '复查取暖',
      sourceEntity: 'test',
      sourceId: 2,
    });
    const body = visitBody(person.id, anHourAgo());
    const {
      result: posted,
      statements,
      transactions,
    } = await counted(() => visitor.http.post('/api/visits', body));
    expect(posted.statusCode).toBe(201);
    // The session, the visit's context, the visit: no BEGIN, no COMMIT.
    expect({ statements, transactions }).toEqual({ statements: 3, transactions: 0 });
    const { id, completedTasks } = posted.json();
    expect(completedTasks.map((t: { kind: string }) => t.kind).sort()).toEqual(['follow_up', 'regular']);
    expect((await tasksOf(person.id)).map((t) => t.status)).toEqual(['done', 'done']);
    const rows = await db.query(
      sql(`select actor_id, action, entity, entity_id, area_id, detail, chain from audit_log
        where entity = 'visit' and entity_id = $1`),
      [String(id)],
    );
    expect(rows).toEqual([
      {
        actor_id: visitor.id,
        action: 'visit.record',
        entity: 'visit',
        entity_id: String(id),
        area_id: villages[0].id,
        detail: {
          personId: person.id,
          method: 'in_person',
          outcome: 'reached',
          completedTasks: completedTasks
            .map((t: { id: number }) => t.id)
            .sort((a: number, b: number) => a - b),
        },
        chain: auditChainOf(`visit:${body.clientId}`),
      },
    ]);
    // The row's hash, made by SQL from the text cut in JS, is the one verify recomputes from the row.
    const verified = await verifyAuditChain(db);
    expect(verified.problems).toEqual([]);
    expect(verified.ok).toBe(true);
    // A repeat answers the same visit and writes nothing more.
    const again = await visitor.http.post('/api/visits', body);
    expect(again.statusCode).toBe(200);
    expect(again.json().id).toBe(id);
    const [{ n }] = await db.query<{ n: number }>(
      sql(`select count(*)::int as n from audit_log where action = 'visit.record' and entity_id = $1`),
      [String(id)],
    );
    expect(n).toBe(1);
  });

  it('an attempt that completes nothing is audited with an empty list', async () => {
    const { person, visitor } = await settledPerson();
    const { result: posted, transactions } = await counted(() =>
      visitor.http.post('/api/visits', {
        clientId: randomUUID(),
        personId: person.id,
        at: anHourAgo(),
        method: 'phone',
        outcome: 'no_answer',
      }),
    );
    expect(posted.statusCode).toBe(201);
    expect(transactions).toBe(0);
    const [row] = await db.query<{ detail: unknown }>(
      sql(`select detail from audit_log where entity = 'visit' and entity_id = $1`),
      [String(posted.json().id)],
    );
    expect(row.detail).toEqual({
      personId: person.id,
      method: 'phone',
      outcome: 'no_answer',
      completedTasks: [],
    });
    expect((await verifyAuditChain(db)).ok).toBe(true);
  });

  it('a visit for which another module opens something runs in a transaction with it', async () => {
    const { person, visitor } = await settledPerson();
    const body = visitBody(person.id, anHourAgo());
    body.answers.I = { ...body.answers.I, risks: { value: [{ code: 'missing', note: '邻居称三天未见' }] } };
    const { result: posted, transactions } = await counted(() => visitor.http.post('/api/visits', body));
    expect(posted.statusCode).toBe(201);
    expect(transactions).toBe(1);
    const incidents = await db.query<{ type: string }>(
      sql('select type from incidents where visit_id = $1'),
      [posted.json().id],
    );
    expect(incidents.map((i) => i.type)).toEqual(['missing']);
  });

  it('a statement whose audit chain has no tail row fails whole: no visit, no timeline row', async () => {
    const { person, visitor, town, villages } = await settledPerson();
    const clientId = randomUUID();
    const now = env.ctx.clock.now();
    await expect(
      repo.insertVisit(
        db,
        {
          clientId,
          personId: person.id,
          visitorId: visitor.id,
          townId: town.id,
          villageId: villages[0].id,
          at: new Date(now.getTime() - 3600000),
          method: 'phone',
          outcome: 'no_answer',
          qualifying: false,
          durationMinutes: null,
          notes: null,
          checklistVersion: CHECKLIST_V1.version,
          answers: {},
          seasons: [],
          locationConsent: false,
          latitude: null,
          longitude: null,
          photoCount: 0,
          hasSignature: false,
          recordedBy: visitor.id,
          recordedAt: now,
        },
        null,
        { kind: 'visit_attempt', title: '电话探访：无人接听', detail: {}, actorId: visitor.id },
        { at: now, actorId: visitor.id, action: 'visit.record', entity: 'visit', chain: AUDIT_CHAINS + 7 },
      ),
    ).rejects.toThrow();
    expect(await db.query(sql('select id from visits where client_id = $1'), [clientId])).toEqual([]);
    expect(
      await db.query(sql(`select id from person_events where person_id = $1 and ref_entity = 'visit'`), [
        person.id,
      ]),
    ).toEqual([]);
  });
});

describe('configuration, campaigns, follow-ups, reminders', () => {
  it('inherits settings down the tree: a town set to monthly key visits gets monthly tasks', async () => {
    const { town, villages, person } = await setup('partial');
    const admin = await actorClient(env, 'bureau_admin', env.districtId);
    const bad = await admin.http.put('/api/visit-settings', {
      areaId: town.id,
      key: 'visits.frequency',
      value: { general: 'month', key: 'weekly' },
    });
    expect([bad.statusCode, bad.json().field]).toEqual([400, 'value.key']);
    const set = await admin.http.put('/api/visit-settings', {
      areaId: town.id,
      key: 'visits.frequency',
      value: { general: 'month', key: 'month' },
    });
    expect(set.statusCode).toBe(200);
    const village = await admin.http.get(`/api/visit-settings?areaId=${villages[0].id}`);
    expect(village.json()['visits.frequency']).toMatchObject({
      value: { key: 'month' },
      source: town.id,
      own: false,
    });
    await generateTasks(db, { now: new Date('2026-09-03T08:00:00+08:00'), personIds: [person.id] });
    expect((await tasksOf(person.id)).map((t) => t.period)).toEqual(['2026-09']);
    const officer = await actorClient(env, 'town_officer', town.id);
    const denied = await officer.http.put('/api/visit-settings', {
      areaId: town.id,
      key: 'visits.inPersonEvery',
      value: 2,
    });
    expect(denied.statusCode).toBe(403);
    await admin.http.put('/api/visit-settings', { areaId: town.id, key: 'visits.frequency', value: null });
  });

  it('requires an in-person visit every N periods where configured', async () => {
    const { town, person, visitor } = await setup();
    const admin = await actorClient(env, 'bureau_admin', env.districtId);
    await admin.http.put('/api/visit-settings', { areaId: town.id, key: 'visits.inPersonEvery', value: 1 });
    await generateTasks(db, { now: new Date('2026-09-02T08:00:00+08:00'), personIds: [person.id] });
    const a = fineAnswers(CHECKLIST_V1, seasonFlags('2026-09-05'));
    delete a.D;
    delete a.E;
    delete a.F;
    delete a.G;
    const phone = await visitor.http.post(
      '/api/visits',
      visitBody(person.id, '2026-09-05T10:00:00+08:00', { method: 'phone', answers: a }),
    );
    expect(phone.json().completedTasks).toEqual([]);
    expect(phone.json().notice).toContain('上门');
    const home = await visitor.http.post('/api/visits', visitBody(person.id, '2026-09-06T10:00:00+08:00'));
    expect(home.json().completedTasks.map((t: { period: string }) => t.period)).toEqual(['2026-09']);
  });

  it('opens a campaign for the selected persons of an area, with its own tasks', async () => {
    const { town, villages, visitor, person } = await setup('partial');
    const general = await buildPerson(env, {
      townId: town.id,
      villageId: villages[0].id,
      visitorId: visitor.id,
    });
    const officer = await actorClient(env, 'town_officer', town.id);
    const today = chinaDate(env.ctx.clock.now());
    const res = await officer.http.post('/api/visit-campaigns', {
      name: '寒潮专项探访',
      kind: 'cold_wave',
      areaId: town.id,
      deadline: today,
      selection: { tiers: ['key'] },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json().taskCount).toBe(1);
    const kinds = await tasksOf(person.id);
    expect(kinds.map((t) => t.kind)).toContain('campaign');
    expect((await tasksOf(general.id)).map((t) => t.kind)).not.toContain('campaign');
    const past = await officer.http.post('/api/visit-campaigns', {
      name: 'x',
      kind: 'festival',
      areaId: town.id,
      deadline: '2020-01-01',
    });
    expect([past.statusCode, past.json().field]).toEqual([400, 'deadline']);
    const other = await buildTown(env);
    const outside = await officer.http.post('/api/visit-campaigns', {
      name: 'x',
      kind: 'festival',
      areaId: other.town.id,
      deadline: today,
    });
    expect(outside.statusCode).toBe(404);
  });

  it('creates one follow-up task per source with a short window', async () => {
    const { person } = await setup();
    const now = new Date('2026-10-10T22:00:00+08:00');
    const t1 = await createFollowUpTask(db, {
      personId: person.id,
      now,
      severity: 'critical',
      reason: '突发重病',
      sourceEntity: 'incident',
      sourceId: 7,
    });
    const t2 = await createFollowUpTask(db, {
      personId: person.id,
      now,
      severity: 'critical',
      reason: '突发重病',
      sourceEntity: 'incident',
      sourceId: 7,
    });
    expect(t1?.id).toBe(t2?.id);
    expect(t1?.window_end.toISOString()).toBe('2026-10-11T14:00:00.000Z');
    expect(t1?.due_date).toBe('2026-10-11');
  });

  it('reminds visitors of tasks due within three days, once, in the in-app inbox', async () => {
    const { person, visitor } = await setup();
    const now = env.ctx.clock.now();
    await generateTasks(db, { now, personIds: [person.id] });
    await db.query(sql(`update visit_tasks set due_date = $2 where person_id = $1`), [
      person.id,
      chinaDate(now),
    ]);
    await remindDueTasks(env.ctx, notify);
    await remindDueTasks(env.ctx, notify);
    const inbox = await db.query<{ title: string }>(
      sql(`select title from notifications where user_id = $1 and kind = 'visit.due_soon'`),
      [visitor.id],
    );
    expect(inbox.map((r) => r.title)).toEqual(['您有 1 个探访任务将在 3 天内到期']);
  });
});

describe('who a visit is attributed to, and how much it may carry', () => {
  const recent = () => new Date(env.ctx.clock.now().getTime() - 3600_000).toISOString();

  it("an officer attributes a paper record only to a visitor of the person's village or town; anything else is a 400 naming visitorId", async () => {
    const { town, visitor, person } = await setup();
    const officer = await actorClient(env, 'town_officer', town.id);
    const far = await buildTown(env, 1);
    const farVisitor = await actorClient(env, 'visitor', far.villages[0].id);
    const admin = await actorClient(env, 'bureau_admin', env.districtId);
    for (const visitorId of [farVisitor.id, admin.id, 2147483000]) {
      const r = await officer.http.post('/api/visits', visitBody(person.id, recent(), { visitorId }));
      expect(r.statusCode, `${visitorId}: ${r.body}`).toBe(400);
      expect(r.json().field).toBe('visitorId');
    }
    // The other town's visitor does not see the person in their phone bundle.
    const bundle = (await farVisitor.http.get('/api/visitor/bundle')).json();
    expect(JSON.stringify(bundle)).not.toContain(`"id":${person.id},`);
    const ok = await officer.http.post(
      '/api/visits',
      visitBody(person.id, recent(), { visitorId: visitor.id }),
    );
    expect(ok.statusCode, ok.body).toBe(201);
  });

  it('caps the files of one visit and what one user may upload in a day', async () => {
    const { visitor, person } = await setup();
    // A valid JPEG header, padded: 4 MB each, 4 of them = 16 MB in one visit.
    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(4 * 2 ** 20 - 4, 1)]);
    const photos = Array.from({ length: 4 }, () => ({ data: jpeg.toString('base64') }));
    const big = await visitor.http.post('/api/visits', visitBody(person.id, recent(), { photos }));
    expect(big.statusCode).toBe(413);
    expect(big.json().field).toBe('photos');
    const saved = { ...env.ctx.config.visitFilesPerDay };
    env.ctx.config.visitFilesPerDay = { count: 3, megabytes: 1000 };
    try {
      const one = [{ data: PNG.toString('base64') }];
      for (let i = 0; i < 3; i++) {
        const r = await visitor.http.post('/api/visits', visitBody(person.id, recent(), { photos: one }));
        expect(r.statusCode, r.body).toBe(201);
      }
      const over = await visitor.http.post('/api/visits', visitBody(person.id, recent(), { photos: one }));
      expect(over.statusCode).toBe(429);
      expect(over.headers['retry-after']).toBeDefined();
      expect(over.json().message).toContain('今日');
      // A visit without photos is still taken.
      expect((await visitor.http.post('/api/visits', visitBody(person.id, recent()))).statusCode).toBe(201);
    } finally {
      env.ctx.config.visitFilesPerDay = saved;
    }
  });
});

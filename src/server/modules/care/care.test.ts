import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type TestEnv, testEnv } from '../../../../test/context.js';
import { actorClient, buildPerson, buildTown, freshIdNumber } from '../../../../test/factories.js';
import { addMonths, previousReviewPeriod } from '../../../shared/care.js';
import { CHECKLIST_V1, fineAnswers } from '../../../shared/checklist.js';
import { addDays, chinaDate, chinaDayStart } from '../../../shared/china-time.js';
import { seasonFlags } from '../../../shared/schedule.js';
import { sql } from '../../db/sql.js';
import { runJob } from '../../jobs/runner.js';

let env: TestEnv;
beforeAll(async () => {
  env = await testEnv();
});

const today = () => chinaDate(env.ctx.clock.now());
// Unique within the run: a repeated number would be refused as an already registered caregiver.
const caregiverId = () => freshIdNumber('1975-06-05', 'female');

/** A town with its officer (logged in), an admin and an active partial-self-care person. */
async function setup(selfCare: 'capable' | 'partial' | 'none' = 'partial') {
  const { town, villages } = await buildTown(env);
  const officer = await actorClient(env, 'town_officer', town.id);
  const person = await buildPerson(env, {
    townId: town.id,
    villageId: villages[0].id,
    selfCare,
    name: '王秀英',
  });
  return { town, villages, officer, person };
}

async function newCaregiver(
  http: Awaited<ReturnType<typeof actorClient>>['http'],
  areaId: number,
  name = '李建华',
) {
  const res = await http.post('/api/caregivers', {
    name,
    idNumber: caregiverId(),
    phone: '13812345678',
    address: '罕台镇某村 3 组 12 号',
    areaId,
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

function agreementBody(
  personId: number,
  caregiverId: number,
  start: string,
  end: string,
  extra: object = {},
) {
  return {
    personId,
    caregiverId,
    relation: '侄子',
    partyLevel: 'town',
    content: '每日送餐、打扫卫生、陪同就医',
    frequency: '每日上门一次',
    startDate: start,
    endDate: end,
    ...extra,
  };
}

const count = async (from: string, params: unknown[]) =>
  (await env.ctx.db.query<{ n: number }>(sql(`select count(*)::int as n from ${from}`), params))[0].n;

describe('caregivers', () => {
  it('stores the ID number and phone encrypted, lists them masked, and refuses a duplicate or invalid ID', async () => {
    const { town, officer } = await setup();
    const idNumber = caregiverId();
    const res = await officer.http.post('/api/caregivers', {
      name: '赵国庆',
      idNumber,
      phone: '13912345678',
      areaId: town.id,
    });
    expect(res.statusCode, res.body).toBe(201);
    const c = res.json();
    expect(c.idNumberMasked).toBe(`${idNumber.slice(0, 6)}********${idNumber.slice(14)}`);
    expect(c.phoneMasked).toBe('139****5678');
    const [row] = await env.ctx.db.query(sql('select * from caregivers where id = $1'), [c.id]);
    expect(row.id_number_enc).not.toContain(idNumber);
    expect(env.ctx.fields.decrypt(row.id_number_enc)).toBe(idNumber);
    expect(env.ctx.fields.decrypt(row.phone_enc)).toBe('13912345678');
    const list = (await officer.http.get(`/api/caregivers?areaId=${town.id}`)).json();
    expect(list.items.map((i: { name: string }) => i.name)).toEqual(['赵国庆']);
    expect(JSON.stringify(list)).not.toContain(idNumber);

    const dup = await officer.http.post('/api/caregivers', { name: '赵国庆', idNumber, areaId: town.id });
    expect(dup.statusCode).toBe(409);
    const bad = await officer.http.post('/api/caregivers', {
      name: '钱某',
      idNumber: '150602197506011235',
      areaId: town.id,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().field).toBe('idNumber');
  });

  it('keeps the history of who cared for whom, and hides caregivers of other towns', async () => {
    const { town, villages, officer, person } = await setup();
    const other = await setup();
    const c = await newCaregiver(officer.http, town.id);
    const p2 = await buildPerson(env, { townId: town.id, villageId: villages[1].id, selfCare: 'none' });
    const start = addDays(today(), -100);
    expect(
      (
        await officer.http.post(
          '/api/care-agreements',
          agreementBody(person.id, c.id, start, addDays(today(), 200)),
        )
      ).statusCode,
    ).toBe(201);
    expect(
      (
        await officer.http.post(
          '/api/care-agreements',
          agreementBody(p2.id, c.id, start, addDays(today(), 200)),
        )
      ).statusCode,
    ).toBe(201);
    const page = (await officer.http.get(`/api/caregivers/${c.id}`)).json();
    expect(page.caregiver.persons.map((p: { personId: number }) => p.personId).sort()).toEqual(
      [person.id, p2.id].sort(),
    );
    expect(page.history).toHaveLength(2);
    expect(page.agreements).toHaveLength(2);
    expect((await other.officer.http.get(`/api/caregivers/${c.id}`)).statusCode).toBe(404);
  });
});

describe('care agreements', () => {
  it('allows one active agreement per person: an overlapping term is refused and nothing is written', async () => {
    const { town, officer, person } = await setup('none');
    const c1 = await newCaregiver(officer.http, town.id);
    const c2 = await newCaregiver(officer.http, town.id, '孙海军');
    const first = await officer.http.post(
      '/api/care-agreements',
      agreementBody(person.id, c1.id, today(), addDays(today(), 364)),
    );
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({
      status: 'active',
      monthlyFee: 1000,
      selfCare: 'none',
      partyName: town.name,
    });

    const overlap = await officer.http.post(
      '/api/care-agreements',
      agreementBody(person.id, c2.id, addDays(today(), 100), addDays(today(), 400)),
    );
    expect(overlap.statusCode).toBe(400);
    expect(overlap.json().field).toBe('startDate');
    expect(overlap.json().message).toContain('重叠');
    const later = await officer.http.post(
      '/api/care-agreements',
      agreementBody(person.id, c2.id, addDays(today(), 365), addDays(today(), 700)),
    );
    expect(later.statusCode).toBe(409);
    expect(await count('care_agreements where person_id = $1', [person.id])).toBe(1);

    // The database holds the rule too, whatever a future code path forgets.
    await expect(
      env.ctx.db.query(
        sql(`insert into care_agreements (person_id, caregiver_id, relation, party_area_id, town_id, content, frequency, self_care,
           monthly_fee, start_date, end_date, signed_on, status)
         select person_id, $2, relation, party_area_id, town_id, content, frequency, self_care, monthly_fee,
                end_date + 1, end_date + 30, signed_on, 'active' from care_agreements where person_id = $1`),
        [person.id, c2.id],
      ),
    ).rejects.toThrow();
  });

  it('refuses an agreement for an ended person, and for a level with no fee, writing nothing', async () => {
    const { town, villages, officer, person } = await setup();
    const c = await newCaregiver(officer.http, town.id);
    await env.ctx.db.query(
      sql(`update persons set status = 'ended', end_reason = 'death', status_since = $2 where id = $1`),
      [person.id, today()],
    );
    const ended = await officer.http.post(
      '/api/care-agreements',
      agreementBody(person.id, c.id, today(), addDays(today(), 30)),
    );
    expect(ended.statusCode).toBe(400);
    expect(ended.json().field).toBe('personId');

    const admin = await actorClient(env, 'bureau_admin', env.districtId);
    const set = await admin.http.put('/api/care/settings', {
      areaId: town.id,
      key: 'care.feeTable',
      value: { partial: 500, none: 900 },
    });
    expect(set.statusCode, set.body).toBe(200);
    const capable = await buildPerson(env, {
      townId: town.id,
      villageId: villages[1].id,
      selfCare: 'capable',
    });
    const noFee = await officer.http.post(
      '/api/care-agreements',
      agreementBody(capable.id, c.id, today(), addDays(today(), 30)),
    );
    expect(noFee.statusCode).toBe(400);
    expect(noFee.json().field).toBe('monthlyFee');
    expect(noFee.json().message).toContain('具备生活自理能力');
    // The town's table is inherited by its villages: a partial person pays the town's 500.
    const partial = await buildPerson(env, {
      townId: town.id,
      villageId: villages[1].id,
      selfCare: 'partial',
    });
    const ok = await officer.http.post(
      '/api/care-agreements',
      agreementBody(partial.id, c.id, today(), addDays(today(), 30)),
    );
    expect(ok.json().monthlyFee).toBe(500);
    expect(await count('care_agreements where person_id = any($1::int[])', [[person.id, capable.id]])).toBe(
      0,
    );

    const negative = await admin.http.put('/api/care/settings', {
      areaId: town.id,
      key: 'care.feeTable',
      value: { partial: -1 },
    });
    expect(negative.statusCode).toBe(400);
  });

  it('announces the expiry 30 days ahead exactly once, and expires the agreement after its end', async () => {
    const { town, officer, person } = await setup();
    const c = await newCaregiver(officer.http, town.id);
    const a = (
      await officer.http.post(
        '/api/care-agreements',
        agreementBody(person.id, c.id, addDays(today(), -300), addDays(today(), 20)),
      )
    ).json();
    const farPerson = await buildPerson(env, {
      townId: town.id,
      villageId: (await setupVillage(town.id)).id,
      selfCare: 'none',
    });
    const far = (
      await officer.http.post(
        '/api/care-agreements',
        agreementBody(farPerson.id, c.id, today(), addDays(today(), 90)),
      )
    ).json();
    const notices = (id: number) =>
      count(`notifications where ref_entity = 'care_agreement' and ref_id = $1 and user_id = $2`, [
        String(id),
        officer.id,
      ]);
    await runJob(env.ctx, 'care.agreements');
    await runJob(env.ctx, 'care.agreements');
    expect(await notices(a.id)).toBe(1);
    expect(await notices(far.id)).toBe(0);
    const inbox = (await officer.http.get('/api/inbox')).json();
    expect(JSON.stringify(inbox)).toContain('照料协议将于');
    expect(
      (await officer.http.get(`/api/care-agreements?areaId=${town.id}&expiringWithinDays=30`))
        .json()
        .items.map((i: { id: number }) => i.id),
    ).toEqual([a.id]);

    env.ctx.clock.advance(22 * 86400000);
    try {
      await runJob(env.ctx, 'care.agreements');
      // Sessions do not last 22 days: log in again.
      const late = await actorClient(env, 'town_officer', town.id);
      expect((await late.http.get(`/api/care-agreements/${a.id}`)).json().status).toBe('expired');
      expect(await notices(a.id)).toBe(1);
      const needing = (await late.http.get(`/api/care-agreements/needing?areaId=${town.id}`)).json();
      expect(needing.items.map((i: { personId: number }) => i.personId)).toContain(person.id);
    } finally {
      env.ctx.clock.advance(-22 * 86400000);
    }
  });

  it('prints the agreement and the pledge as PDFs whose text holds the Chinese names and terms', async () => {
    const { town, officer, person } = await setup();
    const c = await newCaregiver(officer.http, town.id);
    const a = (
      await officer.http.post(
        '/api/care-agreements',
        agreementBody(person.id, c.id, '2026-01-01', '2026-12-31', { pledgeSignedOn: addDays(today(), -1) }),
      )
    ).json();
    const dir = mkdtempSync(join(tmpdir(), 'care-pdf-'));
    for (const [kind, words] of [
      ['agreement', ['委托照料服务协议', '王秀英', '李建华', '每日送餐', '2026年1月1日', '签字']],
      ['pledge', ['诚信承诺书', '李建华', '王秀英', '公示', '承诺人']],
    ] as const) {
      const res = await officer.http.get(`/api/care-agreements/${a.id}/${kind}.pdf`);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/pdf');
      expect(res.rawPayload.length).toBeLessThan(500 * 1024);
      const file = join(dir, `${kind}.pdf`);
      writeFileSync(file, res.rawPayload);
      const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).replace(
        /\s+/g,
        '',
      );
      for (const w of words) expect(text).toContain(w);
    }
  });

  it('prints a signature copy with full numbers only for a stated purpose and a role that may see them, audited first', async () => {
    const { town, officer, person } = await setup();
    const c = await newCaregiver(officer.http, town.id);
    const a = (
      await officer.http.post(
        '/api/care-agreements',
        agreementBody(person.id, c.id, '2026-01-01', '2026-12-31', { pledgeSignedOn: addDays(today(), -1) }),
      )
    ).json();
    const full = (
      await env.ctx.db.query<{ id: string }>(
        sql('select id_number_enc as id from caregivers where id = $1'),
        [c.id],
      )
    ).map((r) => env.ctx.fields.decrypt(r.id as never))[0];
    const dir = mkdtempSync(join(tmpdir(), 'care-full-'));
    const text = (buf: Buffer, name: string) => {
      const file = join(dir, name);
      writeFileSync(file, buf);
      return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    };
    const audits = async () =>
      (
        await env.ctx.db.query<{ n: number }>(
          sql(
            `select count(*)::int as n from audit_log where action = 'export.full_numbers' and actor_id = $1`,
          ),
          [officer.id],
        )
      )[0].n;
    // Masked without a purpose, with the printer's line across the top.
    const masked = text(
      (await officer.http.get(`/api/care-agreements/${a.id}/agreement.pdf`)).rawPayload,
      'masked.pdf',
    );
    expect(masked).toContain(c.idNumberMasked);
    expect(masked).not.toContain(full);
    expect(masked).toContain('打印于');
    expect(await audits()).toBe(0);
    // Too short a purpose: refused, nothing printed, nothing logged.
    const short = await officer.http.get(`/api/care-agreements/${a.id}/agreement.pdf?reason=x`);
    expect(short.statusCode).toBe(400);
    expect(short.json()).toMatchObject({ field: 'reason' });
    // A purpose: the signature copy, full numbers of both parties and the phone, logged first.
    for (const kind of ['agreement', 'pledge'] as const) {
      const res = await officer.http.get(
        `/api/care-agreements/${a.id}/${kind}.pdf?reason=${encodeURIComponent('签订协议存档')}`,
      );
      expect(res.statusCode).toBe(200);
      const t = text(res.rawPayload, `${kind}.pdf`);
      expect(t).toContain(full);
      expect(t).not.toContain('打印于');
      if (kind === 'agreement') {
        expect(t).toContain(person.idNumber);
        expect(t).toContain('13812345678');
      } else {
        // Labels no longer break mid-word (与照料对象关/系).
        expect(t).toContain('与照料对象关系');
      }
    }
    expect(await audits()).toBe(2);
    // A role that may not see full numbers gets the masked copy, purpose or not.
    const sup = await actorClient(env, 'bureau_supervisor', env.districtId);
    const supCopy = text(
      (
        await sup.http.get(
          `/api/care-agreements/${a.id}/agreement.pdf?reason=${encodeURIComponent('签订协议存档')}`,
        )
      ).rawPayload,
      'sup.pdf',
    );
    expect(supCopy).not.toContain(full);
    expect(supCopy).toContain(c.idNumberMasked);
    // Another town's officer cannot print it at all.
    const other = await setup();
    expect(
      (
        await other.officer.http.get(
          `/api/care-agreements/${a.id}/agreement.pdf?reason=${encodeURIComponent('签订协议存档')}`,
        )
      ).statusCode,
    ).toBe(404);
  });

  it('stores an uploaded signed scan and serves it back', async () => {
    const { town, officer, person } = await setup();
    const c = await newCaregiver(officer.http, town.id);
    const a = (
      await officer.http.post(
        '/api/care-agreements',
        agreementBody(person.id, c.id, today(), addDays(today(), 30)),
      )
    ).json();
    const pdf = Buffer.from('%PDF-1.4\n% signed scan\n');
    const up = await multipart(
      officer.token,
      `/api/care-agreements/${a.id}/scans`,
      { kind: 'agreement' },
      { name: '协议扫描.pdf', type: 'application/pdf', data: pdf },
    );
    expect(up.statusCode, up.body).toBe(201);
    const got = await officer.http.get(`/api/care-agreements/${a.id}/scans/${up.json().id}`);
    expect(got.rawPayload.equals(pdf)).toBe(true);
    expect((await officer.http.get(`/api/care-agreements/${a.id}`)).json().scans).toHaveLength(1);
    const fake = await multipart(
      officer.token,
      `/api/care-agreements/${a.id}/scans`,
      { kind: 'pledge' },
      { name: 'x.pdf', type: 'application/pdf', data: Buffer.from('not a pdf') },
    );
    expect(fake.statusCode).toBe(400);
  });

  it('refuses a scan from a role that may only read before taking in the file', async () => {
    const { town, officer, person } = await setup();
    const c = await newCaregiver(officer.http, town.id);
    const a = (
      await officer.http.post(
        '/api/care-agreements',
        agreementBody(person.id, c.id, today(), addDays(today(), 30)),
      )
    ).json();
    const supervisor = await actorClient(env, 'bureau_supervisor', env.districtId);
    // Past the scan limit: read first, it would be refused as too large (413); checked first, it is a 403.
    const big = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(11 * 1024 * 1024, 32)]);
    const up = await multipart(
      supervisor.token,
      `/api/care-agreements/${a.id}/scans`,
      { kind: 'agreement' },
      { name: 'big.pdf', type: 'application/pdf', data: big },
    );
    expect(up.statusCode, up.body).toBe(403);
    expect((await officer.http.get(`/api/care-agreements/${a.id}`)).json().scans).toHaveLength(0);
  });
});

describe('a terminated agreement and impossible dates', () => {
  it('refuses a pledge, scans and reviews on a terminated agreement, and impossible dates with a 400', async () => {
    const { town, officer, person } = await setup();
    const c = await newCaregiver(officer.http, town.id);
    const start = addDays(today(), -40);
    for (const bad of ['2026-13-01', '0000-00-00', '2026-02-30']) {
      const r = await officer.http.post(
        '/api/care-agreements',
        agreementBody(person.id, c.id, bad, addDays(today(), 30)),
      );
      expect(r.statusCode, `${bad}: ${r.body}`).toBe(400);
      expect(r.json().field).toMatch(/startDate/);
    }
    const a = (
      await officer.http.post(
        '/api/care-agreements',
        agreementBody(person.id, c.id, start, addDays(today(), 300)),
      )
    ).json();
    const badPledge = await officer.http.post(`/api/care-agreements/${a.id}/pledge`, {
      version: a.version,
      signedOn: '2026-13-01',
    });
    expect(badPledge.statusCode).toBe(400);
    expect(badPledge.json().field).toBe('body.signedOn');
    const term = await officer.http.post(`/api/care-agreements/${a.id}/terminate`, {
      version: a.version,
      reason: '照料人搬离',
    });
    expect(term.statusCode, term.body).toBe(200);
    const pledge = await officer.http.post(`/api/care-agreements/${a.id}/pledge`, {
      version: term.json().version,
      signedOn: today(),
    });
    expect(pledge.statusCode, pledge.body).toBe(409);
    expect(pledge.json().message).toContain('解除，不能再登记承诺书');
    const scan = await multipart(
      officer.token,
      `/api/care-agreements/${a.id}/scans`,
      { kind: 'agreement' },
      { name: '协议扫描.pdf', type: 'application/pdf', data: Buffer.from('%PDF-1.4\n% scan\n') },
    );
    expect(scan.statusCode, scan.body).toBe(409);
    const review = await officer.http.post('/api/caregiver-reviews', {
      agreementId: a.id,
      satisfaction: 4,
      neighbours: [],
    });
    expect(review.statusCode, review.body).toBe(409);
  });
});

describe('public pledge notice', () => {
  it('lists pledges in notice without login, with masked names, town and dates only', async () => {
    const { town, officer, person } = await setup();
    const c = await newCaregiver(officer.http, town.id, '张建国');
    const a = (
      await officer.http.post(
        '/api/care-agreements',
        agreementBody(person.id, c.id, today(), addDays(today(), 300), { pledgeSignedOn: today() }),
      )
    ).json();
    expect(a.pledgeNoticeTo).toBe(addDays(today(), 6));
    const res = await env.app.inject({ method: 'GET', url: '/api/public/pledges' });
    expect(res.statusCode).toBe(200);
    const mine = res.json().items.filter((i: { town: string }) => i.town === town.name);
    expect(mine).toEqual([
      {
        caregiverName: '张*',
        personName: '王*',
        town: town.name,
        signedOn: today(),
        noticeFrom: today(),
        noticeTo: addDays(today(), 6),
      },
    ]);
    const [cg] = await env.ctx.db.query(sql('select * from caregivers where id = $1'), [c.id]);
    const idNumber = env.ctx.fields.decrypt(cg.id_number_enc);
    for (const secret of [
      '张建国',
      '王秀英',
      idNumber,
      `${idNumber.slice(-4)}"`,
      '13812345678',
      '3 组 12 号',
      'caregiverId',
      'personId',
    ]) {
      expect(res.body).not.toContain(secret);
    }
    const page = await env.app.inject({ method: 'GET', url: '/public/pledges' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('张*');
    expect(page.body).not.toContain('张建国');
  });
});

/** A visitor (logged in) made responsible for the person, as the visit API requires. */
async function assignVisitor(personId: number, villageId: number) {
  const visitor = await actorClient(env, 'visitor', villageId);
  await env.ctx.db.query(sql('update persons set visitor_id = $2 where id = $1'), [personId, visitor.id]);
  await env.ctx.db.query(
    sql(
      `insert into person_assignments (person_id, visitor_id, kind, from_at) values ($1, $2, 'responsible', $3)`,
    ),
    [personId, visitor.id, env.ctx.clock.now()],
  );
  return visitor;
}

/** Records an in-person visit through the visits API with section H / A answers overridden. */
async function recordVisit(
  visitor: Awaited<ReturnType<typeof actorClient>>,
  personId: number,
  at: Date,
  h: Record<string, unknown>,
  a: Record<string, unknown> = {},
) {
  const answers = fineAnswers(CHECKLIST_V1, seasonFlags(chinaDate(at))) as Record<
    string,
    Record<string, unknown>
  >;
  answers.H = { ...answers.H, ...h };
  answers.A = { ...answers.A, ...a };
  const res = await visitor.http.post('/api/visits', {
    clientId: randomUUID(),
    personId,
    at: at.toISOString(),
    method: 'in_person',
    outcome: 'reached',
    answers,
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as number;
}

async function setupVillage(townId: number) {
  return (
    await env.ctx.db.query<{ id: number }>(
      sql(`select id from areas where parent_id = $1 order by id desc limit 1`),
      [townId],
    )
  )[0];
}

describe('caregiver reviews and replacement', () => {
  it('scores satisfaction, neighbours and the visitors’ section H; a failed review opens a case a new agreement closes', async () => {
    const { town, villages, officer, person } = await setup();
    const visitor = await assignVisitor(person.id, villages[0].id);
    const old = await newCaregiver(officer.http, town.id, '周某某');
    const period = previousReviewPeriod(today(), 3);
    const a = (
      await officer.http.post(
        '/api/care-agreements',
        agreementBody(person.id, old.id, addDays(period.from, -10), addDays(today(), 200)),
      )
    ).json();
    const mid = chinaDayStart(addDays(period.from, 20));
    await recordVisit(visitor, person.id, mid, {
      caregiverDuty: { value: 'partly', note: '偶尔不来' },
    });
    await recordVisit(visitor, person.id, new Date(mid.getTime() + 30 * 86400000), {
      caregiverDuty: { value: 'no', note: '未见照料' },
    });

    const res = await officer.http.post('/api/caregiver-reviews', {
      agreementId: a.id,
      satisfaction: 2,
      neighbours: [
        { name: '邻居甲', score: 2 },
        { name: '邻居乙', score: 1, comment: '很少见到他' },
        { name: '邻居丙', score: 3 },
      ],
    });
    expect(res.statusCode, res.body).toBe(201);
    const r = res.json();
    expect(r).toMatchObject({
      periodFrom: period.from,
      periodTo: period.to,
      satisfactionScore: 25,
      neighbourScore: 25,
      visitScore: 25,
      score: 25,
      passed: false,
    });
    expect(r.visitObservations).toEqual({
      visits: 2,
      duty: { yes: 0, partly: 1, no: 1 },
      seriousInfringements: 0,
    });
    expect(r.replacementId).toEqual(expect.any(Number));
    const again = await officer.http.post('/api/caregiver-reviews', {
      agreementId: a.id,
      satisfaction: 5,
      neighbours: [],
    });
    expect(again.statusCode).toBe(409);

    let caseRow = (await officer.http.get(`/api/care-replacements/${r.replacementId}`)).json();
    expect(caseRow).toMatchObject({
      status: 'open',
      cause: 'review_failed',
      steps: { terminated: false, caregiverChosen: false, newAgreementSigned: false },
    });
    const fresh = await newCaregiver(officer.http, town.id, '吴玉兰');
    const sameCaregiver = await officer.http.post(
      '/api/care-agreements',
      agreementBody(person.id, old.id, addDays(today(), 300), addDays(today(), 400)),
    );
    expect(sameCaregiver.statusCode).toBe(409);
    const term = await officer.http.post(`/api/care-agreements/${a.id}/terminate`, {
      version: a.version,
      reason: '考核不合格',
    });
    expect(term.statusCode, term.body).toBe(200);
    caseRow = (await officer.http.get(`/api/care-replacements/${r.replacementId}`)).json();
    expect(caseRow.steps).toEqual({ terminated: true, caregiverChosen: false, newAgreementSigned: false });
    const chosen = await officer.http.patch(`/api/care-replacements/${r.replacementId}`, {
      version: caseRow.version,
      newCaregiverId: fresh.id,
      legalReferral: true,
    });
    expect(chosen.json().steps.caregiverChosen).toBe(true);
    expect(chosen.json().legalReferral).toBe(true);
    const reuse = await officer.http.post(
      '/api/care-agreements',
      agreementBody(person.id, old.id, today(), addDays(today(), 365)),
    );
    expect(reuse.statusCode).toBe(400);
    const next = await officer.http.post(
      '/api/care-agreements',
      agreementBody(person.id, fresh.id, today(), addDays(today(), 365)),
    );
    expect(next.statusCode, next.body).toBe(201);
    caseRow = (await officer.http.get(`/api/care-replacements/${r.replacementId}`)).json();
    expect(caseRow).toMatchObject({
      status: 'done',
      newAgreementId: next.json().id,
      steps: { terminated: true, caregiverChosen: true, newAgreementSigned: true },
    });
    const kinds = (
      await env.ctx.db.query<{ kind: string }>(
        sql('select kind from person_events where person_id = $1 order by id'),
        [person.id],
      )
    ).map((e) => e.kind);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'care.agreement',
        'care.review',
        'care.replacement_opened',
        'care.agreement_terminated',
        'care.replacement_done',
      ]),
    );
  });

  it('counts the visitors’ section H answers stored without a note (the compact stored form)', async () => {
    // Most answers carry no note, and the visits table keeps such an answer as its bare value
    // (visits/stored-answers.ts): a reader of visits.answers that skips the converter sees null.
    const { town, villages, officer, person } = await setup();
    const visitor = await assignVisitor(person.id, villages[0].id);
    const c = await newCaregiver(officer.http, town.id, '赵某某');
    const period = previousReviewPeriod(today(), 3);
    const a = (
      await officer.http.post(
        '/api/care-agreements',
        agreementBody(person.id, c.id, addDays(period.from, -10), addDays(today(), 200)),
      )
    ).json();
    const mid = chinaDayStart(addDays(period.from, 20));
    await recordVisit(visitor, person.id, mid, { caregiverDuty: { value: 'yes' } });
    await recordVisit(visitor, person.id, new Date(mid.getTime() + 86400000), {
      caregiverDuty: { value: 'yes' },
    });
    await recordVisit(visitor, person.id, new Date(mid.getTime() + 2 * 86400000), {
      caregiverDuty: { value: 'partly', note: '偶尔不来' },
    });
    const res = await officer.http.post('/api/caregiver-reviews', {
      agreementId: a.id,
      satisfaction: 5,
      neighbours: [{ name: '邻居甲', score: 5 }],
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().visitObservations).toEqual({
      visits: 3,
      duty: { yes: 2, partly: 1, no: 0 },
      seriousInfringements: 0,
    });
  });

  it('a visit reporting serious infringement opens one replacement case', async () => {
    const { town, villages, officer, person } = await setup();
    const visitor = await assignVisitor(person.id, villages[0].id);
    const c = await newCaregiver(officer.http, town.id);
    await officer.http.post(
      '/api/care-agreements',
      agreementBody(person.id, c.id, addDays(today(), -30), addDays(today(), 300)),
    );
    const infr = { seriousInfringement: { value: 'yes', note: '侵占一卡通资金' } };
    await recordVisit(visitor, person.id, env.ctx.clock.now(), infr);
    await recordVisit(visitor, person.id, env.ctx.clock.now(), infr);
    const cases = (await officer.http.get(`/api/care-replacements?personId=${person.id}`)).json().items;
    expect(cases).toHaveLength(1);
    expect(cases[0]).toMatchObject({
      cause: 'serious_infringement',
      status: 'open',
      oldCaregiverName: '李建华',
    });
    expect(cases[0].detail).toContain('侵占一卡通资金');
  });
});

describe('money', () => {
  it('imports a messy disbursement list: valid rows written, every bad row reported, dry run writes nothing', async () => {
    const { town, villages, officer, person } = await setup();
    const p2 = await buildPerson(env, { townId: town.id, villageId: villages[1].id, name: '刘桂兰' });
    const outsider = await setup();
    const month = addMonths(today().slice(0, 7), -1);
    const ExcelJS = (await import('exceljs')).default;
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('发放');
    ws.addRow([`${town.name} ${month} 特困供养资金发放名单`]);
    ws.addRow([]);
    ws.addRow(['序号', ' 姓 名 ', '身份证号', '月份', '基本生活费', '护理费实发', '发放日期']);
    ws.addRow([
      1,
      '王秀英',
      person.idNumber,
      `${month.replace('-', '年')}月`,
      '1,200.00',
      600,
      `${month}-05`,
    ]);
    ws.addRow([2, '刘桂兰', p2.idNumber, month, 1200, null, new Date(`${month}-06T00:00:00Z`)]);
    ws.addRow([3, '王秀英', person.idNumber, month, 1200, 600, `${month}-05`]);
    ws.addRow([4, '刘桂兰', p2.idNumber, addMonths(month, -1), -50, 0, '']);
    ws.addRow([5, '某某', outsider.person.idNumber, month, 1200, 0, '']);
    ws.addRow([6, '刘某', p2.idNumber, addMonths(month, -2), 1200, 0, '']);
    ws.addRow([7, '李四', '152701195001011234', month, 1200, 0, '']);
    ws.addRow([8, '刘桂兰', p2.idNumber, '十三月', 1200, 0, '']);
    ws.addRow([]);
    const file = Buffer.from(await wb.xlsx.writeBuffer());

    const dry = await multipart(
      officer.token,
      '/api/payments/import?dryRun=true',
      {},
      { name: '发放.xlsx', type: 'application/octet-stream', data: file },
    );
    expect(dry.statusCode, dry.body).toBe(200);
    expect(dry.json()).toMatchObject({ dryRun: true, total: 8, created: 2, updated: 0 });
    expect(await count('payments where person_id = any($1::int[])', [[person.id, p2.id]])).toBe(0);
    const res = (
      await multipart(
        officer.token,
        '/api/payments/import',
        {},
        { name: '发放.xlsx', type: 'application/octet-stream', data: file },
      )
    ).json();
    expect(res).toMatchObject({ dryRun: false, total: 8, created: 2, updated: 0 });
    expect(res.rejected.map((r: { row: number; column: string }) => [r.row, r.column])).toEqual([
      [6, '身份证号码'],
      [7, '基本生活费实发'],
      [8, '身份证号码'],
      [9, '姓名'],
      [10, '身份证号码'],
      [11, '发放月份'],
    ]);
    expect(res.rejected[1].message).toContain('负数');

    const grid = (await officer.http.get(`/api/payments?areaId=${town.id}&month=${month}`)).json();
    const line = grid.items.find((i: { personId: number }) => i.personId === person.id);
    expect(line).toMatchObject({
      allowance: { due: 1200, paid: 1200, paidOn: `${month}-05`, recorded: true },
      careFee: { paid: 600 },
      state: 'paid',
    });
    expect(grid.items.find((i: { personId: number }) => i.personId === p2.id).allowance.paidOn).toBe(
      `${month}-06`,
    );
    expect(
      (
        await multipart(
          officer.token,
          '/api/payments/import',
          {},
          { name: 'x.xlsx', type: 'application/octet-stream', data: file },
        )
      ).json(),
    ).toMatchObject({ created: 0, updated: 2 });
  });

  it('takes the template filled below its example row: the example is skipped, not rejected; the sheet prints', async () => {
    const { officer, person } = await setup();
    const month = addMonths(today().slice(0, 7), -1);
    const t = await officer.http.get(`/api/payments/template.xlsx?month=${month}`);
    expect(t.statusCode).toBe(200);
    const ExcelJS = (await import('exceljs')).default;
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(t.rawPayload as unknown as ArrayBuffer);
    const ws = wb.worksheets[0];
    expect(ws.pageSetup).toMatchObject({ paperSize: 9, orientation: 'landscape', fitToWidth: 1 });
    expect(ws.pageSetup.printTitlesRow).toBe('1:1');
    expect(String(ws.getCell('A2').value)).toContain('示例');
    ws.addRow(['王秀英', person.idNumber, month, 1200, 1200, 0, 0, `${month}-05`]);
    ws.addRow(['=HYPERLINK("http://x")', person.idNumber, month, 1200, 1200, 0, 0, '']);
    const filled = Buffer.from(await wb.xlsx.writeBuffer());
    const res = await multipart(
      officer.token,
      '/api/payments/import?dryRun=true',
      {},
      { name: '发放.xlsx', type: 'application/octet-stream', data: filled },
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ total: 2, created: 1, rejectedCount: 1 });
    expect(res.json().rejected[0]).toMatchObject({ row: 4, column: '姓名' });
    expect(res.json().rejected[0].message).toContain('可能是公式');
  });

  it('refuses a disbursement list that would unpack to more than the limits, before loading it', async () => {
    const { officer, person } = await setup();
    const { ZIP_LIMITS } = await import('../../lib/xlsx.js');
    const ExcelJS = (await import('exceljs')).default;
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('发放');
    ws.addRow(['姓名', '身份证号', '月份', '基本生活费']);
    // 450 KB of one repeated character (under the 200,000-character cell limit): a few KB zipped.
    ws.addRow(['王秀英', person.idNumber, today().slice(0, 7), 1200, '备'.repeat(150_000)]);
    const file = Buffer.from(await wb.xlsx.writeBuffer());
    expect(file.length).toBeLessThan(200_000);
    const upload = () =>
      multipart(
        officer.token,
        '/api/payments/import?dryRun=true',
        {},
        { name: '发放.xlsx', type: 'application/octet-stream', data: file },
      );
    expect((await upload()).statusCode).toBe(200);
    const saved = { ...ZIP_LIMITS };
    try {
      ZIP_LIMITS.part = 2 ** 18;
      const res = await upload();
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ field: 'file' });
      expect(res.json().message).toMatch(/sharedStrings\.xml 解压后 0 MB，超过 0 MB/);
    } finally {
      Object.assign(ZIP_LIMITS, saved);
    }
  });

  it('refuses a negative amount entered by hand and writes nothing', async () => {
    const { officer, person } = await setup();
    const month = today().slice(0, 7);
    const res = await officer.http.put('/api/payments', {
      personId: person.id,
      month,
      kind: 'allowance',
      amountDue: 1200,
      amountPaid: -1,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().field).toBe('body.amountPaid');
    expect(await count('payments where person_id = $1', [person.id])).toBe(0);
    const ok = await officer.http.put('/api/payments', {
      personId: person.id,
      month,
      kind: 'allowance',
      amountDue: 1200,
      amountPaid: 1200,
      paidOn: today(),
    });
    expect(ok.statusCode, ok.body).toBe(204);
  });

  it("keeps another town's payments out of reach, and recording to roles that may record", async () => {
    const { town, officer, person } = await setup();
    const month = today().slice(0, 7);
    const body = { personId: person.id, month, kind: 'allowance', amountDue: 1200, amountPaid: 1200 };
    expect((await officer.http.put('/api/payments', body)).statusCode).toBe(204);
    const other = await setup();
    // Another town's officer: no grid of this town, none of its person's history, no recording.
    expect((await other.officer.http.get(`/api/payments?areaId=${town.id}&month=${month}`)).statusCode).toBe(
      404,
    );
    const history = await other.officer.http.get(`/api/payments/person/${person.id}`);
    expect(history.json().items ?? []).toEqual([]);
    const foreign = await other.officer.http.put('/api/payments', { ...body, amountPaid: 1 });
    expect(foreign.statusCode).toBe(404);
    // A supervisor reads but does not record.
    const supervisor = await actorClient(env, 'bureau_supervisor', env.districtId);
    expect((await supervisor.http.get(`/api/payments/person/${person.id}`)).json().items).toHaveLength(1);
    expect((await supervisor.http.put('/api/payments', { ...body, amountPaid: 2 })).statusCode).toBe(403);
    const stored = await env.ctx.db.query<{ amount_paid: string }>(
      sql(`select amount_paid from payments where person_id = $1`),
      [person.id],
    );
    expect(stored.map((r) => Number(r.amount_paid))).toEqual([1200]);
    // Bad input is a 400 naming the field.
    const bad = await officer.http.put('/api/payments', { ...body, month: '2026-13' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().field).toBe('body.month');
  });

  it('"money not received" on visits raises one concern per person and month', async () => {
    const { villages, person } = await setup();
    const visitor = await assignVisitor(person.id, villages[0].id);
    const no = { moneyReceived: { value: 'no', note: '卡里没到账' } };
    await recordVisit(visitor, person.id, env.ctx.clock.now(), {}, no);
    await recordVisit(visitor, person.id, env.ctx.clock.now(), {}, no);
    const rows = await env.ctx.db.query<{ category: string; description: string }>(
      sql('select category, description from concerns where person_id = $1'),
      [person.id],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].category).toBe('money');
    expect(rows[0].description).toContain('卡里没到账');
  });

  it('a month with nothing paid raises one concern once the grace days have passed', async () => {
    const { town, villages, officer, person } = await setup();
    const paid = await buildPerson(env, { townId: town.id, villageId: villages[1].id });
    // A town that records no payments in the system gives no evidence of a missing one.
    const elsewhere = await setup();
    const month = addMonths(today().slice(0, 7), -1);
    await officer.http.put('/api/payments', {
      personId: paid.id,
      month,
      kind: 'allowance',
      amountDue: 1200,
      amountPaid: 1200,
    });
    const admin = await actorClient(env, 'bureau_admin', env.districtId);
    // Run as if on the 12th of this month, past the default 10 grace days.
    const now = env.ctx.clock.now();
    const target = chinaDayStart(`${today().slice(0, 7)}-12`);
    env.ctx.clock.advance(target.getTime() - now.getTime());
    try {
      await admin.http.put('/api/care/settings', { areaId: null, key: 'money.unpaidGraceDays', value: 10 });
      await runJob(env.ctx, 'money.unpaid-check');
      await runJob(env.ctx, 'money.unpaid-check');
    } finally {
      env.ctx.clock.advance(now.getTime() - target.getTime());
    }
    expect(await count(`concerns where person_id = $1 and category = 'money'`, [person.id])).toBe(1);
    expect(await count(`concerns where person_id = $1`, [paid.id])).toBe(0);
    expect(await count(`concerns where person_id = $1`, [elsewhere.person.id])).toBe(0);
  });
});

/** A multipart/form-data request with text fields and one file, as a browser sends it. */
function multipart(
  token: string,
  url: string,
  fields: Record<string, string>,
  file: { name: string; type: string; data: Buffer },
) {
  const boundary = `----tanfang${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  }
  parts.push(
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${encodeURIComponent(file.name)}"\r\nContent-Type: ${file.type}\r\n\r\n`,
    ),
    file.data,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  return env.app.inject({
    method: 'POST',
    url,
    payload: Buffer.concat(parts),
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': `multipart/form-data; boundary=${boundary}`,
    },
  });
}

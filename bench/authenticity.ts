/**
 * Visit authenticity (issue 29): a generated month of visits with planted fakes of each kind, recorded
 * through the real service (modules/visits recordVisit, the signals computed as in production), then
 * precision and recall per rule and the genuine visits' false-flag rate; the spot-check draw checked
 * to be reproducible from its seed; and the cost of the signals on submission, measured in the same
 * process by alternating blocks of visits with and without the registry's assessor.
 *
 *   npx tsx bench/authenticity.ts                       (PGlite in memory)
 *   DATABASE_URL=postgres://…/db npx tsx bench/authenticity.ts   (PostgreSQL; the schema is recreated)
 *   --visits 2000 --ab 600
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { sql } from '../src/server/db/sql.js';
import type { Actor } from '../src/server/http/scope.js';
import { REGISTRY } from '../src/server/modules/registry.js';
import { type RecordVisitInput, recordVisit } from '../src/server/modules/visits/service.js';
import {
  AUTHENTICITY_DEFAULTS,
  AUTHENTICITY_RULES,
  type AuthenticityRule,
  drawSample,
} from '../src/shared/authenticity.js';
import { CHECKLIST_V1, fineAnswers } from '../src/shared/checklist.js';
import { chinaDate } from '../src/shared/china-time.js';
import { seasonFlags } from '../src/shared/schedule.js';
import { testEnv } from '../test/context.js';
import { buildPerson, buildTown, buildUser } from '../test/factories.js';

const { values: args } = parseArgs({
  options: {
    visits: { type: 'string', default: '2000' },
    ab: { type: 'string', default: '600' },
    seed: { type: 'string', default: '29' },
    'ab-only': { type: 'boolean', default: false },
  },
});
const log = (s: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${s}`);

if (process.env.DATABASE_URL) {
  const c = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await c.connect();
  await c.query('drop schema if exists public cascade; create schema public;');
  await c.end();
}
const env = await testEnv();
const { ctx } = env;
const db = ctx.db;

// A seeded generator: the same month every run.
let s = Number(args.seed) >>> 0 || 1;
const rnd = () => {
  s = (s + 0x6d2b79f5) | 0;
  let t = Math.imul(s ^ (s >>> 15), 1 | s);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = <T>(a: readonly T[]) => a[Math.floor(rnd() * a.length)];
const M = 111194.93; // metres per degree of latitude
const offset = (p: Pt, north: number, east: number): Pt => ({
  latitude: p.latitude + north / M,
  longitude: p.longitude + east / (M * Math.cos((p.latitude * Math.PI) / 180)),
});
interface Pt {
  latitude: number;
  longitude: number;
}

// ---------------------------------------------------------------------------------------------
// The district: towns with villages 6 km apart on a line, visitors with 20 persons in their village
// and 5 in a village 25 km away (visited on a day of its own), a confirmed home point per person.
// ---------------------------------------------------------------------------------------------
const VISITS = Number(args.visits);
const PERSONS_PER_VISITOR = 25;
const VISITS_PER_PERSON = 2;
const visitorsNeeded = Math.ceil(VISITS / (PERSONS_PER_VISITOR * VISITS_PER_PERSON));
// November: all of it in the heating season (the same checklist items every day), no flood season.
const MONTH = '2026-11';
const BASE: Pt = { latitude: 40.6, longitude: 109.8 };
log(`building ${visitorsNeeded} visitors × ${PERSONS_PER_VISITOR} persons`);

interface Person {
  id: number;
  home: Pt;
  name: string;
  far: boolean;
}
interface Visitor {
  actor: Actor;
  persons: Person[];
}
const visitors: Visitor[] = [];
const towns: number[] = [];
for (let t = 0; visitors.length < visitorsNeeded; t++) {
  const { town, villages } = await buildTown(env, 6);
  towns.push(town.id);
  const admin = await buildUser(env, 'town_officer', town.id);
  for (let vi = 0; vi < 4 && visitors.length < visitorsNeeded; vi++) {
    const village = villages[vi];
    const farVillage = villages[vi + 2];
    const u = await buildUser(env, 'visitor', village.id);
    const centre = offset(BASE, t * 50000, vi * 6000);
    const farCentre = offset(centre, 25000, 0);
    const persons: Person[] = [];
    for (let i = 0; i < PERSONS_PER_VISITOR; i++) {
      const far = i >= 20;
      const p = await buildPerson(env, {
        townId: town.id,
        villageId: far ? farVillage.id : village.id,
        visitorId: u.id,
        supportStart: '2025-01-01',
      });
      const home = offset(far ? farCentre : centre, (rnd() - 0.5) * 1500, (rnd() - 0.5) * 1500);
      persons.push({ id: p.id, home, name: `对象${p.id}`, far });
      await db.query(
        sql(`insert into person_home_points (person_id, latitude, longitude, source, confirmed, set_by, set_at)
             values ($1, $2, $3, 'officer', true, $4, now())`),
        [p.id, home.latitude, home.longitude, admin.id],
      );
    }
    visitors.push({
      actor: {
        userId: u.id,
        username: u.username,
        displayName: u.username,
        roles: ['visitor'],
        grants: [{ role: 'visitor', areaId: village.id, department: null }],
        sessionId: '',
        viaCookie: false,
        csrfToken: '',
        scope: { userId: u.id, all: false, areaIds: [], visitor: true, departments: [] },
      },
      persons,
    });
  }
}

// ---------------------------------------------------------------------------------------------
// The month's visits: genuine ones on working days (4–6 a day, 25–70 min apart, far persons on a day
// of their own), located near home with the phone's accuracy (some poor), photos taken minutes
// before with GPS near home, form open 8–35 min, stored within 0–3 days, notes of their own.
// Then fakes of each kind planted in place of some genuine visits or added to them.
// ---------------------------------------------------------------------------------------------
type Kind = AuthenticityRule | 'genuine' | 'spree_head' | 'copy_head' | 'travel_pair';
interface Planned {
  visitor: Visitor;
  person: Person;
  at: Date;
  recordedAt: Date;
  kind: Kind;
  body: Record<string, unknown>;
}
const PHRASES = [
  '屋里暖和',
  '饭菜自己做',
  '腿脚不太灵便',
  '血压药按时吃',
  '邻居常来看望',
  '院子打扫干净',
  '说女儿上周来过',
  '想换个新电视',
  '炉子已检查',
  '咳嗽好多了',
  '水缸满的',
  '取暖煤够用',
  '精神头不错',
  '问了低保金到账',
];
const notesFor = (p: Person, k: number) =>
  `${p.name}${pick(PHRASES)}，${PHRASES[(p.id * 3 + k * 7) % PHRASES.length]}，第${k + 1}次`;
const photoBytes = () =>
  Buffer.concat([
    Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
      'base64',
    ),
    Buffer.from(randomUUID()),
  ]).toString('base64');
const day = (d: number, h: number, m = 0) =>
  new Date(
    `${MONTH}-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00+08:00`,
  );
const minutes = (d: Date, n: number) => new Date(d.getTime() + n * 60000);
const located = (home: Pt, poor: boolean) => {
  const accuracy = poor ? 300 + rnd() * 500 : 5 + rnd() * 55;
  const err = poor ? rnd() * 450 : rnd() * accuracy;
  const a = rnd() * 2 * Math.PI;
  return {
    consent: true,
    ...offset(home, err * Math.cos(a), err * Math.sin(a)),
    accuracy: Math.round(accuracy),
  };
};

const out: string[] = [];
const p = (x = '') => out.push(x);

/** The signals' cost on submission: alternating blocks with and without the assessor, same process. */
async function measureCost() {
  const AB = Number(args.ab);
  if (AB > 0) {
    const v = visitors[0];
    const without = { ...REGISTRY, visitAssessor: undefined };
    const times: Record<'with' | 'without', number[]> = { with: [], without: [] };
    // A visitor's pace: one visit every 290 minutes (5 a day), so no rule trips for the pace itself.
    let at = day(1, 8);
    const block = 50;
    // Two cases: the heavy one (location and free text: every lookup runs) and the bench's
    // (bench/run.ts: no location, no notes — the home point and the day's count only).
    const heavy = process.env.AB_CASE !== 'light';
    for (let b = 0; b < AB / block; b++) {
      const side = b % 2 === 0 ? 'with' : 'without';
      ctx.registry = side === 'with' ? REGISTRY : without;
      const t = performance.now();
      for (let i = 0; i < block; i++) {
        at = minutes(at, 290);
        ctx.clock.set(minutes(at, 5));
        const person = v.persons[i % v.persons.length];
        await recordVisit(ctx, v.actor, {
          clientId: randomUUID(),
          personId: person.id,
          at,
          method: 'in_person',
          outcome: 'reached',
          durationMinutes: 30,
          answers: fineAnswers(CHECKLIST_V1, seasonFlags(chinaDate(at))),
          notes: heavy ? `${person.name}情况良好，屋里暖和，第${b}-${i}次` : null,
          location: heavy ? located(person.home, false) : null,
          openedAt: minutes(at, -15),
          submittedAt: at,
        });
      }
      times[side].push((performance.now() - t) / block);
    }
    ctx.registry = REGISTRY;
    const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
    const w = med(times.with);
    const wo = med(times.without);
    p(
      `Submission cost (${AB} in-person visits ${heavy ? 'with location, notes' : 'without location or notes (as bench/run.ts sends them)'} and the full checklist, one after another through \`recordVisit\`, blocks of ${block} alternating with and without the assessor; median of the blocks' mean per visit): **${wo.toFixed(2)} ms without, ${w.toFixed(2)} ms with the signals (${(((w - wo) / wo) * 100).toFixed(1)} %)**. The lookups ride on the visit's context read, so the statements per visit are the same (3).`,
    );
  }
}

if (args['ab-only']) {
  await measureCost();
  console.log(`\n${out.join('\n')}`);
  process.exit(0);
}

const plan: Planned[] = [];
const DAYS = Array.from({ length: 30 }, (_, i) => i + 1);
const WORKDAYS = DAYS.filter((d) => new Date(day(d, 12)).getUTCDay() % 6 !== 0);
const WEEKENDS = DAYS.filter((d) => new Date(day(d, 12)).getUTCDay() % 6 === 0);
for (const v of visitors) {
  const near = v.persons.filter((p) => !p.far);
  const far = v.persons.filter((p) => p.far);
  for (let round = 0; round < VISITS_PER_PERSON; round++) {
    // Near persons over a fortnight, 4–6 a day; far persons on one day of their own.
    const days = WORKDAYS.filter((d) => (round === 0 ? d <= 15 : d > 15));
    let di = 0;
    let queue = [...near];
    while (queue.length) {
      const n = 4 + Math.floor(rnd() * 3);
      let t = day(days[di % days.length], 9, Math.floor(rnd() * 30));
      for (const p of queue.splice(0, n)) {
        plan.push(genuine(v, p, t, round));
        t = minutes(t, 25 + rnd() * 45);
      }
      di += 2;
    }
    // The far persons' day: one with no near visit (an odd index: near days took the even ones).
    const farDay = days.find((_, k) => k % 2 === 1 && k >= di - 1) ?? days[1];
    let t = day(farDay, 9, 0);
    for (const p of far) {
      plan.push(genuine(v, p, t, round));
      t = minutes(t, 30 + rnd() * 30);
    }
    queue = [];
  }
}

function genuine(v: Visitor, p: Person, at: Date, k: number): Planned {
  const opened = 8 + rnd() * 27;
  const withPhoto = rnd() < 0.4;
  const poor = rnd() < 0.15;
  const body: Record<string, unknown> = {
    clientId: randomUUID(),
    personId: p.id,
    at: at.toISOString(),
    method: 'in_person',
    outcome: 'reached',
    answers: fineAnswers(CHECKLIST_V1, seasonFlags(chinaDate(at))),
    notes: rnd() < 0.2 ? '一切正常' : notesFor(p, k),
    openedAt: minutes(at, -opened).toISOString(),
    submittedAt: at.toISOString(),
    location: rnd() < 0.85 ? located(p.home, poor) : null,
  };
  if (withPhoto) {
    const g = offset(p.home, (rnd() - 0.5) * 120, (rnd() - 0.5) * 120);
    body.photos = [
      {
        data: photoBytes(),
        meta: {
          takenAt: minutes(at, -rnd() * 30).toISOString(),
          ...(rnd() < 0.6 ? { latitude: g.latitude, longitude: g.longitude } : {}),
        },
      },
    ];
  }
  // Stored on the spot, or up to three days later (no signal in the hills).
  const delay = rnd() < 0.8 ? rnd() * 30 : rnd() * 3 * 1440;
  return { visitor: v, person: p, at, recordedAt: minutes(at, delay), kind: 'genuine', body };
}

// Plant fakes: each kind on its own visitors' genuine visits (changed in place) or added.
const PER_KIND = 12;
const byVisitor = (v: Visitor) => plan.filter((x) => x.visitor === v && x.kind === 'genuine');
let vc = 0;
const nextVisitor = () => visitors[vc++ % visitors.length];
const mutate = (kind: AuthenticityRule, f: (x: Planned) => void) => {
  for (let i = 0; i < PER_KIND; i++) {
    const cands = byVisitor(nextVisitor()).filter((x) => !x.person.far);
    const x = pick(cands.slice(1, -1));
    x.kind = kind;
    f(x);
  }
};
mutate('place', (x) => {
  x.body.location = { consent: true, ...offset(x.person.home, 3000 + rnd() * 5000, 0), accuracy: 20 };
});
mutate('photo_time', (x) => {
  x.body.photos = [
    { data: photoBytes(), meta: { takenAt: minutes(x.at, -(2 + rnd() * 28) * 1440).toISOString() } },
  ];
});
mutate('photo_place', (x) => {
  const g = offset(x.person.home, 0, 4000 + rnd() * 4000);
  x.body.photos = [{ data: photoBytes(), meta: { latitude: g.latitude, longitude: g.longitude } }];
});
mutate('too_short', (x) => {
  x.body.openedAt = minutes(x.at, -(0.5 + rnd() * 3)).toISOString();
});
mutate('stored_late', (x) => {
  x.recordedAt = minutes(x.at, (8 + rnd() * 14) * 1440);
});
// Same photo again: a copy of an earlier visit's photo on a later visit of the same visitor.
for (let i = 0; i < PER_KIND; i++) {
  const mine = byVisitor(nextVisitor()).filter((x) => x.body.photos);
  if (mine.length < 2) {
    i--;
    continue;
  }
  const [first, later] = [mine[0], mine[mine.length - 1]];
  later.kind = 'photo_reused';
  later.body.photos = [{ data: (first.body.photos as { data: string }[])[0].data }];
}
// Copied from the person's previous visit (answers and notes).
for (let i = 0; i < PER_KIND; i++) {
  const mine = byVisitor(nextVisitor());
  const p = pick(mine).person;
  const two = plan.filter((x) => x.person === p).sort((a, b) => a.at.getTime() - b.at.getTime());
  if (two.length < 2 || two[1].kind !== 'genuine' || two[0].body.notes === '一切正常') {
    i--;
    continue;
  }
  two[1].kind = 'copied_previous';
  two[1].body.notes = two[0].body.notes;
  two[1].body.answers = two[0].body.answers;
}
// Identical across persons: one visitor types the same text for 5 persons (the first two are the
// "originals" — not catchable by this rule, planted as copy_head).
for (let i = 0; i < 3; i++) {
  const mine = byVisitor(nextVisitor())
    .filter((x) => !x.person.far)
    .slice(0, 5);
  const text = `老人身体硬朗，屋里收拾得很干净，药品齐全，取暖正常（${i}）`;
  mine.sort((a, b) => a.at.getTime() - b.at.getTime());
  mine.forEach((x, k) => {
    x.kind = k < AUTHENTICITY_DEFAULTS['authenticity.copyAcrossPersons'] - 1 ? 'copy_head' : 'copied_across';
    x.body.notes = text;
    x.body.answers = mine[0].body.answers;
    // Typed one after another: stored in the order of their times.
    x.recordedAt = minutes(x.at, 10);
  });
}
// Impossible travel: a visit to a far person logged 5–12 min after the last visit of a day at home
// (nothing of this visitor within 80 minutes after it: the next genuine visit must not be blamed).
for (let i = 0; i < PER_KIND; i++) {
  const v = nextVisitor();
  const mine = byVisitor(v).filter(
    (x) =>
      !x.person.far &&
      x.body.location &&
      !plan.some((y) => y.visitor === v && y.at > x.at && y.at < minutes(x.at, 80)),
  );
  const anchor = pick(mine);
  const farP = v.persons.find((p) => p.far)!;
  const at = minutes(anchor.at, 5 + rnd() * 7);
  const g = genuine(v, farP, at, 9);
  g.kind = 'travel';
  // A pair rule flags both ends: the genuine visit the fake is paired with is flagged too (whichever
  // arrived second finds the first, and the signal is mirrored onto it). Counted apart, not as genuine.
  anchor.kind = 'travel_pair';
  g.body.location = located(farP.home, false);
  g.body.notes = `${farP.name}补记，第${i}次`;
  plan.push(g);
}
// The evening spree on a Sunday: 16 visits typed in under two hours, each form open 2–3 minutes.
for (let i = 0; i < 2; i++) {
  const v = nextVisitor();
  let t = day(WEEKENDS[2 + i * 2], 19, 0);
  v.persons.slice(0, 16).forEach((p, k) => {
    const g = genuine(v, p, t, 8);
    g.body.location = null;
    g.body.photos = undefined;
    g.body.openedAt = minutes(t, -2.5).toISOString();
    g.recordedAt = minutes(t, 1);
    // Visits 1–12 of the day are typed fast (too short); from the 13th the day's count trips too.
    g.kind = k + 1 > AUTHENTICITY_DEFAULTS['authenticity.maxPerDay'] ? 'too_many' : 'spree_head';
    plan.push(g);
    t = minutes(t, 6);
  });
}

log(`${plan.length} visits planned; recording them in the order they reach the server`);
plan.sort((a, b) => a.recordedAt.getTime() - b.recordedAt.getTime());
const ids = new Map<Planned, number>();
const t0 = performance.now();
for (const x of plan) {
  ctx.clock.set(x.recordedAt < x.at ? x.at : x.recordedAt);
  const r = await recordVisit(ctx, x.visitor.actor, {
    ...(x.body as unknown as RecordVisitInput),
    at: new Date(x.body.at as string),
    openedAt: x.body.openedAt ? new Date(x.body.openedAt as string) : null,
    submittedAt: x.body.submittedAt ? new Date(x.body.submittedAt as string) : null,
  });
  ids.set(x, r.visitId);
}
const recordS = (performance.now() - t0) / 1000;
log(`recorded in ${recordS.toFixed(1)} s`);

// ---------------------------------------------------------------------------------------------
// Precision and recall per rule
// ---------------------------------------------------------------------------------------------
const rows = await db.query<{ id: number; signals: { rule: AuthenticityRule }[] | null }>(
  sql('select id, signals from visits where id = any($1::bigint[])'),
  [[...ids.values()]],
);
const rulesOf = new Map(rows.map((r) => [Number(r.id), new Set((r.signals ?? []).map((x) => x.rule))]));
const genuineVisits = plan.filter((x) => x.kind === 'genuine');
const flaggedGenuine = genuineVisits.filter((x) => rulesOf.get(ids.get(x)!)!.size > 0);
const fakes = plan.filter((x) => AUTHENTICITY_RULES.includes(x.kind as AuthenticityRule));
const missed = fakes.filter((x) => rulesOf.get(ids.get(x)!)!.size === 0);
p(
  `${plan.length} visits of ${MONTH} (${visitors.length} visitors, ${visitors.length * PERSONS_PER_VISITOR} persons with confirmed home points), ${fakes.length} planted fakes of ${new Set(fakes.map((f) => f.kind)).size} kinds, recorded through \`recordVisit\` in ${recordS.toFixed(1)} s (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}).`,
);
p();
p(
  `- Planted fakes flagged: **${fakes.length - missed.length} of ${fakes.length}**${missed.length ? ` (missed: ${missed.map((m) => m.kind).join(', ')})` : ''}.`,
);
p(
  `- Genuine visits flagged: **${flaggedGenuine.length} of ${genuineVisits.length} (${((100 * flaggedGenuine.length) / genuineVisits.length).toFixed(2)} %)**${flaggedGenuine.length ? ` — ${[...new Set(flaggedGenuine.flatMap((x) => [...rulesOf.get(ids.get(x)!)!]))].join(', ')}` : ''}.`,
);
const heads = plan.filter((x) => x.kind === 'spree_head' || x.kind === 'copy_head');
p(
  `- Fakes no rule of their kind can single out (the first ${AUTHENTICITY_DEFAULTS['authenticity.maxPerDay']} visits of an evening spree, the first ${AUTHENTICITY_DEFAULTS['authenticity.copyAcrossPersons'] - 1} persons of a copied text): ${heads.filter((x) => rulesOf.get(ids.get(x)!)!.size > 0).length} of ${heads.length} flagged (by "too short").`,
);
p();
const pairs = plan.filter((x) => x.kind === 'travel_pair');
p(
  `- The genuine visits an impossible-travel fake was paired with (a pair rule cannot tell which of the two is false; both go to review): ${pairs.filter((x) => rulesOf.get(ids.get(x)!)!.has('travel')).length} of ${pairs.length} flagged.`,
);
p();
p(
  '| rule | planted | flagged by the rule (TP) | recall | flagged in all (TP + FP) | precision | genuine flagged by it |',
);
p('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const rule of AUTHENTICITY_RULES) {
  const planted = plan.filter((x) => x.kind === rule);
  const tp = planted.filter((x) => rulesOf.get(ids.get(x)!)!.has(rule)).length;
  const all = plan.filter((x) => rulesOf.get(ids.get(x)!)!.has(rule));
  // A visit planted as another kind of fake that this rule also flags is not a false positive.
  const fp = all.filter((x) => x.kind === 'genuine').length;
  const prec = all.length ? (all.length - fp) / all.length : 1;
  p(
    `| ${rule} | ${planted.length} | ${tp} | ${planted.length ? ((100 * tp) / planted.length).toFixed(0) : '–'} % | ${all.length} | ${(100 * prec).toFixed(0)} % | ${fp} |`,
  );
}
p();

// The flagged share as the figure counts it, against the plan.
const [fig] = await db.query<{ n: number; flagged: number }>(
  sql('select count(*)::int as n, count(signals)::int as flagged from visits where id = any($1::bigint[])'),
  [[...ids.values()]],
);
const expectedFlagged = plan.filter((x) => rulesOf.get(ids.get(x)!)!.size > 0).length;
p(
  `Flagged share: ${fig.flagged} of ${fig.n} (${((100 * fig.flagged) / fig.n).toFixed(1)} %), the same as counted from the plan: ${fig.flagged === expectedFlagged ? 'yes' : `NO (${expectedFlagged})`}.`,
);

// The spot-check sample of each town is reproducible from its seed.
let same = 0;
for (const town of towns) {
  const pop = (
    await db.query<{ id: number; flagged: boolean }>(
      sql(
        `select id, signals is not null as flagged from visits where town_id = $1 and qualifying order by id`,
      ),
      [town],
    )
  ).map((r) => ({ id: Number(r.id), flagged: r.flagged }));
  const o = { seed: `s:${town}:${MONTH}`, rate: 0.05, min: 3, flaggedWeight: 4 };
  const a = drawSample(pop, o);
  const b = drawSample([...pop].reverse(), o);
  if (JSON.stringify(a) === JSON.stringify(b) && a.length === Math.max(3, Math.ceil(0.05 * pop.length)))
    same++;
}
p(
  `Spot-check samples: ${same} of ${towns.length} towns drew the same sample again from the recorded seed (visits in any order), of size max(3, ⌈5 % × n⌉).`,
);
p();

// ---------------------------------------------------------------------------------------------
// The signals' cost on submission: alternating blocks with and without the assessor, same process.
// ---------------------------------------------------------------------------------------------
await measureCost();
console.log(`\n${out.join('\n')}`);
await env.app.close();
await db.close();

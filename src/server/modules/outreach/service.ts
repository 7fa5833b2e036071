import { createHash } from 'node:crypto';
import {
  ACTIVITY_PHOTO_LIMITS,
  type ActivityBody,
  type OrganisationBody,
  OUTREACH_LIMITS,
} from '../../../shared/api/outreach.js';
import { chinaDate, chinaDayStart, chinaMonth } from '../../../shared/china-time.js';
import { ratio } from '../../../shared/metrics.js';
import {
  ACTIVITY_TYPE_LABELS,
  type ActivityType,
  type OrganisationKind,
  outreachPeriodDays,
  quarterOf,
  type ReachRule,
} from '../../../shared/outreach.js';
import type { Ctx } from '../../context.js';
import type { Queryable } from '../../db/db.js';
import { AppError, badRequest, conflict, forbidden, notFound } from '../../http/errors.js';
import { type Actor, inScope } from '../../http/scope.js';
import { sniffFileType } from '../../lib/file-types.js';
import { appendAudit } from '../audit/index.js';
import { getCaregiverInScope } from '../care/index.js';
import { getMetrics, resolveSlice } from '../oversight/index.js';
import * as repo from './repo.js';

const todayOf = (ctx: Ctx) => chinaDate(ctx.clock.now());

/** An area the actor's scope reaches (else 404, as every foreign id). */
async function areaInScope(q: Queryable, actor: Actor, areaId: number, field = 'areaId') {
  const a = await repo.getAreaBrief(q, areaId);
  if (!a || !inScope(actor.scope, a.id))
    throw new AppError(404, 'NOT_FOUND', '辖区不存在或不在您的辖区内', field);
  return a;
}

/** The name an activity shows as organiser when the office held it itself. */
function officeName(a: repo.AreaBrief) {
  // A township's government, a village's committee, otherwise the civil-affairs bureau of the level.
  return a.level === 'town'
    ? `${a.name}人民政府`
    : a.level === 'village'
      ? `${a.name}委员会`
      : `${a.name}民政局`;
}

// ---------------------------------------------------------------------------------------------
// Organisations
// ---------------------------------------------------------------------------------------------

export function listOrganisations(ctx: Ctx, actor: Actor, f: Parameters<typeof repo.listOrganisations>[2]) {
  return repo.listOrganisations(ctx.db, actor.scope, f);
}

export function listActivities(ctx: Ctx, actor: Actor, f: repo.ActivityFilter) {
  return repo.listActivities(ctx.db, actor.scope, f);
}

export async function getOrganisation(ctx: Ctx, actor: Actor, id: number) {
  const o = await repo.getOrganisation(ctx.db, actor.scope, id);
  if (!o) throw notFound('社会组织');
  return o;
}

/** Visible and registered on one of the actor's own areas (the bureau's are the bureau's to edit). */
async function manageableOrganisation(q: Queryable, actor: Actor, id: number) {
  const o = await repo.getOrganisation(q, actor.scope, id);
  if (!o) throw notFound('社会组织');
  if (!inScope(actor.scope, o.area_id)) throw forbidden(`“${o.name}”由${o.area_name}登记，只能由其修改`);
  return o;
}

async function assertCodeFree(q: Queryable, code: string | null, selfId?: number) {
  if (!code) return;
  const other = await repo.organisationByCode(q, code);
  if (other && other.id !== selfId)
    throw conflict(`统一社会信用代码 ${code} 已登记为“${other.name}”`, 'creditCode');
}

type OrganisationInput = Omit<OrganisationBody, 'areaId' | 'services' | 'active'> & {
  services?: string[];
  active?: boolean;
};

function organisationValues(b: OrganisationInput & { kind: OrganisationKind; name: string }) {
  return {
    kind: b.kind,
    name: b.name,
    creditCode: b.creditCode ?? null,
    contactName: b.contactName || null,
    contactPhone: b.contactPhone || null,
    services: [...new Set(b.services ?? [])],
    active: b.active ?? true,
    note: b.note || null,
  };
}

export async function createOrganisation(
  ctx: Ctx,
  actor: Actor,
  b: OrganisationInput & { areaId: number; kind: OrganisationKind; name: string },
) {
  return ctx.db.tx(async (q) => {
    const area = await areaInScope(q, actor, b.areaId);
    const values = organisationValues(b);
    await assertCodeFree(q, values.creditCode);
    const now = ctx.clock.now();
    const id = await repo.insertOrganisation(q, { ...values, areaId: area.id, createdBy: actor.userId, now });
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'outreach.organisation_create',
      entity: 'outreach_organisation',
      entityId: id,
      areaId: area.id,
      detail: { name: values.name, kind: values.kind, creditCode: values.creditCode },
    });
    return id;
  });
}

export async function updateOrganisation(
  ctx: Ctx,
  actor: Actor,
  id: number,
  b: Partial<OrganisationInput> & { version: number },
) {
  return ctx.db.tx(async (q) => {
    const o = await manageableOrganisation(q, actor, id);
    const values = organisationValues({
      kind: b.kind ?? o.kind,
      name: b.name ?? o.name,
      creditCode: b.creditCode === undefined ? o.credit_code : b.creditCode,
      contactName: b.contactName === undefined ? o.contact_name : b.contactName,
      contactPhone: b.contactPhone === undefined ? o.contact_phone : b.contactPhone,
      services: b.services ?? o.services,
      active: b.active ?? o.active,
      note: b.note === undefined ? o.note : b.note,
    });
    await assertCodeFree(q, values.creditCode, id);
    const now = ctx.clock.now();
    if (!(await repo.updateOrganisation(q, id, b.version, values, now)))
      throw conflict('该组织已被他人修改，请刷新后重试', 'version');
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'outreach.organisation_update',
      entity: 'outreach_organisation',
      entityId: id,
      areaId: o.area_id,
      detail: { changed: Object.keys(b).filter((k) => k !== 'version') },
    });
  });
}

export async function deleteOrganisation(ctx: Ctx, actor: Actor, id: number) {
  await ctx.db.tx(async (q) => {
    const o = await manageableOrganisation(q, actor, id);
    if (o.activity_count > 0)
      throw conflict(`“${o.name}”已组织过 ${o.activity_count} 次活动，不能删除，可改为停用`);
    await repo.deleteOrganisation(q, id);
    await appendAudit(q, {
      at: ctx.clock.now(),
      actorId: actor.userId,
      action: 'outreach.organisation_delete',
      entity: 'outreach_organisation',
      entityId: id,
      areaId: o.area_id,
      detail: { name: o.name, creditCode: o.credit_code },
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Activities
// ---------------------------------------------------------------------------------------------

export async function getActivity(ctx: Ctx, actor: Actor, id: number) {
  const a = await repo.getActivity(ctx.db, actor.scope, id);
  if (!a) throw notFound('活动');
  const participants = await repo.listParticipants(ctx.db, actor.scope, id);
  const photos = await repo.listPhotos(ctx.db, id);
  return { a, participants, photos };
}

/**
 * The persons an activity reached: the picked ones (each visible to the actor, in the activity's
 * area and not ended — else 4xx naming them) and those the rule names now, together, once each.
 */
async function resolveParticipants(
  q: Queryable,
  actor: Actor,
  area: repo.AreaBrief,
  picked: number[],
  rule: ReachRule | null | undefined,
  today: string,
) {
  const ids = [...new Set(picked)];
  const found = ids.length ? await repo.personsForActivity(q, actor.scope, ids, area.path) : [];
  if (found.length < ids.length) {
    const missing = ids.filter((i) => !found.some((p) => p.id === i));
    throw new AppError(
      404,
      'NOT_FOUND',
      `对象（编号 ${missing.slice(0, 5).join('、')}）不存在或不在您的辖区内`,
      'personIds',
    );
  }
  const ended = found.filter((p) => p.status === 'ended');
  if (ended.length)
    throw badRequest(
      `${ended
        .map((p) => p.name)
        .slice(0, 5)
        .join('、')} 已终止供养，不能登记为活动对象`,
      'personIds',
    );
  const outside = found.filter((p) => !p.in_area);
  if (outside.length)
    throw badRequest(
      `${outside
        .map((p) => p.name)
        .slice(0, 5)
        .join('、')} 不在活动举办地（${area.name}）辖区内`,
      'personIds',
    );
  const all = new Map(found.map((p) => [p.id, p]));
  if (rule) {
    const ruleArea = await areaInScope(q, actor, rule.areaId, 'rule.areaId');
    if (!ruleArea.path.startsWith(area.path))
      throw badRequest(`规则的辖区（${ruleArea.name}）不在活动举办地（${area.name}）辖区内`, 'rule.areaId');
    const named = await repo.resolveReachRule(q, actor.scope, rule, today, OUTREACH_LIMITS.participants + 1);
    for (const p of named) all.set(p.id, p);
  }
  if (all.size > OUTREACH_LIMITS.participants)
    throw badRequest(
      `一次活动最多登记 ${OUTREACH_LIMITS.participants} 名对象，请缩小规则范围或分场次登记`,
      rule ? 'rule' : 'personIds',
    );
  return [...all.values()];
}

async function organiserOf(q: Queryable, actor: Actor, area: repo.AreaBrief, organisationId: number | null) {
  if (organisationId == null) return { organisationId: null, organiserName: officeName(area) };
  const o = await repo.getOrganisation(q, actor.scope, organisationId);
  if (!o) throw new AppError(404, 'NOT_FOUND', '社会组织不存在或不在您的辖区内', 'organisationId');
  if (!o.active) throw badRequest(`“${o.name}”已停用，不能作为活动组织方`, 'organisationId');
  return { organisationId: o.id, organiserName: o.name };
}

function assertNotAhead(heldOn: string, today: string) {
  if (heldOn > today) throw badRequest('活动日期不能晚于今天（请在活动结束后登记）', 'heldOn');
}

/** Each reached person's timeline gets the activity, dated the activity's day. */
async function writeTimeline(
  q: Queryable,
  actor: Actor,
  activityId: number,
  a: { type: ActivityType; heldOn: string; place: string; organiserName: string; services: string[] },
  personIds: number[],
) {
  await repo.deletePersonEvents(q, activityId, personIds);
  await repo.insertActivityEvents(q, {
    activityId,
    personIds,
    at: chinaDayStart(a.heldOn),
    title: `关爱活动：${ACTIVITY_TYPE_LABELS[a.type]}（${a.organiserName}，${a.place}）`,
    detail: { type: a.type, services: a.services },
    actorId: actor.userId,
  });
}

export async function createActivity(ctx: Ctx, actor: Actor, b: ActivityBody) {
  const services = [...new Set(b.services ?? [])];
  const today = todayOf(ctx);
  assertNotAhead(b.heldOn, today);
  return ctx.db.tx(async (q) => {
    if (b.clientId) {
      const done = await repo.activityByClientId(q, b.clientId);
      if (done != null) return done;
    }
    const area = await areaInScope(q, actor, b.areaId);
    const organiser = await organiserOf(q, actor, area, b.organisationId ?? null);
    const persons = await resolveParticipants(q, actor, area, b.personIds ?? [], b.rule, today);
    const now = ctx.clock.now();
    const values = {
      type: b.type,
      heldOn: b.heldOn,
      place: b.place,
      ...organiser,
      services,
      summary: b.summary || null,
    };
    const id = await repo.insertActivity(q, {
      ...values,
      areaId: area.id,
      townId: area.town_id,
      reachRule: b.rule ?? null,
      clientId: b.clientId ?? null,
      createdBy: actor.userId,
      now,
    });
    const personIds = persons.map((p) => p.id);
    await repo.setParticipants(q, id, b.heldOn, personIds);
    await writeTimeline(q, actor, id, values, personIds);
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'outreach.activity_create',
      entity: 'outreach_activity',
      entityId: id,
      areaId: area.id,
      detail: { type: b.type, heldOn: b.heldOn, persons: personIds.length, rule: b.rule ?? null },
    });
    return id;
  });
}

/** Visible and held by one of the actor's own areas. */
async function manageableActivity(q: Queryable, actor: Actor, id: number) {
  const a = await repo.getActivity(q, actor.scope, id, true);
  if (!a) throw notFound('活动');
  if (!inScope(actor.scope, a.area_id)) throw forbidden(`该活动由${a.area_name}登记，只能由其修改`);
  return a;
}

export async function updateActivity(
  ctx: Ctx,
  actor: Actor,
  id: number,
  b: Partial<Omit<ActivityBody, 'areaId' | 'rule' | 'clientId'>> & { version: number },
) {
  const today = todayOf(ctx);
  if (b.heldOn) assertNotAhead(b.heldOn, today);
  await ctx.db.tx(async (q) => {
    const a = await manageableActivity(q, actor, id);
    const area = (await repo.getAreaBrief(q, a.area_id))!;
    const organiser =
      b.organisationId === undefined
        ? { organisationId: a.organisation_id, organiserName: a.organiser_name }
        : await organiserOf(q, actor, area, b.organisationId);
    const values = {
      type: b.type ?? a.type,
      heldOn: b.heldOn ?? a.held_on,
      place: b.place ?? a.place,
      ...organiser,
      services: b.services ? [...new Set(b.services)] : a.services,
      summary: b.summary === undefined ? a.summary : b.summary || null,
    };
    const now = ctx.clock.now();
    if (!(await repo.updateActivity(q, id, b.version, values, now)))
      throw conflict('该活动已被他人修改，请刷新后重试', 'version');
    const before = await repo.participantIds(q, id);
    let personIds = before;
    if (b.personIds) {
      // Persons already on the list stay even if they ended since (the activity happened to them).
      const kept = b.personIds.filter((p) => before.includes(p));
      const added = b.personIds.filter((p) => !before.includes(p));
      const fresh = await resolveParticipants(q, actor, area, added, null, today);
      personIds = [...new Set([...kept, ...fresh.map((p) => p.id)])];
      await repo.setParticipants(q, id, values.heldOn, personIds);
      await repo.deletePersonEvents(
        q,
        id,
        before.filter((p) => !personIds.includes(p)),
      );
    } else if (values.heldOn !== a.held_on) {
      await repo.moveParticipantsDate(q, id, values.heldOn);
    }
    await writeTimeline(q, actor, id, values, personIds);
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'outreach.activity_update',
      entity: 'outreach_activity',
      entityId: id,
      areaId: a.area_id,
      detail: {
        changed: Object.keys(b).filter((k) => k !== 'version'),
        persons: personIds.length,
      },
    });
  });
}

export async function deleteActivity(ctx: Ctx, actor: Actor, id: number) {
  await ctx.db.tx(async (q) => {
    const a = await manageableActivity(q, actor, id);
    await repo.deleteActivity(q, id);
    await appendAudit(q, {
      at: ctx.clock.now(),
      actorId: actor.userId,
      action: 'outreach.activity_delete',
      entity: 'outreach_activity',
      entityId: id,
      areaId: a.area_id,
      detail: { type: a.type, heldOn: a.held_on, persons: a.participant_count },
    });
  });
}

export async function previewReach(ctx: Ctx, actor: Actor, rule: ReachRule) {
  await areaInScope(ctx.db, actor, rule.areaId);
  const rows = await repo.resolveReachRule(
    ctx.db,
    actor.scope,
    rule,
    todayOf(ctx),
    OUTREACH_LIMITS.participants + 1,
  );
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Figures
// ---------------------------------------------------------------------------------------------

/** The slice of a figures request: an area in reach (404 otherwise) and the period's days. */
export async function figureSlice(ctx: Ctx, actor: Actor, f: { period?: string; areaId?: number }) {
  const today = todayOf(ctx);
  const period = f.period ?? quarterOf(today);
  const days = outreachPeriodDays(period);
  const s = await resolveSlice(ctx, actor, { areaId: f.areaId });
  if (!s.area) throw notFound('辖区');
  return {
    period,
    today,
    months: days.months,
    area: s.area,
    slice: { area: { id: s.area.id, level: s.area.level }, from: days.from, to: days.to },
  };
}

interface Figures {
  activities: number;
  personsReached: number;
  policyAwareness: { value: number | null; numerator: number; denominator: number };
}

/**
 * Activities and persons reached per child area and in total, with 政策知晓率 of the same area and
 * period beside them: the oversight figure itself (METRICS.policyAwareness), its parts summed over
 * the period's months that have begun.
 */
export async function getFigures(ctx: Ctx, actor: Actor, f: { period?: string; areaId?: number }) {
  const s = await figureSlice(ctx, actor, f);
  const counts = await repo.countOutreach(ctx.db, s.slice);
  const children = s.area.level === 'village' ? [] : await repo.childAreas(ctx.db, s.area.id);
  const aware = new Map<number | null, [number, number]>();
  const add = (k: number | null, v: { numerator?: number; denominator?: number } | undefined) => {
    const cur = aware.get(k) ?? [0, 0];
    aware.set(k, [cur[0] + (v?.numerator ?? 0), cur[1] + (v?.denominator ?? 0)]);
  };
  const thisMonth = chinaMonth(ctx.clock.now());
  for (const month of s.months.filter((m) => m <= thisMonth)) {
    const m = await getMetrics(ctx, actor, { period: month, areaId: s.area.id });
    add(null, m.figures.policyAwareness);
    if (m.childKind === 'area') for (const c of m.children) add(c.id, c.figures.policyAwareness);
  }
  const figuresOf = (k: number | null): Figures => {
    const [num, den] = aware.get(k) ?? [0, 0];
    return {
      activities: counts.activities.find((r) => r.key === k)?.n ?? 0,
      personsReached: counts.reached.find((r) => r.key === k)?.n ?? 0,
      policyAwareness: { value: ratio(num, den), numerator: num, denominator: den },
    };
  };
  return {
    period: s.period,
    from: s.slice.from,
    to: s.slice.to,
    area: { id: s.area.id, name: s.area.name, level: s.area.level },
    figures: figuresOf(null),
    children: children.map((c) => ({ id: c.id, name: c.name, figures: figuresOf(c.id) })),
  };
}

export async function getFigureRecords(
  ctx: Ctx,
  actor: Actor,
  f: {
    period?: string;
    areaId?: number;
    figure: 'outreachPersonsReached' | 'outreachActivities';
    page: number;
    pageSize: number;
  },
) {
  const s = await figureSlice(ctx, actor, f);
  return repo.outreachRecords(ctx.db, s.slice, f.figure, f.pageSize, (f.page - 1) * f.pageSize);
}

// ---------------------------------------------------------------------------------------------
// Caregiver recognitions
// ---------------------------------------------------------------------------------------------

async function caregiverOf(q: Queryable, actor: Actor, caregiverId: number) {
  const c = await getCaregiverInScope(q, actor.scope, caregiverId);
  if (!c) throw notFound('照料服务人');
  return c;
}

export async function listRecognitions(ctx: Ctx, actor: Actor, caregiverId: number) {
  await caregiverOf(ctx.db, actor, caregiverId);
  return repo.listRecognitions(ctx.db, caregiverId);
}

export async function createRecognition(
  ctx: Ctx,
  actor: Actor,
  caregiverId: number,
  b: { title: string; awardedOn: string; awardedBy: string; note?: string | null },
) {
  if (b.awardedOn > todayOf(ctx)) throw badRequest('表彰日期不能晚于今天', 'awardedOn');
  return ctx.db.tx(async (q) => {
    const c = await caregiverOf(q, actor, caregiverId);
    const now = ctx.clock.now();
    const id = await repo.insertRecognition(q, {
      caregiverId,
      areaId: c.area_id,
      title: b.title,
      awardedOn: b.awardedOn,
      awardedBy: b.awardedBy,
      note: b.note || null,
      createdBy: actor.userId,
      now,
    });
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'caregiver.recognition_create',
      entity: 'caregiver',
      entityId: caregiverId,
      areaId: c.area_id,
      detail: { recognitionId: id, title: b.title, awardedOn: b.awardedOn },
    });
    return id;
  });
}

export async function deleteRecognition(ctx: Ctx, actor: Actor, id: number) {
  await ctx.db.tx(async (q) => {
    const r = await repo.getRecognition(q, id);
    if (!r) throw notFound('表彰记录');
    const c = await getCaregiverInScope(q, actor.scope, r.caregiver_id);
    if (!c) throw notFound('表彰记录');
    await repo.deleteRecognition(q, id);
    await appendAudit(q, {
      at: ctx.clock.now(),
      actorId: actor.userId,
      action: 'caregiver.recognition_delete',
      entity: 'caregiver',
      entityId: r.caregiver_id,
      areaId: c.area_id,
      detail: { recognitionId: id, title: r.title },
    });
  });
}

/** The person's activities, for the dossier (the caller has checked the person's scope). */
export const activitiesOfPerson = repo.activitiesOfPerson;

// ---------------------------------------------------------------------------------------------
// Activity photos
// ---------------------------------------------------------------------------------------------

export async function addPhoto(ctx: Ctx, actor: Actor, id: number, f: { mime: string; data: string }) {
  const content = Buffer.from(f.data, 'base64');
  if (content.length === 0) throw badRequest('照片为空或不是 Base64 编码', 'data');
  if (content.length > ACTIVITY_PHOTO_LIMITS.bytes) throw badRequest('每张照片不能超过 5 MB', 'data');
  // The declared type must be what the bytes are: a page or a program named .png is refused.
  if (sniffFileType(content) !== f.mime) throw badRequest('文件内容与所选类型不符（须为真实的图片）', 'data');
  await ctx.db.tx(async (q) => {
    const a = await manageableActivity(q, actor, id);
    const now = ctx.clock.now();
    const photoId = await repo.insertPhoto(q, {
      activityId: id,
      mime: f.mime,
      content,
      sha256: createHash('sha256').update(content).digest('hex'),
      max: ACTIVITY_PHOTO_LIMITS.count,
      createdBy: actor.userId,
      now,
    });
    if (photoId == null) throw conflict(`每次活动最多 ${ACTIVITY_PHOTO_LIMITS.count} 张照片`, 'data');
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'outreach.photo_add',
      entity: 'outreach_activity',
      entityId: id,
      areaId: a.area_id,
      detail: { photoId, size: content.length },
    });
  });
}

export async function getPhoto(ctx: Ctx, actor: Actor, id: number, photoId: number) {
  const a = await repo.getActivity(ctx.db, actor.scope, id);
  if (!a) throw notFound('活动');
  const f = await repo.getPhoto(ctx.db, id, photoId);
  if (!f) throw notFound('照片');
  await appendAudit(ctx.db, {
    at: ctx.clock.now(),
    actorId: actor.userId,
    action: 'outreach.photo_view',
    entity: 'outreach_activity',
    entityId: id,
    areaId: a.area_id,
    detail: { photoId },
  });
  return f;
}

export async function deletePhoto(ctx: Ctx, actor: Actor, id: number, photoId: number) {
  await ctx.db.tx(async (q) => {
    const a = await manageableActivity(q, actor, id);
    if (!(await repo.deletePhoto(q, id, photoId))) throw notFound('照片');
    await appendAudit(q, {
      at: ctx.clock.now(),
      actorId: actor.userId,
      action: 'outreach.photo_delete',
      entity: 'outreach_activity',
      entityId: id,
      areaId: a.area_id,
      detail: { photoId },
    });
  });
}

import { randomBytes } from 'node:crypto';
import type { SignalInput, SignalOutcome } from '../../../shared/api/signals.js';
import { addDays, chinaDate, chinaDayStart } from '../../../shared/china-time.js';
import { maskIdNumber, parseIdNumber } from '../../../shared/id-card.js';
import {
  isPersonSignal,
  permissionOfType,
  ruleKeyOf,
  SERVICE_PERMISSIONS,
  SERVICE_TOKEN_PREFIX,
  SIGNAL_LIMITS,
  SIGNAL_RULE_DEFAULTS,
  SIGNAL_TYPE_LABELS,
  SIGNAL_TYPES,
  type SignalRule,
  type SignalStatus,
  type SignalType,
  type UnmatchedReason,
  WEATHER_CHECKS,
  WEATHER_KIND_LABELS,
  type WeatherKind,
} from '../../../shared/signals.js';
import type { Ctx } from '../../context.js';
import type { Queryable } from '../../db/db.js';
import { AppError, badRequest, conflict, forbidden, notFound } from '../../http/errors.js';
import { type Actor, inScope, type Scope } from '../../http/scope.js';
import { appendAudit } from '../audit/index.js';
import { openIncident } from '../incidents/index.js';
import { notify } from '../notifications/index.js';
import { areaSettingsWithSource, putSetting } from '../settings/index.js';
import { createFollowUpTask, openCampaignIn } from '../visits/index.js';
import { auditMachine, refuse, sha256 } from './machine-auth.js';
import * as repo from './repo.js';

export { accountState, authenticateMachine } from './machine-auth.js';

// ---- service accounts ----------------------------------------------------------------------------

/**
 * A new machine client: the token (`tfsa_` + 32 random bytes) is kept only as its SHA-256, the signing
 * secret encrypted (the server needs it to check signatures); both are answered once, here.
 */
export async function createAccount(
  ctx: Ctx,
  actor: Actor,
  b: { name: string; areaId: number; permissions: string[]; expiresInDays: number },
) {
  const area = await repo.areaBrief(ctx.db, b.areaId);
  if (!area || !inScope(actor.scope, b.areaId))
    throw new AppError(404, 'NOT_FOUND', '辖区不存在或不在您的辖区内', 'areaId');
  const permissions = [...new Set(b.permissions)].filter((p) =>
    (SERVICE_PERMISSIONS as readonly string[]).includes(p),
  );
  const now = ctx.clock.now();
  const token = `${SERVICE_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const secret = randomBytes(32).toString('base64url');
  const id = await ctx.db.tx(async (q) => {
    const id = await repo.insertAccount(q, {
      name: b.name,
      areaId: b.areaId,
      permissions,
      tokenHash: sha256(token),
      tokenHint: `${token.slice(0, 9)}…`,
      secretEnc: ctx.fields.encrypt(secret),
      expiresAt: new Date(now.getTime() + b.expiresInDays * 86400000),
      userId: actor.userId,
      now,
    });
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'service_account.create',
      entity: 'service_account',
      entityId: id,
      areaId: b.areaId,
      detail: { name: b.name, permissions, expiresInDays: b.expiresInDays },
    });
    return id;
  });
  return { account: (await repo.getAccount(ctx.db, id))!, token, secret };
}

export async function listAccounts(ctx: Ctx, actor: Actor) {
  return repo.listAccounts(ctx.db, actor.scope);
}

export async function revokeAccount(ctx: Ctx, actor: Actor, id: number, reason: string) {
  const now = ctx.clock.now();
  return ctx.db.tx(async (q) => {
    const a = await repo.getAccount(q, id, actor.scope);
    if (!a) throw notFound('服务账号');
    if (!(await repo.revokeAccount(q, { id, userId: actor.userId, reason, now })))
      throw conflict('该服务账号已经吊销', 'id');
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'service_account.revoke',
      entity: 'service_account',
      entityId: id,
      areaId: a.area_id,
      detail: { reason },
    });
    return (await repo.getAccount(q, id))!;
  });
}

// ---- rules ----------------------------------------------------------------------------------------

const ruleDefaults = (t: SignalType) => ({ [ruleKeyOf(t)]: SIGNAL_RULE_DEFAULTS[t] });

/**
 * The rules read in the last `RULE_CACHE_MS`, by area and type: a burst of signals reads each once.
 * A change made in this process clears it; another process sees it within that time.
 */
const RULE_CACHE_MS = 30_000;
const ruleCache = new Map<string, { at: number; rule: SignalRule }>();

/** The rule of a type in force on an area (nearest area up the path, system row, default). */
async function ruleOn(q: Queryable, areaId: number, t: SignalType): Promise<SignalRule> {
  const k = `${areaId}:${t}`;
  const hit = ruleCache.get(k);
  if (hit && Date.now() - hit.at < RULE_CACHE_MS) return hit.rule;
  const rule = (await areaSettingsWithSource(q, areaId, ruleDefaults(t)))[ruleKeyOf(t)].value;
  if (ruleCache.size > 10_000) ruleCache.clear();
  ruleCache.set(k, { at: Date.now(), rule });
  return rule;
}

export async function getRules(ctx: Ctx, actor: Actor, areaId: number | undefined) {
  if (areaId !== undefined && !inScope(actor.scope, areaId)) throw notFound('辖区');
  const at = areaId ?? (actor.scope.all ? null : (actor.grants[0]?.areaId ?? null));
  const defaults = Object.fromEntries(SIGNAL_TYPES.map((t) => [ruleKeyOf(t), SIGNAL_RULE_DEFAULTS[t]]));
  const r = await areaSettingsWithSource(ctx.db, at, defaults);
  return {
    areaId: at,
    rules: SIGNAL_TYPES.map((type) => ({
      type,
      rule: r[ruleKeyOf(type)].value,
      source: r[ruleKeyOf(type)].source,
    })),
  };
}

export async function putRule(
  ctx: Ctx,
  actor: Actor,
  b: { areaId: number; type: SignalType; rule: SignalRule | null },
) {
  if (!inScope(actor.scope, b.areaId)) throw notFound('辖区');
  if (b.rule) {
    const weather = b.type === 'weather_warning';
    if (weather && !['campaign', 'none'].includes(b.rule.action))
      throw badRequest('气象预警只能开启专项探访或仅登记', 'rule.action');
    if (!weather && b.rule.action === 'campaign')
      throw badRequest('对象预警不能开启专项探访，请选择核查任务、跟进探访或仅登记', 'rule.action');
  }
  const now = ctx.clock.now();
  await ctx.db.tx(async (q) => {
    await putSetting(q, { areaId: b.areaId, key: ruleKeyOf(b.type), value: b.rule, by: actor.userId, now });
    ruleCache.clear();
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: b.rule ? 'setting.set' : 'setting.clear',
      entity: 'setting',
      entityId: ruleKeyOf(b.type),
      areaId: b.areaId,
      detail: { key: ruleKeyOf(b.type), value: b.rule as never },
    });
  });
  return getRules(ctx, actor, b.areaId);
}

// ---- submitting -----------------------------------------------------------------------------------

/** One item made ready outside the transaction: its person or areas found, its scope checked. */
type Prepared =
  | {
      kind: 'person';
      item: SignalInput;
      idHash: string | null;
      idMasked: string | null;
      person?: repo.MatchedPerson;
      invalid: boolean;
    }
  | { kind: 'weather'; item: SignalInput; areas: repo.AreaBrief[]; root: repo.AreaBrief };

const within = (path: string, root: string) => path.startsWith(root);

/** The lowest area holding all of `areas` (paths '/1/4/17/'). */
async function commonArea(q: Queryable, areas: repo.AreaBrief[]): Promise<repo.AreaBrief> {
  if (areas.length === 1) return areas[0];
  const parts = areas.map((a) => a.path.split('/').filter(Boolean));
  let n = 0;
  while (parts.every((p) => p[n] !== undefined && p[n] === parts[0][n])) n++;
  const id = Number(parts[0][n - 1]);
  return (await repo.areaBrief(q, id))!;
}

/** Who else stands behind a submission: the officer who uploaded a file, the file itself (its sha256). */
export interface SubmitOptions {
  uploadedBy?: number;
  file?: string;
}

/**
 * `POST /api/signals`: checks each item against the account's permissions and area (403 for the whole
 * call, audited), then stores each new signal and opens what its rule says, in one transaction; a key
 * the account sent before answers what it answered then.
 */
export async function submitSignals(
  ctx: Ctx,
  a: repo.AccountRow,
  items: SignalInput[],
  opts: SubmitOptions = {},
): Promise<SignalOutcome[]> {
  return storeSignals(ctx, a, await prepareSignals(ctx, a, items), opts);
}

/**
 * A department's file (up to 5,000 rows): every row checked first (a permission or an area outside the
 * account refuses the whole file before anything is stored, as for one JSON call), then stored in
 * batches of the JSON door's size, each its own transaction and audit row.
 */
export async function submitInBatches(
  ctx: Ctx,
  a: repo.AccountRow,
  items: SignalInput[],
  opts: SubmitOptions = {},
): Promise<SignalOutcome[]> {
  const prepared = await prepareSignals(ctx, a, items);
  const out: SignalOutcome[] = [];
  for (let i = 0; i < prepared.length; i += SIGNAL_LIMITS.batch)
    out.push(...(await storeSignals(ctx, a, prepared.slice(i, i + SIGNAL_LIMITS.batch), opts)));
  return out;
}

/** The checks before anything is written: keys, permissions, the persons and areas matched and in the account's area. */
async function prepareSignals(ctx: Ctx, a: repo.AccountRow, items: SignalInput[]): Promise<Prepared[]> {
  const keys = new Set<string>();
  for (const [i, s] of items.entries()) {
    if (keys.has(s.key)) throw badRequest(`同一批次内幂等键 key 重复：${s.key}`, `body.${i}.key`);
    keys.add(s.key);
    const need = permissionOfType(s.type);
    if (!a.permissions.includes(need))
      throw await refuse(
        ctx,
        a,
        forbidden(`服务账号没有报送「${SIGNAL_TYPE_LABELS[s.type]}」的权限（${need}）`),
        {
          reason: 'permission',
          type: s.type,
          key: s.key,
        },
      );
  }
  const prepared: Prepared[] = [];
  for (const [i, s] of items.entries()) {
    if (isPersonSignal(s.type)) {
      const id = parseIdNumber(s.idNumber ?? '');
      if (!id.ok) {
        prepared.push({
          kind: 'person',
          item: s,
          idHash: null,
          idMasked: maskIdNumber(s.idNumber ?? ''),
          invalid: true,
        });
        continue;
      }
      const idHash = ctx.fields.hash(id.value);
      const person = await repo.personByIdHash(ctx.db, idHash);
      if (person && !within(person.village_path, a.area_path))
        throw await refuse(ctx, a, forbidden('证件号码对应的对象不在本服务账号的辖区内'), {
          reason: 'area',
          key: s.key,
          index: i,
        });
      prepared.push({
        kind: 'person',
        item: s,
        idHash,
        idMasked: maskIdNumber(id.value),
        person,
        invalid: false,
      });
    } else {
      const codes = [...new Set(s.areaCodes ?? [])];
      const areas = await repo.areasByCodeOrId(ctx.db, codes);
      const known = new Set(areas.flatMap((x) => [x.code, String(x.id)]));
      const missing = codes.filter((c) => !known.has(c));
      if (missing.length)
        throw badRequest(`区域代码不存在：${missing.slice(0, 5).join('、')}`, `body.${i}.areaCodes`);
      if (areas.some((x) => !within(x.path, a.area_path)))
        throw await refuse(ctx, a, forbidden('预警区域不在本服务账号的辖区内'), {
          reason: 'area',
          key: s.key,
          index: i,
        });
      prepared.push({ kind: 'weather', item: s, areas, root: await commonArea(ctx.db, areas) });
    }
  }
  return prepared;
}

/** Stores the prepared items (at most one batch) in one transaction, with one audit row under the account. */
async function storeSignals(
  ctx: Ctx,
  a: repo.AccountRow,
  prepared: Prepared[],
  opts: SubmitOptions,
): Promise<SignalOutcome[]> {
  const now = ctx.clock.now();
  const items = prepared.map((p) => p.item);
  const keys = new Set(items.map((s) => s.key));
  return ctx.db.tx(async (q) => {
    const stored = new Map((await repo.outcomesOfKeys(q, a.id, [...keys])).map((o) => [o.key, o]));
    const rules = new Map<string, SignalRule>();
    const rule = async (areaId: number, t: SignalType) => {
      const k = `${areaId}:${t}`;
      let r = rules.get(k);
      if (!r) {
        r = await ruleOn(q, areaId, t);
        rules.set(k, r);
      }
      return r;
    };
    // Locks are taken in one order (by subject), so two batches naming the same persons cannot deadlock.
    const order = prepared
      .map((p, i) => ({ p, i, subject: subjectOf(p) }))
      .filter((x) => !stored.has(x.p.item.key))
      .sort((x, y) => (x.subject < y.subject ? -1 : x.subject > y.subject ? 1 : x.i - y.i));
    const out = new Map<string, repo.StoredOutcome>();
    for (const { p, subject } of order) {
      if (subject) await repo.lockSubject(q, subject);
      const o =
        p.kind === 'person'
          ? await storePersonSignal(ctx, q, a, p, now, rule)
          : await storeWeather(q, a, p, now, rule);
      out.set(p.item.key, o);
    }
    const counts: Record<string, number> = {};
    for (const o of out.values()) counts[o.status] = (counts[o.status] ?? 0) + 1;
    if (!a.last_used_at || now.getTime() - a.last_used_at.getTime() > 60000)
      await repo.touchAccount(q, a.id, now);
    const ids = [...out.values()].map((o) => o.id);
    await auditMachine(
      q,
      a,
      'signals.submit',
      now,
      {
        count: items.length,
        resent: items.length - out.size,
        statuses: counts,
        signalIds: ids.slice(0, 50),
        ...(opts.uploadedBy ? { uploadedBy: opts.uploadedBy } : {}),
        ...(opts.file ? { file: opts.file } : {}),
      },
      `signal:${ids[0] ?? items[0].key}`,
    );
    return items.map((s) => present((out.get(s.key) ?? stored.get(s.key))!));
  });
}

function subjectOf(p: Prepared): string {
  if (p.kind === 'weather') return `w:${p.item.warningId}`;
  return p.person ? `p:${p.person.id}:${p.item.type}` : '';
}

function present(o: repo.StoredOutcome): SignalOutcome {
  return {
    key: o.key,
    signalId: Number(o.id),
    status: o.status,
    reason: o.reason,
    matched: o.status !== 'unmatched',
    taskId: o.task_id == null ? null : Number(o.task_id),
    incidentId: o.incident_id,
    campaignId: o.campaign_id,
    mergedInto: o.merged_into == null ? null : Number(o.merged_into),
    deadlineAt: o.deadline_at ? new Date(o.deadline_at).toISOString() : null,
  };
}

type RuleOf = (areaId: number, t: SignalType) => Promise<SignalRule>;

function baseSignal(a: repo.AccountRow, s: SignalInput, now: Date): repo.NewSignal {
  return {
    accountId: a.id,
    key: s.key,
    type: s.type,
    subtype: s.weatherKind ?? null,
    source: s.source || a.name,
    occurredAt: new Date(s.occurredAt),
    receivedAt: now,
    idHash: null,
    idMasked: null,
    personId: null,
    areaId: a.area_id,
    areaIds: null,
    warningId: s.warningId ?? null,
    description: s.description ?? '',
    details: s.details ?? {},
    status: 'recorded',
    reason: null,
    taskId: null,
    incidentId: null,
    campaignId: null,
    mergedInto: null,
    deadlineAt: null,
  };
}

/** Stores a signal; a concurrent resend of the same key (its row committed meanwhile) answers that row. */
async function insertOrStored(q: Queryable, s: repo.NewSignal): Promise<repo.StoredOutcome> {
  const row = await repo.insertSignal(q, s);
  if (row) return row;
  return (await repo.outcomesOfKeys(q, s.accountId, [s.key]))[0];
}

async function storePersonSignal(
  ctx: Ctx,
  q: Queryable,
  a: repo.AccountRow,
  p: Extract<Prepared, { kind: 'person' }>,
  now: Date,
  ruleOf: RuleOf,
): Promise<repo.StoredOutcome> {
  const base = { ...baseSignal(a, p.item, now), idHash: p.idHash, idMasked: p.idMasked };
  const person = p.person;
  const unmatched = (reason: UnmatchedReason, extra: Partial<repo.NewSignal> = {}) =>
    insertOrStored(q, { ...base, ...extra, status: 'unmatched', reason });
  if (p.invalid) return unmatched('invalid_id');
  if (!person) return unmatched('unknown_id');
  const at = { personId: person.id, areaId: person.village_id };
  if (person.status !== 'active') return unmatched(person.status === 'ended' ? 'ended' : 'paused', at);

  const rule = await ruleOf(person.village_id, p.item.type);
  if (rule.action === 'none' && !rule.incidentType)
    return insertOrStored(q, { ...base, ...at, status: 'recorded' });
  // A duplicate inside the window joins the first signal's open task.
  if (rule.mergeHours > 0) {
    const first = await repo.openSignalOf(q, {
      personId: person.id,
      type: p.item.type,
      since: new Date(now.getTime() - rule.mergeHours * 3600000),
    });
    if (first)
      return insertOrStored(q, {
        ...base,
        ...at,
        status: 'merged',
        mergedInto: first.id,
        taskId: first.task_id,
        deadlineAt: first.deadline_at,
      });
  }
  const row = await insertOrStored(q, { ...base, ...at, status: 'recorded' });
  if (row.status !== 'recorded' || row.task_id != null) return row;
  const label = SIGNAL_TYPE_LABELS[p.item.type];
  let taskId: number | null = null;
  let deadlineAt: Date | null = null;
  if (rule.action === 'verify' || rule.action === 'follow_up') {
    const task = await createFollowUpTask(q, {
      personId: person.id,
      now,
      severity: 'normal',
      hours: rule.hours,
      reason:
        rule.action === 'follow_up'
          ? `出院跟进探访（预警 #${row.id}）`
          : `核查任务：${label}（预警 #${row.id}）${p.item.description ? `：${p.item.description}` : ''}`.slice(
              0,
              200,
            ),
      sourceEntity: 'signal',
      sourceId: row.id,
    });
    if (task) {
      taskId = task.id;
      deadlineAt = task.window_end;
      if (task.visitor_id)
        await notify(q, {
          recipients: [task.visitor_id],
          kind: 'signal.task',
          title: `${rule.action === 'follow_up' ? '出院跟进' : '预警核查'}：${person.name}`,
          body: `${label}，请在 ${chinaDate(task.window_end)} 前完成探访核查。${p.item.description ?? ''}`,
          ref: { entity: 'visit_task', id: task.id },
          dedupeKey: `signal:${row.id}:task`,
          now,
        });
    }
  }
  let incidentId: number | null = null;
  if (rule.incidentType) {
    incidentId = await openIncident(ctx, q, {
      person: {
        id: person.id,
        name: person.name,
        town_id: person.town_id,
        village_id: person.village_id,
        status: person.status,
        version: 0,
      },
      type: rule.incidentType,
      description: `预警信息 #${row.id}（${label}，来源：${base.source}）${p.item.description ? `：${p.item.description}` : ''}`,
      source: 'manual',
      visitId: null,
      actorId: null,
      occurredAt: base.occurredAt,
      now,
    });
  }
  const status: SignalStatus = taskId != null || incidentId != null ? 'opened' : 'recorded';
  await repo.setOutcome(q, { id: row.id, status, taskId, incidentId, campaignId: null, deadlineAt });
  return { ...row, status, task_id: taskId, incident_id: incidentId, deadline_at: deadlineAt };
}

async function storeWeather(
  q: Queryable,
  a: repo.AccountRow,
  p: Extract<Prepared, { kind: 'weather' }>,
  now: Date,
  ruleOf: RuleOf,
): Promise<repo.StoredOutcome> {
  const s = p.item;
  const base = { ...baseSignal(a, s, now), areaId: p.root.id, areaIds: p.areas.map((x) => x.id) };
  const first = await repo.signalOfWarning(q, s.warningId!);
  if (first)
    return insertOrStored(q, {
      ...base,
      status: 'merged',
      mergedInto: first.id,
      campaignId: first.campaign_id,
      deadlineAt: first.deadline_at,
    });
  const rule = await ruleOf(p.root.id, 'weather_warning');
  if (rule.action !== 'campaign') return insertOrStored(q, { ...base, status: 'recorded' });
  const row = await insertOrStored(q, base);
  if (row.status !== 'recorded' || row.campaign_id != null) return row;
  const today = chinaDate(now);
  const fallback = chinaDate(new Date(now.getTime() + rule.hours * 3600000));
  let deadline = s.deadline ?? fallback;
  if (deadline < today) deadline = today;
  if (deadline > addDays(today, 92)) deadline = addDays(today, 92);
  const kind = s.weatherKind as WeatherKind;
  const names = p.areas.map((x) => x.name).join('、');
  const selection = {
    ...(rule.selection ?? {}),
    ...(p.areas.length === 1 && p.areas[0].id === p.root.id ? {} : { areaIds: p.areas.map((x) => x.id) }),
  };
  const c = await openCampaignIn(q, {
    name: `${WEATHER_KIND_LABELS[kind]}预警专项探访（${names}）`.slice(0, 100),
    kind,
    areaId: p.root.id,
    areaPath: p.root.path,
    deadline,
    selection,
    checks: WEATHER_CHECKS[kind],
    note: `预警信息 #${row.id}，预警编号 ${s.warningId}${s.description ? `：${s.description}` : ''}`.slice(
      0,
      500,
    ),
    userId: null,
    now,
    auditDetail: { signalId: row.id, serviceAccount: a.id },
  });
  const deadlineAt = chinaDayStart(addDays(deadline, 1));
  const status: SignalStatus = c.tasks > 0 ? 'opened' : 'unmatched';
  const reason: UnmatchedReason | null = c.tasks > 0 ? null : 'no_person';
  await repo.setOutcome(q, {
    id: row.id,
    status,
    reason,
    taskId: null,
    incidentId: null,
    campaignId: c.id,
    deadlineAt,
  });
  return { ...row, status, reason, campaign_id: c.id, deadline_at: deadlineAt };
}

// ---- reading ----------------------------------------------------------------------------------------

export async function listSignals(
  ctx: Ctx,
  actor: Actor,
  f: {
    type?: SignalType;
    status?: SignalStatus;
    review?: boolean;
    areaId?: number;
    cursor?: number;
    limit: number;
  },
) {
  let areaPath: string | undefined;
  if (f.areaId) {
    const area = await repo.areaBrief(ctx.db, f.areaId);
    if (!area || !inScope(actor.scope, f.areaId)) throw notFound('辖区');
    areaPath = area.path;
  }
  const rows = await repo.listSignals(ctx.db, actor.scope, { ...f, areaPath });
  const more = rows.length > f.limit;
  const items = rows.slice(0, f.limit);
  return { items, nextCursor: more ? Number(items[items.length - 1].id) : null };
}

export async function reviewSignal(ctx: Ctx, actor: Actor, id: number, b: { note: string; version: number }) {
  const now = ctx.clock.now();
  return ctx.db.tx(async (q) => {
    const s = await repo.getSignal(q, id, actor.scope);
    if (!s) throw notFound('预警信息');
    if (s.status !== 'unmatched') throw conflict('只有未匹配的预警需要人工核对', 'id');
    if (s.reviewed_at) throw conflict('该预警已核对', 'id');
    if (!(await repo.markReviewed(q, { id, version: b.version, userId: actor.userId, note: b.note, now })))
      throw conflict('记录已被他人修改，请刷新后重试', 'version');
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'signal.review',
      entity: 'signal',
      entityId: id,
      areaId: s.area_id,
      detail: { note: b.note },
    });
    return (await repo.getSignal(q, id))!;
  });
}

export async function signalFigures(
  ctx: Ctx,
  actor: Actor,
  f: { from?: string; to?: string; areaId?: number },
) {
  const now = ctx.clock.now();
  const to = f.to ?? chinaDate(now);
  const from = f.from ?? addDays(to, -29);
  if (from > to) throw badRequest('开始日期不能晚于结束日期', 'from');
  let areaPath: string | undefined;
  if (f.areaId) {
    const area = await repo.areaBrief(ctx.db, f.areaId);
    if (!area || !inScope(actor.scope, f.areaId)) throw notFound('辖区');
    areaPath = area.path;
  }
  const r = await repo.signalFigures(ctx.db, actor.scope as Scope, {
    from: chinaDayStart(from),
    to: chinaDayStart(addDays(to, 1)),
    now,
    areaPath,
  });
  return {
    from,
    to,
    byType: r.byType,
    total: r.byType.reduce((n, x) => n + x.count, 0),
    awaitingReview: r.awaiting,
    verifiedInTime: { counted: r.counted, base: r.base, value: r.base ? r.counted / r.base : null },
  };
}

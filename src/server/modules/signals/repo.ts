import type { Season } from '../../../shared/checklist.js';
import type { SignalStatus, SignalType, UnmatchedReason } from '../../../shared/signals.js';
import type { Encrypted } from '../../crypto/field-cipher.js';
import type { Queryable } from '../../db/db.js';
import { sql } from '../../db/sql.js';
import { areaCondition, type Scope } from '../../http/scope.js';

// ---- service accounts ----------------------------------------------------------------------------

export interface AccountRow {
  id: number;
  name: string;
  area_id: number;
  area_name: string;
  area_path: string;
  permissions: string[];
  token_hint: string;
  secret_enc: Encrypted;
  expires_at: Date;
  revoked_at: Date | null;
  revoke_reason: string | null;
  last_used_at: Date | null;
  created_at: Date;
  created_by_name: string | null;
}

const ACCOUNT_SELECT = `select s.id, s.name, s.area_id, a.name as area_name, a.path as area_path, s.permissions,
    s.token_hint, s.secret_enc, s.expires_at, s.revoked_at, s.revoke_reason, s.last_used_at, s.created_at,
    u.display_name as created_by_name
  from service_accounts s join areas a on a.id = s.area_id left join users u on u.id = s.created_by`;

export async function insertAccount(
  q: Queryable,
  a: {
    name: string;
    areaId: number;
    permissions: string[];
    tokenHash: string;
    tokenHint: string;
    secretEnc: Encrypted;
    expiresAt: Date;
    userId: number;
    now: Date;
  },
): Promise<number> {
  const [r] = await q.query<{ id: number }>(
    sql(`insert into service_accounts (name, area_id, permissions, token_hash, token_hint, secret_enc, expires_at,
        created_by, created_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning id`),
    [a.name, a.areaId, a.permissions, a.tokenHash, a.tokenHint, a.secretEnc, a.expiresAt, a.userId, a.now],
  );
  return r.id;
}

export async function getAccount(q: Queryable, id: number, scope?: Scope): Promise<AccountRow | undefined> {
  const params: unknown[] = [id];
  const cond = scope ? areaCondition(scope, 's.area_id', params) : 'true';
  return (await q.query<AccountRow>(sql(`${ACCOUNT_SELECT} where s.id = $1 and ${cond}`), params))[0];
}

export async function accountByTokenHash(q: Queryable, hash: string): Promise<AccountRow | undefined> {
  return (await q.query<AccountRow>(sql(`${ACCOUNT_SELECT} where s.token_hash = $1`), [hash]))[0];
}

export async function listAccounts(q: Queryable, scope: Scope): Promise<AccountRow[]> {
  const params: unknown[] = [];
  const cond = areaCondition(scope, 's.area_id', params);
  return q.query<AccountRow>(sql(`${ACCOUNT_SELECT} where ${cond} order by s.id desc limit 500`), params);
}

export async function revokeAccount(
  q: Queryable,
  o: { id: number; userId: number; reason: string; now: Date },
): Promise<boolean> {
  const rows = await q.query(
    sql(`update service_accounts set revoked_at = $2, revoked_by = $3, revoke_reason = $4
      where id = $1 and revoked_at is null returning id`),
    [o.id, o.now, o.userId, o.reason],
  );
  return rows.length > 0;
}

/** Records the account's last use, at most once a minute (a burst writes the row once). */
export async function touchAccount(q: Queryable, id: number, now: Date): Promise<void> {
  await q.query(
    sql(`update service_accounts set last_used_at = $2
      where id = $1 and (last_used_at is null or last_used_at < $2::timestamptz - interval '1 minute')`),
    [id, now],
  );
}

// ---- areas and persons ------------------------------------------------------------------------

export interface AreaBrief {
  id: number;
  code: string;
  name: string;
  path: string;
  level: string;
}
export async function areasByCodeOrId(q: Queryable, codes: string[]): Promise<AreaBrief[]> {
  const ids = codes.filter((c) => c.length <= 9).map(Number);
  return q.query<AreaBrief>(
    sql(`select id, code, name, path, level from areas
      where retired_at is null and (code = any($1::text[]) or id = any($2::int[]))`),
    [codes, ids],
  );
}
export async function areaBrief(q: Queryable, id: number): Promise<AreaBrief | undefined> {
  return (
    await q.query<AreaBrief>(sql('select id, code, name, path, level from areas where id = $1'), [id])
  )[0];
}

export interface MatchedPerson {
  id: number;
  name: string;
  status: 'active' | 'paused' | 'ended';
  town_id: number;
  village_id: number;
  village_path: string;
  visitor_id: number | null;
}
/** The person of an ID number's blind index: the live file, else the latest ended one. */
export async function personByIdHash(q: Queryable, hash: string): Promise<MatchedPerson | undefined> {
  const [row] = await q.query<MatchedPerson>(
    sql(`select p.id, p.name, p.status, p.town_id, p.village_id, v.path as village_path, p.visitor_id
       from persons p join areas v on v.id = p.village_id
      where p.id_number_hash = $1
      order by (p.status = 'ended'), p.id desc limit 1`),
    [hash],
  );
  return row;
}

// ---- signals ----------------------------------------------------------------------------------

export interface StoredOutcome {
  id: number;
  key: string;
  status: SignalStatus;
  reason: UnmatchedReason | null;
  person_id: number | null;
  task_id: number | null;
  incident_id: number | null;
  campaign_id: number | null;
  merged_into: number | null;
  deadline_at: Date | null;
}
const OUTCOME_COLS =
  'id, key, status, reason, person_id, task_id, incident_id, campaign_id, merged_into, deadline_at';

/** Stored outcomes of these keys of an account (a resent signal answers from here). */
export async function outcomesOfKeys(
  q: Queryable,
  accountId: number,
  keys: string[],
): Promise<StoredOutcome[]> {
  return q.query<StoredOutcome>(
    sql(`select ${OUTCOME_COLS} from signals where account_id = $1 and key = any($2::text[])`),
    [accountId, keys],
  );
}

export interface NewSignal {
  accountId: number;
  key: string;
  type: SignalType;
  subtype: string | null;
  source: string;
  occurredAt: Date;
  receivedAt: Date;
  idHash: string | null;
  idMasked: string | null;
  personId: number | null;
  areaId: number;
  areaIds: number[] | null;
  warningId: string | null;
  description: string;
  details: Record<string, unknown>;
  status: SignalStatus;
  reason: UnmatchedReason | null;
  taskId: number | null;
  incidentId: number | null;
  campaignId: number | null;
  mergedInto: number | null;
  deadlineAt: Date | null;
}

/** Inserts a signal; null when the account already stored this key (a concurrent resend). */
export async function insertSignal(q: Queryable, s: NewSignal): Promise<StoredOutcome | null> {
  const [row] = await q.query<StoredOutcome>(
    sql(`insert into signals (account_id, key, type, subtype, source, occurred_at, received_at, id_hash, id_masked,
        person_id, area_id, area_ids, warning_id, description, details, status, reason, task_id, incident_id,
        campaign_id, merged_into, deadline_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)
     on conflict (account_id, key) do nothing
     returning ${OUTCOME_COLS}`),
    [
      s.accountId,
      s.key,
      s.type,
      s.subtype,
      s.source,
      s.occurredAt,
      s.receivedAt,
      s.idHash,
      s.idMasked,
      s.personId,
      s.areaId,
      s.areaIds,
      s.warningId,
      s.description,
      JSON.stringify(s.details),
      s.status,
      s.reason,
      s.taskId,
      s.incidentId,
      s.campaignId,
      s.mergedInto,
      s.deadlineAt,
    ],
  );
  return row ?? null;
}

/**
 * Serialises the work on one subject (a person and type, a warning) until the transaction ends, so
 * two requests at once cannot both open a task for the same person. The key's text is hashed by
 * PostgreSQL into the lock's number.
 */
export async function lockSubject(q: Queryable, key: string): Promise<void> {
  await q.query(sql(`select pg_advisory_xact_lock(hashtextextended($1, 30))`), [key]);
}

/** The first signal of this person and type since `since` whose task is still open (a duplicate joins it). */
export async function openSignalOf(
  q: Queryable,
  o: { personId: number; type: SignalType; since: Date },
): Promise<
  { id: number; task_id: number | null; incident_id: number | null; deadline_at: Date | null } | undefined
> {
  const [row] = await q.query(
    sql(`select s.id, s.task_id, s.incident_id, s.deadline_at
       from signals s join visit_tasks t on t.id = s.task_id
      where s.person_id = $1 and s.type = $2 and s.received_at >= $3 and s.status = 'opened'
        and t.status = 'open'
      order by s.received_at, s.id limit 1`),
    [o.personId, o.type, o.since],
  );
  return row;
}

/** The round a warning already opened (once per warning, whoever sent it). */
export async function signalOfWarning(
  q: Queryable,
  warningId: string,
): Promise<{ id: number; campaign_id: number; deadline_at: Date | null } | undefined> {
  const [row] = await q.query(
    sql(`select id, campaign_id, deadline_at from signals
      where type = 'weather_warning' and warning_id = $1 and campaign_id is not null and merged_into is null`),
    [warningId],
  );
  return row;
}

/** What a stored signal opened (set once, in the transaction that stored it). */
export async function setOutcome(
  q: Queryable,
  o: {
    id: number;
    status: SignalStatus;
    reason?: UnmatchedReason | null;
    taskId: number | null;
    incidentId: number | null;
    campaignId: number | null;
    deadlineAt: Date | null;
  },
): Promise<void> {
  await q.query(
    sql(`update signals set status = $2, reason = $3, task_id = $4, incident_id = $5, campaign_id = $6, deadline_at = $7
      where id = $1`),
    [o.id, o.status, o.reason ?? null, o.taskId, o.incidentId, o.campaignId, o.deadlineAt],
  );
}

export interface SignalRow {
  id: number;
  key: string;
  type: SignalType;
  subtype: string | null;
  source: string;
  account_id: number;
  account_name: string;
  occurred_at: Date;
  received_at: Date;
  id_masked: string | null;
  person_id: number | null;
  person_name: string | null;
  area_id: number;
  area_name: string;
  status: SignalStatus;
  reason: UnmatchedReason | null;
  description: string;
  details: Record<string, unknown>;
  task_id: number | null;
  task_status: string | null;
  task_due: string | null;
  task_end: Date | null;
  task_visitor: string | null;
  task_done_at: Date | null;
  incident_id: number | null;
  campaign_id: number | null;
  campaign_name: string | null;
  campaign_tasks: number | null;
  campaign_checks: Season[] | null;
  merged_into: number | null;
  deadline_at: Date | null;
  reviewed_at: Date | null;
  reviewed_by_name: string | null;
  review_note: string | null;
  version: number;
}

const SIGNAL_SELECT = `select s.id, s.key, s.type, s.subtype, s.source, s.account_id, sa.name as account_name,
    s.occurred_at, s.received_at, s.id_masked, s.person_id, p.name as person_name, s.area_id, a.name as area_name,
    s.status, s.reason, s.description, s.details, s.task_id, t.status as task_status, t.due_date::text as task_due,
    t.window_end as task_end, vu.display_name as task_visitor, case when t.status = 'done' then t.status_at end as task_done_at,
    s.incident_id, s.campaign_id, c.name as campaign_name, c.task_count as campaign_tasks, c.checks as campaign_checks, s.merged_into,
    s.deadline_at, s.reviewed_at, ru.display_name as reviewed_by_name, s.review_note, s.version
  from signals s
  join service_accounts sa on sa.id = s.account_id
  join areas a on a.id = s.area_id
  left join persons p on p.id = s.person_id
  left join visit_tasks t on t.id = s.task_id
  left join users vu on vu.id = t.visitor_id
  left join visit_campaigns c on c.id = s.campaign_id
  left join users ru on ru.id = s.reviewed_by`;

/** Area condition of a signal: its area or any area in the scope (a town officer sees the town's villages). */
function signalScope(scope: Scope, params: unknown[]): string {
  return areaCondition(scope, 's.area_id', params);
}

export async function listSignals(
  q: Queryable,
  scope: Scope,
  f: {
    type?: SignalType;
    status?: SignalStatus;
    review?: boolean;
    areaPath?: string;
    cursor?: number;
    limit: number;
  },
): Promise<SignalRow[]> {
  const params: unknown[] = [];
  const where = [signalScope(scope, params)];
  if (f.type) {
    params.push(f.type);
    where.push(`s.type = $${params.length}`);
  }
  if (f.status) {
    params.push(f.status);
    where.push(`s.status = $${params.length}`);
  }
  if (f.review) where.push(`s.status = 'unmatched' and s.reviewed_at is null`);
  if (f.areaPath) {
    params.push(f.areaPath);
    where.push(`a.path like $${params.length} || '%'`);
  }
  if (f.cursor) {
    params.push(f.cursor);
    where.push(`s.id < $${params.length}`);
  }
  params.push(f.limit + 1);
  return q.query<SignalRow>(
    sql(`${SIGNAL_SELECT} where ${where.join(' and ')} order by s.id desc limit $${params.length}`),
    params,
  );
}

export async function getSignal(q: Queryable, id: number, scope?: Scope): Promise<SignalRow | undefined> {
  const params: unknown[] = [id];
  const cond = scope ? signalScope(scope, params) : 'true';
  return (await q.query<SignalRow>(sql(`${SIGNAL_SELECT} where s.id = $1 and ${cond}`), params))[0];
}

export async function markReviewed(
  q: Queryable,
  o: { id: number; version: number; userId: number; note: string; now: Date },
): Promise<boolean> {
  const rows = await q.query(
    sql(`update signals set reviewed_at = $3, reviewed_by = $4, review_note = $5, version = version + 1
      where id = $1 and version = $2 returning id`),
    [o.id, o.version, o.now, o.userId, o.note],
  );
  return rows.length > 0;
}

/**
 * The figures of `shared/metrics.ts` SIGNAL_FIGURES in one statement: signals by type (and how many
 * unmatched) received in [from, to), the review backlog, and of the tasks signals opened whose
 * deadline passed or that are done, those done by the deadline.
 */
export async function signalFigures(
  q: Queryable,
  scope: Scope,
  o: { from: Date; to: Date; now: Date; areaPath?: string },
): Promise<{
  byType: { type: SignalType; count: number; unmatched: number }[];
  awaiting: number;
  base: number;
  counted: number;
}> {
  const params: unknown[] = [o.from, o.to, o.now];
  const where = [signalScope(scope, params)];
  if (o.areaPath) {
    params.push(o.areaPath);
    where.push(`a.path like $${params.length} || '%'`);
  }
  const cond = where.join(' and ');
  const [r] = await q.query<{
    by_type: { type: SignalType; count: number; unmatched: number }[] | null;
    awaiting: number;
    base: number;
    counted: number;
  }>(
    sql(`with x as (
        select s.* from signals s join areas a on a.id = s.area_id
         where ${cond} and s.received_at >= $1 and s.received_at < $2
      )
      select
        (select json_agg(json_build_object('type', type, 'count', n, 'unmatched', u) order by type)
           from (select type, count(*)::int as n, count(*) filter (where status = 'unmatched')::int as u
                   from x group by type) g) as by_type,
        (select count(*)::int from signals s join areas a on a.id = s.area_id
          where ${cond} and s.status = 'unmatched' and s.reviewed_at is null) as awaiting,
        count(*) filter (where t.status = 'done' or t.window_end <= $3)::int as base,
        count(*) filter (where t.status = 'done' and t.status_at <= t.window_end)::int as counted
      from x join visit_tasks t on t.id = x.task_id
      where x.status = 'opened' and t.status <> 'cancelled'`),
    params,
  );
  return { byType: r.by_type ?? [], awaiting: r.awaiting, base: r.base, counted: r.counted };
}

// ---- files a machine sent -----------------------------------------------------------------------

export interface FileReceiptRow {
  id: number;
  filename: string | null;
  bytes: number;
  received_at: Date;
  result: unknown;
}

/** The receipt of a file an account sent before (same content), if any. */
export async function fileReceipt(
  q: Queryable,
  accountId: number,
  sha256: string,
): Promise<FileReceiptRow | undefined> {
  const [r] = await q.query<FileReceiptRow>(
    sql(
      `select id, filename, bytes, received_at, result from signal_files where account_id = $1 and sha256 = $2`,
    ),
    [accountId, sha256],
  );
  return r;
}

/**
 * Keeps the answer given to a file; when the same file of the same account was kept meanwhile (two
 * sends at once), that one stays and is returned.
 */
export async function keepFileReceipt(
  q: Queryable,
  f: { accountId: number; sha256: string; filename: string | null; bytes: number; at: Date; result: unknown },
): Promise<FileReceiptRow> {
  await q.query(
    sql(`insert into signal_files (account_id, sha256, filename, bytes, received_at, result)
     values ($1, $2, $3, $4, $5, $6) on conflict (account_id, sha256) do nothing`),
    [f.accountId, f.sha256, f.filename, f.bytes, f.at, JSON.stringify(f.result)],
  );
  return (await fileReceipt(q, f.accountId, f.sha256))!;
}

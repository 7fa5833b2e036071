import type { Channel } from '../../../shared/notifications.js';
import type { Department, Role } from '../../../shared/roles.js';
import type { Queryable } from '../../db/db.js';
import { sql } from '../../db/sql.js';
import { pathWithin } from '../../http/scope.js';

export interface InboxRow {
  id: number;
  kind: string;
  title: string;
  body: string;
  ref_entity: string | null;
  ref_id: string | null;
  created_at: Date;
  read_at: Date | null;
}

export interface OutboxRow {
  id: number;
  user_id: number;
  channel: Channel;
  dedupe_key: string;
  address: string | null;
  payload: OutboxPayload;
  status: 'queued' | 'sending' | 'sent' | 'failed';
  attempts: number;
  next_attempt_at: Date;
  last_error: string | null;
  sent_at: Date | null;
  created_at: Date;
}

/** What a channel sends: a snapshot taken when the event happened. */
export interface OutboxPayload {
  kind: string;
  title: string;
  body: string;
  ref: { entity: string; id: string } | null;
  recipient: { userId: number; username: string; displayName: string };
  at: string;
}

/**
 * Users (not disabled) holding `role` on the area itself or on one of its ancestors, i.e. whose grant
 * covers that area; for liaisons optionally only one department.
 */
export async function usersCoveringArea(
  q: Queryable,
  sel: { role: Role; areaId: number; department?: Department },
): Promise<number[]> {
  const params: unknown[] = [sel.role, sel.areaId];
  let dep = '';
  if (sel.department) {
    params.push(sel.department);
    dep = `and r.department = $${params.length}`;
  }
  const rows = await q.query<{ id: number }>(
    sql(`select distinct u.id
       from areas target
       join areas g on ${pathWithin('target.path', 'g.path')}
       join user_roles r on r.area_id = g.id and r.role = $1 ${dep}
       join users u on u.id = r.user_id and u.disabled_at is null
      where target.id = $2
      order by u.id`),
    params,
  );
  return rows.map((r) => r.id);
}

export async function recipientsInfo(
  q: Queryable,
  ids: number[],
): Promise<
  {
    id: number;
    username: string;
    display_name: string;
    notify_email: string | null;
    notify_phone: string | null;
  }[]
> {
  if (ids.length === 0) return [];
  return q.query(
    sql(`select id, username, display_name, notify_email, notify_phone from users
      where id = any($1::int[]) and disabled_at is null order by id`),
    [ids],
  );
}

/** Inbox rows for the recipients; returns the ids of those newly inserted (dedupe skips the rest). */
export async function insertInbox(
  q: Queryable,
  n: {
    userIds: number[];
    kind: string;
    title: string;
    body: string;
    refEntity: string | null;
    refId: string | null;
    dedupeKey: string;
    now: Date;
  },
): Promise<{ id: number; user_id: number }[]> {
  if (n.userIds.length === 0) return [];
  return q.query(
    sql(`insert into notifications (user_id, kind, title, body, ref_entity, ref_id, dedupe_key, created_at)
     select u, $2, $3, $4, $5, $6, $7, $8 from unnest($1::int[]) as u
     on conflict (dedupe_key, user_id) do nothing
     returning id, user_id`),
    [n.userIds, n.kind, n.title, n.body, n.refEntity, n.refId, n.dedupeKey, n.now],
  );
}

export async function enqueue(
  q: Queryable,
  rows: {
    notificationId: number | null;
    userId: number;
    channel: Channel;
    dedupeKey: string;
    address: string | null;
    payload: OutboxPayload;
  }[],
  now: Date,
): Promise<number> {
  let n = 0;
  for (const r of rows) {
    const res = await q.query(
      sql(`insert into notification_outbox (notification_id, user_id, channel, dedupe_key, address, payload, next_attempt_at, created_at)
       values ($1, $2, $3, $4, $5, $6, $7, $7)
       on conflict do nothing returning id`),
      [r.notificationId, r.userId, r.channel, r.dedupeKey, r.address, JSON.stringify(r.payload), now],
    );
    n += res.length;
  }
  return n;
}

export async function listInbox(
  q: Queryable,
  userId: number,
  o: { unreadOnly: boolean; cursor?: number; limit: number },
): Promise<InboxRow[]> {
  const params: unknown[] = [userId, o.limit];
  let where = 'user_id = $1';
  if (o.unreadOnly) where += ' and read_at is null';
  if (o.cursor) {
    params.push(o.cursor);
    where += ` and id < $${params.length}`;
  }
  return q.query(
    sql(`select id, kind, title, body, ref_entity, ref_id, created_at, read_at
       from notifications where ${where} order by id desc limit $2`),
    params,
  );
}

export async function unreadCount(q: Queryable, userId: number): Promise<number> {
  const [r] = await q.query<{ n: number }>(
    sql('select count(*)::int as n from notifications where user_id = $1 and read_at is null'),
    [userId],
  );
  return r.n;
}

/** Marks one of the user's own notifications read; false when it is not theirs or does not exist. */
export async function markRead(q: Queryable, userId: number, id: number, now: Date): Promise<boolean> {
  const rows = await q.query(
    sql(
      `update notifications set read_at = coalesce(read_at, $3) where id = $1 and user_id = $2 returning id`,
    ),
    [id, userId, now],
  );
  return rows.length > 0;
}

export async function markAllRead(q: Queryable, userId: number, now: Date): Promise<number> {
  const rows = await q.query(
    sql('update notifications set read_at = $2 where user_id = $1 and read_at is null returning id'),
    [userId, now],
  );
  return rows.length;
}

export async function setNotifyEmail(q: Queryable, userId: number, email: string | null) {
  await q.query(sql('update users set notify_email = $2 where id = $1'), [userId, email]);
}

export async function setNotifyPhone(q: Queryable, userId: number, phone: string | null) {
  await q.query(sql('update users set notify_phone = $2 where id = $1'), [userId, phone]);
}

export async function getNotifyEmail(q: Queryable, userId: number): Promise<string | null> {
  return (await getNotifyAddresses(q, userId)).email;
}

export async function getNotifyAddresses(
  q: Queryable,
  userId: number,
): Promise<{ email: string | null; phone: string | null }> {
  const [r] = await q.query<{ notify_email: string | null; notify_phone: string | null }>(
    sql('select notify_email, notify_phone from users where id = $1'),
    [userId],
  );
  return { email: r?.notify_email ?? null, phone: r?.notify_phone ?? null };
}

/**
 * Claims up to `limit` due rows for one sender: queued rows whose next attempt has come, and
 * 'sending' rows whose lease ran out (their sender died). SKIP LOCKED lets two processes claim at
 * once without taking the same row; the lease keeps a claimed row from a second sender meanwhile.
 */
export async function claimDue(
  q: Queryable,
  now: Date,
  leaseUntil: Date,
  limit: number,
): Promise<OutboxRow[]> {
  return q.query(
    sql(`update notification_outbox o
        set status = 'sending', lease_until = $2, attempts = o.attempts + 1
      where o.id in (
        select id from notification_outbox
         where (status = 'queued' and next_attempt_at <= $1) or (status = 'sending' and lease_until <= $1)
         order by next_attempt_at, id
         limit $3
         for update skip locked)
      returning o.id, o.user_id, o.channel, o.dedupe_key, o.address, o.payload, o.status, o.attempts,
                o.next_attempt_at, o.last_error, o.sent_at, o.created_at`),
    [now, leaseUntil, limit],
  );
}

export async function markSent(q: Queryable, id: number, now: Date) {
  await q.query(
    sql(`update notification_outbox set status = 'sent', sent_at = $2, lease_until = null, last_error = null
      where id = $1 and status = 'sending'`),
    [id, now],
  );
}

export async function markAttemptFailed(
  q: Queryable,
  id: number,
  o: { error: string; nextAttemptAt: Date | null },
) {
  await q.query(
    sql(`update notification_outbox
        set status = case when $3::timestamptz is null then 'failed' else 'queued' end,
            next_attempt_at = coalesce($3::timestamptz, next_attempt_at),
            lease_until = null, last_error = $2
      where id = $1 and status = 'sending'`),
    [id, o.error.slice(0, 1000), o.nextAttemptAt],
  );
}

export async function listOutbox(
  q: Queryable,
  o: { status?: string; cursor?: number; limit: number },
): Promise<(OutboxRow & { username: string })[]> {
  const params: unknown[] = [o.limit];
  const where: string[] = [];
  if (o.status) {
    params.push(o.status);
    where.push(`o.status = $${params.length}`);
  }
  if (o.cursor) {
    params.push(o.cursor);
    where.push(`o.id < $${params.length}`);
  }
  return q.query(
    sql(`select o.id, o.user_id, o.channel, o.dedupe_key, o.address, o.payload, o.status, o.attempts,
            o.next_attempt_at, o.last_error, o.sent_at, o.created_at, u.username
       from notification_outbox o join users u on u.id = o.user_id
      ${where.length ? `where ${where.join(' and ')}` : ''}
      order by o.id desc limit $1`),
    params,
  );
}

export async function outboxCounts(q: Queryable): Promise<Record<string, number>> {
  const rows = await q.query<{ status: string; n: number }>(
    sql('select status, count(*)::int as n from notification_outbox group by status'),
  );
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/** Puts a failed row back in the queue with a fresh attempt budget (the admin's "retry"). */
export async function requeue(q: Queryable, id: number, now: Date): Promise<boolean> {
  const rows = await q.query(
    sql(`update notification_outbox set status = 'queued', attempts = 0, next_attempt_at = $2, last_error = null
      where id = $1 and status = 'failed' returning id`),
    [id, now],
  );
  return rows.length > 0;
}

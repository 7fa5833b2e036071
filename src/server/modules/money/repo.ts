import type { PaymentKind } from '../../../shared/care.js';
import type { Queryable } from '../../db/db.js';
import { sql } from '../../db/sql.js';
import { personCondition, personInArea, type Scope } from '../../http/scope.js';

export interface GridPersonRow {
  id: number;
  name: string;
  id_number_masked: string;
  self_care: string;
  status: string;
  town_id: number;
  town_name: string;
  village_id: number;
  village_name: string;
  agreement_fee: number | null;
  payments: {
    kind: PaymentKind;
    amount_due: number;
    amount_paid: number;
    paid_on: string | null;
    version: number;
  }[];
}

/**
 * Persons under an area who were on support in the month (active, or paused/ended no earlier than the
 * month's first day, or with a payment row), with that month's payments and the care fee of an
 * agreement covering part of the month. One grouped query, no per-person round trips.
 */
export async function paymentGrid(
  q: Queryable,
  scope: Scope,
  f: { areaId: number; month: string; monthStart: string; monthEnd: string },
): Promise<GridPersonRow[]> {
  const params: unknown[] = [f.areaId, f.month, f.monthStart, f.monthEnd];
  const cond = personCondition(scope, 'p', params);
  return q.query<GridPersonRow>(
    sql(`select p.id, p.name, p.id_number_masked, p.self_care, p.status, p.town_id, t.name as town_name, p.village_id,
            v.name as village_name,
            (select ca.monthly_fee from care_agreements ca
              where ca.person_id = p.id and ca.start_date <= $4::date
                and case when ca.status = 'terminated' then ca.terminated_on - 1 else ca.end_date end >= $3::date
              order by ca.start_date desc limit 1) as agreement_fee,
            coalesce((select json_agg(json_build_object('kind', x.kind, 'amount_due', x.amount_due,
                                      'amount_paid', x.amount_paid, 'paid_on', x.paid_on, 'version', x.version))
                        from payments x where x.person_id = p.id and x.month = $2), '[]') as payments
       from persons p join areas t on t.id = p.town_id join areas v on v.id = p.village_id
      where ${personInArea('p', '$1')}
        and p.support_start <= $4::date
        and (p.status = 'active' or p.status_since >= $3::date
             or exists (select 1 from payments x where x.person_id = p.id and x.month = $2))
        and ${cond}
      order by v.code, p.id`),
    params,
  );
}

/** Upserts one payment row; returns whether it was new. */
export async function upsertPayment(
  q: Queryable,
  p: {
    personId: number;
    month: string;
    kind: PaymentKind;
    amountDue: number;
    amountPaid: number;
    paidOn: string | null;
    source: 'manual' | 'import' | 'demo';
    by: number | null;
    now: Date;
  },
): Promise<boolean> {
  const [row] = await q.query<{ inserted: boolean }>(
    sql(`insert into payments (person_id, month, kind, amount_due, amount_paid, paid_on, source, updated_by, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     on conflict (person_id, month, kind) do update set amount_due = excluded.amount_due,
        amount_paid = excluded.amount_paid, paid_on = excluded.paid_on, source = excluded.source,
        updated_by = excluded.updated_by, updated_at = excluded.updated_at, version = payments.version + 1
     returning (xmax = 0) as inserted`),
    [p.personId, p.month, p.kind, p.amountDue, p.amountPaid, p.paidOn, p.source, p.by, p.now],
  );
  return row.inserted;
}

/** Live persons by ID hash among `hashes`, with whether the actor may see them. */
export async function personsByIdHash(q: Queryable, scope: Scope, hashes: string[]) {
  const params: unknown[] = [hashes];
  const cond = personCondition(scope, 'p', params);
  return q.query<{
    id: number;
    name: string;
    id_number_hash: string;
    town_id: number;
    village_id: number;
    support_start: string;
    visible: boolean;
  }>(
    sql(`select p.id, p.name, p.id_number_hash, p.town_id, p.village_id, p.support_start, (${cond}) as visible
       from persons p where p.id_number_hash = any($1::text[]) and p.status <> 'ended'
     union all
     select p.id, p.name, p.id_number_hash, p.town_id, p.village_id, p.support_start, (${cond}) as visible
       from persons p where p.id_number_hash = any($1::text[]) and p.status = 'ended'
        and not exists (select 1 from persons l where l.id_number_hash = p.id_number_hash and l.status <> 'ended')`),
    params,
  );
}

/** Records that a money problem of a person and month was raised; false when it already was. */
export async function claimPaymentAlert(
  q: Queryable,
  a: { personId: number; month: string; reason: 'not_received' | 'nothing_paid'; now: Date },
): Promise<boolean> {
  const rows = await q.query(
    sql(`insert into payment_alerts (person_id, month, reason, raised_at) values ($1, $2, $3, $4)
     on conflict (person_id, month) do nothing returning person_id`),
    [a.personId, a.month, a.reason, a.now],
  );
  return rows.length === 1;
}

export async function setAlertConcern(q: Queryable, personId: number, month: string, ref: string) {
  await q.query(sql('update payment_alerts set concern_ref = $3 where person_id = $1 and month = $2'), [
    personId,
    month,
    ref,
  ]);
}

/**
 * Persons active through the whole month (support started before it, still active) with no amount
 * paid for it, and no alert raised yet — in towns that keep payment records for that month (some
 * person of the town has a payment row for it). A town that does not record payments in the system
 * has no evidence of a missing payment, so it is not alerted one concern per person.
 */
export async function unpaidPersons(q: Queryable, month: string, monthStart: string) {
  return q.query<{ id: number; name: string; town_id: number; village_id: number }>(
    sql(`select p.id, p.name, p.town_id, p.village_id from persons p
      where p.status = 'active' and p.support_start < $2::date
        and p.town_id in (select distinct t.town_id from payments y join persons t on t.id = y.person_id
                           where y.month = $1)
        and not exists (select 1 from payments x where x.person_id = p.id and x.month = $1 and x.amount_paid > 0)
        and not exists (select 1 from payment_alerts a where a.person_id = p.id and a.month = $1)
      order by p.id`),
    [month, monthStart],
  );
}

/** One person's payment rows from a month on, newest first (scope applied). */
export async function personPayments(q: Queryable, scope: Scope, personId: number, fromMonth: string) {
  const params: unknown[] = [personId, fromMonth];
  const cond = personCondition(scope, 'p', params);
  return q.query<{
    month: string;
    kind: PaymentKind;
    amount_due: number;
    amount_paid: number;
    paid_on: string | null;
  }>(
    sql(`select x.month, x.kind, x.amount_due, x.amount_paid, x.paid_on
       from payments x join persons p on p.id = x.person_id
      where x.person_id = $1 and x.month >= $2 and ${cond}
      order by x.month desc, x.kind`),
    params,
  );
}

/** (person, month, kind) of the payments recorded for these persons (a dry run counts updates by them). */
export function paymentKeysOf(q: Queryable, personIds: number[]) {
  return q.query<{ person_id: number; month: string; kind: string }>(
    sql('select person_id, month, kind from payments where person_id = any($1::int[])'),
    [personIds],
  );
}

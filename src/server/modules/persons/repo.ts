import type { Queryable } from '../../db/db.js';

export interface NewPersonRow {
  name: string;
  idNumberEnc: string;
  idNumberHash: string;
  idNumberMasked: string;
  birthDate: string;
  sex: 'male' | 'female';
  ethnicity?: string | null;
  phoneEnc?: string | null;
  phoneHash?: string | null;
  phoneMasked?: string | null;
  registeredAddress?: string | null;
  currentAddress?: string | null;
  townId: number;
  villageId: number;
  supportStart: string;
  selfCare: 'capable' | 'partial' | 'none';
  tier: 'general' | 'key';
  flags?: string[];
  benefitCard?: 'self' | 'custodian' | 'lost' | 'none';
  cardCustodian?: string | null;
  visitorId?: number | null;
  now: Date;
}

/** Inserts the person row only (callers add assessment, assignment, status and timeline rows). */
export async function insertPerson(q: Queryable, p: NewPersonRow): Promise<number> {
  const [row] = await q.query<{ id: number }>(
    `insert into persons (name, id_number_enc, id_number_hash, id_number_masked, birth_date, sex, ethnicity,
        phone_enc, phone_hash, phone_masked, registered_address, current_address, town_id, village_id,
        support_start, status_since, self_care, tier, flags, benefit_card, card_custodian, visitor_id, created_at, updated_at)
     values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$15,$16,$17,$18,$19,$20,$21,$22,$22)
     returning id`,
    [
      p.name,
      p.idNumberEnc,
      p.idNumberHash,
      p.idNumberMasked,
      p.birthDate,
      p.sex,
      p.ethnicity ?? null,
      p.phoneEnc ?? null,
      p.phoneHash ?? null,
      p.phoneMasked ?? null,
      p.registeredAddress ?? null,
      p.currentAddress ?? null,
      p.townId,
      p.villageId,
      p.supportStart,
      p.selfCare,
      p.tier,
      p.flags ?? [],
      p.benefitCard ?? 'self',
      p.cardCustodian ?? null,
      p.visitorId ?? null,
      p.now,
    ],
  );
  return row.id;
}

/** Appends one event to a person's timeline; every module calls this inside its own transaction. */
export async function insertPersonEvent(
  q: Queryable,
  e: {
    personId: number;
    at: Date;
    kind: string;
    title: string;
    detail?: Record<string, unknown>;
    actorId?: number | null;
    refEntity?: string;
    refId?: string | number;
  },
): Promise<void> {
  await q.query(
    `insert into person_events (person_id, at, kind, title, detail, actor_id, ref_entity, ref_id)
     values ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      e.personId,
      e.at,
      e.kind,
      e.title,
      JSON.stringify(e.detail ?? {}),
      e.actorId ?? null,
      e.refEntity ?? null,
      e.refId == null ? null : String(e.refId),
    ],
  );
}

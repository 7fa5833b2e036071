import {
  AUTHENTICITY_DEFAULTS,
  type AuthenticityInput,
  MAX_PER_DAY_CAP,
  type NeighbourVisit,
  TRAVEL_WINDOW_HOURS,
} from '../../../shared/authenticity.js';
import type { AssessQuery } from '../visits/index.js';

/**
 * What the rules need beyond the visit itself, as one SQL expression (a json object) that the visit
 * context read embeds in its one statement (modules/visits/repo.ts `visitContext`): no statement is
 * added to a visit's submission. Every part is an indexed probe, and a part the visit cannot use is
 * left out of the text (a visit without location reads no neighbours, without free text no copies):
 * - home: person_home_points by primary key (confirmed only);
 * - previous / next in-person visit of the visitor within TRAVEL_WINDOW_HOURS: visits_visitor_idx;
 * - the visitor's in-person visits that China day, read only up to one past the highest limit
 *   configured (a settings subquery; MAX_PER_DAY_CAP at most): visits_visitor_idx;
 * - visits with one of the photo hashes: visits_photo_hashes_idx (GIN, only visits with photos);
 * - the person's previous qualifying visit: visits_person_qualifying_idx;
 * - other persons of the visitor with the same answers fingerprint this month: visits_answers_hash_idx.
 */
export function authenticityInputsSql(params: unknown[], o: AssessQuery): string {
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  // A parameter must be used in the text (else its type is unknown): `at` only where a part reads it.
  let atParam: string | undefined;
  const at = () => {
    atParam ??= p(o.at);
    return atParam;
  };
  const parts = [
    `'home', (select json_build_object('latitude', h.latitude, 'longitude', h.longitude)
               from person_home_points h where h.person_id = ${o.personExpr} and h.confirmed)`,
  ];
  if (o.inPerson && o.hasLocation) {
    const hours = `interval '${TRAVEL_WINDOW_HOURS} hours'`;
    const neighbour = (cond: string, order: string) =>
      `(select json_build_object('visitId', n.id, 'at', n.at, 'latitude', n.latitude,
                                 'longitude', n.longitude, 'accuracy', n.location_accuracy)
          from visits n where n.visitor_id = ${o.visitorExpr()} and ${cond}
           and n.method = 'in_person' and n.latitude is not null
         order by n.at ${order} limit 1)`;
    parts.push(
      `'previous', ${neighbour(`n.at <= ${at()}::timestamptz and n.at > ${at()}::timestamptz - ${hours}`, 'desc')}`,
      `'next', ${neighbour(`n.at > ${at()}::timestamptz and n.at < ${at()}::timestamptz + ${hours}`, 'asc')}`,
    );
  }
  if (o.inPerson) {
    // Counted only as far as a rule can use: one past the highest limit configured anywhere (the
    // settings table is small; the contract keeps the limit a whole number under MAX_PER_DAY_CAP).
    // A visitor with 10,000 visits in a day reads 13 rows of them by default, not 50.
    // Areas without a row of their own use the default: the cap is never below it.
    const dflt = AUTHENTICITY_DEFAULTS['authenticity.maxPerDay'];
    const cap = `(select least(${MAX_PER_DAY_CAP}, greatest(${dflt}, coalesce(max(ceil((s.value #>> '{}')::numeric)::int),
          ${dflt})) + 1)
        from settings s where s.key = 'authenticity.maxPerDay' and jsonb_typeof(s.value) = 'number')`;
    parts.push(
      `'sameDay', (select count(*) from (select 1 from visits d where d.visitor_id = ${o.visitorExpr()}
          and d.at >= ${p(o.dayStart)} and d.at < ${p(o.dayEnd)} and d.method = 'in_person'
          limit ${cap}) d)`,
      `'sameDayCap', ${cap}`,
    );
  }
  if (o.photoHashes.length) {
    parts.push(`'reused', (select json_agg(r.id) from (select r.id from visits r
          where r.photo_hashes is not null and r.photo_hashes && ${p(o.photoHashes)}::text[]
          order by r.id limit 5) r)`);
  }
  if (o.answersHash) {
    const h = p(o.answersHash);
    parts.push(
      `'previousOfPerson', (select json_build_object('visitId', v.id, 'answersHash', v.answers_hash)
          from visits v where v.person_id = ${o.personExpr} and v.qualifying and v.at < ${at()}::timestamptz
         order by v.at desc limit 1)`,
      `'sameAnswers', (select count(distinct s.person_id) from visits s
          where s.visitor_id = ${o.visitorExpr()} and s.answers_hash is not null and s.answers_hash = ${h}
            and s.at >= ${p(o.monthStart)} and s.at < ${p(o.monthEnd)} and s.person_id <> ${o.personExpr})`,
    );
  }
  return `json_build_object(${parts.join(',\n')})`;
}

/** The json the expression gives (dates as text). */
export interface InputsJson {
  home: { latitude: number; longitude: number } | null;
  previous?: (Omit<NeighbourVisit, 'at'> & { at: string }) | null;
  next?: (Omit<NeighbourVisit, 'at'> & { at: string }) | null;
  sameDay?: number | null;
  sameDayCap?: number | null;
  reused?: number[] | null;
  previousOfPerson?: { visitId: number; answersHash: string | null } | null;
  sameAnswers?: number | null;
}

/** The rules' input from the visit and what the lookups found. */
export function inputsFrom(j: InputsJson | null, visit: Omit<AuthenticityInput, 'home'>): AuthenticityInput {
  // Object.assign, not spreads: a spread followed by properties cost ~11 µs here on every visit
  // (ARCHITECTURE.md, "Things that bite"; test/hot-paths.test.ts).
  const n = (x: InputsJson['previous']) =>
    x ? Object.assign({}, x, { visitId: Number(x.visitId), at: new Date(x.at) }) : null;
  return Object.assign({}, visit, {
    home: j?.home ?? null,
    previous: n(j?.previous),
    next: n(j?.next),
    sameDayInPerson: j?.sameDay == null ? undefined : Number(j.sameDay),
    sameDayCapped: j?.sameDay != null && j.sameDayCap != null && Number(j.sameDay) >= Number(j.sameDayCap),
    reusedPhotoVisitIds: (j?.reused ?? []).map(Number),
    previousOfPerson: j?.previousOfPerson
      ? { visitId: Number(j.previousOfPerson.visitId), answersHash: j.previousOfPerson.answersHash }
      : null,
    sameAnswersPersons: j?.sameAnswers == null ? 0 : Number(j.sameAnswers),
  });
}

import { createHash } from 'node:crypto';
import {
  type ChecklistAnswers,
  checklistVersion,
  formatAnswer,
  isBadAnswer,
  REQUEST_CATEGORY_LABELS,
  type RequestCategory,
} from '../../../shared/checklist.js';
import { chinaDate } from '../../../shared/china-time.js';
import { ageOn } from '../../../shared/person.js';
import { can } from '../../../shared/roles.js';
import { DEFAULT_SEASONS, type SeasonRange } from '../../../shared/schedule.js';
import type { Ctx } from '../../context.js';
import { forbidden } from '../../http/errors.js';
import type { Actor } from '../../http/scope.js';
import { appendAudit } from '../audit/index.js';
import * as repo from './repo.js';

export const RECENT_VISITS = 30;

/** What the visitor app keeps on the phone for offline work (see routes.ts for the shape). */
export async function buildBundle(ctx: Ctx, actor: Actor, ifNoneMatch?: string) {
  if (!can(actor.roles, 'visits.record') || !can(actor.roles, 'persons.read')) throw forbidden();
  const now = ctx.clock.now();
  const today = chinaDate(now);
  return ctx.db.tx(async (q) => {
    const persons = await repo.listOwnPersons(q, actor.scope);
    const ids = persons.map((p) => p.id);
    const [tasks, lastVisits, concerns, caregivers, recent, seasonRows] = await Promise.all([
      repo.listTasksOf(q, ids, now),
      repo.lastVisitsOf(q, ids),
      repo.openConcernsOf(q, ids),
      repo.caregiversOf(q, ids),
      repo.recentVisitsBy(q, actor.userId, RECENT_VISITS),
      repo.seasonSettings(q),
    ]);
    const lastBy = new Map(lastVisits.map((v) => [v.person_id, v]));
    const careBy = new Map(caregivers.map((c) => [c.person_id, c]));
    const concernsBy = new Map<number, repo.ConcernRow[]>();
    for (const c of concerns) concernsBy.set(c.person_id, [...(concernsBy.get(c.person_id) ?? []), c]);
    const seasonsFor = seasonResolver(seasonRows);
    const body = {
      user: { id: actor.userId, displayName: actor.displayName },
      today,
      persons: persons.map((p) => {
        const last = lastBy.get(p.id);
        const care = careBy.get(p.id);
        const age = ageOn(p.birth_date, today);
        return {
          id: p.id,
          name: p.name,
          sex: p.sex,
          age,
          phone: p.phone_enc ? ctx.fields.decrypt(p.phone_enc) : null,
          address: p.current_address ?? p.registered_address ?? '',
          villageId: p.village_id,
          villageName: p.village_name,
          status: p.status,
          selfCare: p.self_care,
          tier: p.tier,
          flags: age >= 80 ? ['aged_80', ...p.flags] : p.flags,
          flagNote: p.flag_note,
          benefitCard: p.benefit_card,
          cardCustodian: p.card_custodian,
          backup: p.backup,
          seasons: seasonsFor(p.village_path),
          caregiver: care
            ? {
                name: care.name,
                relation: care.relation,
                phone: care.phone_enc ? ctx.fields.decrypt(care.phone_enc) : null,
              }
            : null,
          lastVisit: last
            ? {
                id: Number(last.id),
                at: last.at.toISOString(),
                method: last.method,
                visitorName: last.visitor_name,
                notes: last.notes,
                findings: findings(last.checklist_version, last.answers),
              }
            : null,
          openConcerns: (concernsBy.get(p.id) ?? []).map((c) => ({
            id: c.id,
            category: REQUEST_CATEGORY_LABELS[c.category as RequestCategory] ?? c.category,
            description: c.description,
            status: c.status,
            deadline: c.deadline,
          })),
        };
      }),
      tasks: tasks.map((t) => ({
        id: Number(t.id),
        personId: t.person_id,
        kind: t.kind,
        period: t.period,
        tier: t.tier,
        windowStart: t.window_start.toISOString(),
        windowEnd: t.window_end.toISOString(),
        dueDate: t.due_date,
        status: t.status,
        reason: t.reason,
        checks: t.checks,
      })),
      recentVisits: recent.map((v) => ({
        id: Number(v.id),
        clientId: v.client_id,
        personId: v.person_id,
        personName: v.person_name,
        at: v.at.toISOString(),
        method: v.method,
        outcome: v.outcome,
        qualifying: v.qualifying,
        photoCount: v.photo_count,
        flags: v.flags ?? [],
        reviewState: v.review_state,
        reviewNote: v.review_note,
      })),
    };
    // The tag covers the content only, so an unchanged bundle answers 304 and costs no transfer.
    const etag = `"${createHash('sha256').update(JSON.stringify(body)).digest('base64url').slice(0, 32)}"`;
    if (ifNoneMatch === etag) return { etag, notModified: true as const };
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'visitor.bundle',
      entity: 'person',
      detail: { persons: persons.length, fields: ['phone', 'caregiverPhone'] },
    });
    return { etag, notModified: false as const, body: { ...body, generatedAt: now.toISOString(), etag } };
  });
}

/** Flagged answers of a visit ("D 安全情况·房屋安全：有隐患（电线老化）"), for the doorstep card. */
function findings(version: number, answers: ChecklistAnswers): { label: string; answer: string }[] {
  const def = checklistVersion(version);
  if (!def) return [];
  const out: { label: string; answer: string }[] = [];
  for (const s of def.sections)
    for (const item of s.items) {
      const a = answers?.[s.key]?.[item.key];
      if (isBadAnswer(item, a))
        out.push({ label: `${s.label}·${item.label}`, answer: formatAnswer(item, a) });
    }
  return out;
}

/** The heating and flood seasons in force for a village: nearest configured area up the path. */
function seasonResolver(
  rows: { path: string | null; value: { heating: SeasonRange; flood: SeasonRange } }[],
) {
  const system = rows.find((r) => r.path == null)?.value ?? DEFAULT_SEASONS;
  const byArea = rows.filter((r) => r.path != null).sort((a, b) => b.path!.length - a.path!.length);
  return (villagePath: string) => byArea.find((r) => villagePath.startsWith(r.path!))?.value ?? system;
}

/**
 * The schedule engine (DOMAIN.md section 4): one regular task per active person per period by tier,
 * the mid-period rules, follow-ups and campaigns. Every function takes a Queryable so callers run it
 * inside their own transaction (person hooks, incidents, the jobs).
 */
import { chinaDate, chinaDayStart } from '../../../shared/china-time.js';
import {
  dueDateOfWindowEnd,
  FREQUENCIES,
  type Frequency,
  periodOf,
  periodWindow,
  VISIT_SETTING_DEFAULTS,
  type VisitSettings,
} from '../../../shared/schedule.js';
import type { Queryable } from '../../db/db.js';
import {
  areaSettings,
  areaSettingsWithSource,
  type Resolved,
  resolveSettings,
  type SettingRow,
  settingRows,
  valuesOf,
} from '../settings/index.js';
import * as repo from './repo.js';

/** The visit settings in force for an area: nearest value up the tree, else the built-in default. */
export async function visitSettings(q: Queryable, areaId: number | null): Promise<VisitSettings> {
  return areaSettings(q, areaId, VISIT_SETTING_DEFAULTS);
}

/** The settings in force given the rows on an area's path (nearest first, as the visit context reads them). */
export function visitSettingsFrom(rows: SettingRow[]): VisitSettings {
  return valuesOf(resolveSettings(VISIT_SETTING_DEFAULTS, rows));
}

/** Like visitSettings, and where each value comes from (an area id, null = system, 'default'). */
export async function visitSettingsWithSource(
  q: Queryable,
  areaId: number | null,
): Promise<Resolved<VisitSettings>> {
  return areaSettingsWithSource(q, areaId, VISIT_SETTING_DEFAULTS);
}

/**
 * Which persons use which frequency: per frequency, the tier selectors (all villages when no area
 * overrides the frequency, else the explicit village lists).
 */
async function frequencyGroups(
  q: Queryable,
  personIds?: number[],
): Promise<Map<Frequency, repo.TierSelector[]>> {
  const rows = await settingRows(q, ['visits.frequency']);
  const system = (rows.find((r) => r.area_id == null)?.value ??
    VISIT_SETTING_DEFAULTS['visits.frequency']) as VisitSettings['visits.frequency'];
  const groups = new Map<Frequency, repo.TierSelector[]>();
  const push = (f: Frequency, s: repo.TierSelector) => groups.set(f, [...(groups.get(f) ?? []), s]);
  const byArea = new Map(rows.filter((r) => r.area_id != null).map((r) => [r.area_id!, r.value]));
  if (byArea.size === 0) {
    push(system.general, { tier: 'general', villageIds: null });
    push(system.key, { tier: 'key', villageIds: null });
    return groups;
  }
  const lists = new Map<string, number[]>();
  for (const v of await repo.villagePaths(q, personIds)) {
    const ids = v.path.split('/').filter(Boolean).map(Number).reverse();
    const hit = ids.find((id) => byArea.has(id));
    const f = (hit != null ? byArea.get(hit) : system) as VisitSettings['visits.frequency'];
    for (const tier of ['general', 'key'] as const) {
      const k = `${f[tier]}|${tier}`;
      lists.set(k, [...(lists.get(k) ?? []), v.id]);
    }
  }
  for (const [k, ids] of lists) {
    const [f, tier] = k.split('|') as [Frequency, 'general' | 'key'];
    push(f, { tier, villageIds: ids });
  }
  return groups;
}

export interface GenerateResult {
  created: number;
  reopened: number;
  cancelled: number;
  moved: number;
  completed: number;
}

/**
 * Makes sure every active person (or the listed ones) has the task of the period containing `now`.
 * Idempotent: running it again, or in two processes at once, creates nothing more (UNIQUE (person,
 * period, kind) + ON CONFLICT DO NOTHING). Rules:
 * - open tasks of persons no longer active are cancelled; open tasks follow the person's visitor/area;
 * - a regular task cancelled by a pause reopens when the person is active again inside its window;
 * - a new task is not made while another regular task overlaps its window, so a tier change applies
 *   from the next period; a person left without any task covering `now` (after a change from half-
 *   monthly to monthly) gets the half-month task containing `now`;
 * - a task created late is done at once when a qualifying visit already lies in its window.
 */
export async function generateTasks(
  q: Queryable,
  o: { now: Date; personIds?: number[] },
): Promise<GenerateResult> {
  const { now, personIds } = o;
  if (personIds && personIds.length === 0)
    return { created: 0, reopened: 0, cancelled: 0, moved: 0, completed: 0 };
  const today = chinaDate(now);
  const sync = await repo.syncOpenTasks(q, now, personIds);
  const reopened = await repo.reopenResumedTasks(q, now, today, personIds);
  // Ids gathered with concat, not push(...ids): a district-wide run creates ~1,000,000 ids, past
  // the limit on a call's argument count.
  let created: number[] = [];
  for (const [freq, selectors] of await frequencyGroups(q, personIds)) {
    const w = periodWindow(periodOf(now, freq));
    created = created.concat(
      await repo.insertRegularTasks(q, {
        period: w.period,
        start: w.start,
        end: w.end,
        due: w.endDate,
        today,
        now,
        selectors,
        personIds,
      }),
    );
  }
  const half = periodWindow(periodOf(now, 'half_month'));
  created = created.concat(
    await repo.insertRegularTasks(q, {
      period: half.period,
      start: half.start,
      end: half.end,
      due: half.endDate,
      today,
      now,
      selectors: [
        { tier: 'general', villageIds: null },
        { tier: 'key', villageIds: null },
      ],
      personIds,
      onlyUncovered: true,
    }),
  );
  const completed = await repo.completeFromExistingVisits(q, created.concat(reopened), now);
  return { created: created.length, reopened: reopened.length, ...sync, completed };
}

/**
 * `generateTasks` for one person, skipped (one probe instead of seven statements) when it would change
 * nothing — the usual case when a visit comes in for a person whose task of the period exists.
 */
export async function ensurePersonTasks(q: Queryable, personId: number, now: Date): Promise<void> {
  if (await repo.tasksSettled(q, personId, now)) return;
  await generateTasks(q, { now, personIds: [personId] });
}

/** Open tasks whose window has ended become missed. */
export async function markMissedTasks(q: Queryable, now: Date): Promise<number> {
  return repo.markMissed(q, now);
}

/** Pause or end: cancel the person's open tasks from the effective date; resume: generate. */
export async function onPersonStatusChanged(
  q: Queryable,
  e: { personId: number; to: 'active' | 'paused' | 'ended'; effectiveOn: string; at: Date },
) {
  if (e.to === 'active') return generateTasks(q, { now: e.at, personIds: [e.personId] });
  const from = chinaDayStart(e.effectiveOn);
  // A change recorded late still cancels only from its date; a task already over stays as it was.
  await repo.cancelOpenTasksFrom(q, e.personId, from, e.to, e.at);
}

/** Reassignment: the open tasks move to the new responsible visitor. */
export async function onPersonReassigned(
  q: Queryable,
  e: { personIds: number[]; toVisitorId: number | null },
) {
  await repo.moveOpenTasks(q, e.personIds, e.toVisitorId);
}

export const FOLLOW_UP_SEVERITIES = ['critical', 'normal'] as const;
export type FollowUpSeverity = (typeof FOLLOW_UP_SEVERITIES)[number];

/**
 * A follow-up task with a short window from `now` (default 24 h for critical incidents, 72 h
 * otherwise; configurable per area). Idempotent per (sourceEntity, sourceId): calling it twice for the
 * same incident returns the same task. Incidents call this after a critical incident; the registry
 * after a level change; anyone after a hospital discharge.
 */
export async function createFollowUpTask(
  q: Queryable,
  o: {
    personId: number;
    now: Date;
    severity: FollowUpSeverity;
    reason: string;
    sourceEntity: string;
    sourceId: string | number;
    /** Overrides the configured window length. */
    hours?: number;
  },
): Promise<repo.TaskRow | null> {
  const person = await repo.getPersonBrief(q, o.personId);
  if (person?.status !== 'active') return null;
  // Only read the settings when the caller gives no window (a signal's rule does).
  const hours = o.hours ?? (await visitSettings(q, person.village_id))['visits.followUpHours'][o.severity];
  const end = new Date(o.now.getTime() + hours * 3600000);
  return repo.insertExtraTask(q, {
    personId: o.personId,
    kind: 'follow_up',
    period: `f:${o.sourceEntity}:${o.sourceId}`,
    start: o.now,
    end,
    due: dueDateOfWindowEnd(end),
    reason: o.reason,
    sourceEntity: o.sourceEntity,
    sourceId: String(o.sourceId),
    now: o.now,
  });
}

export { FREQUENCIES };

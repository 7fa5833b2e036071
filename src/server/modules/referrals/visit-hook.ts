import { ASSISTANCE_KIND_LABELS, eligibilityOf, wishesOf } from '../../../shared/checklist.js';
import type { ReferralTarget } from '../../../shared/incidents.js';
import * as persons from '../persons/index.js';
import type { VisitFacts, VisitHandler } from '../visits/index.js';
import { openReferralDraft } from './service.js';

const ASSISTANCE_TARGET: Record<string, ReferralTarget> = {
  medical: 'special_medical',
  education: 'special_education',
  housing: 'special_housing',
  employment: 'special_employment',
  temporary: 'temporary',
};

/** The referral drafts a visit's sections K and L ask for (none for an attempt). */
function draftsOf(visit: VisitFacts): { target: ReferralTarget; reason: string; item: string }[] {
  if (!visit.qualifying) return [];
  const wishes = wishesOf(visit.answers);
  const eligibility = eligibilityOf(visit.answers);
  const drafts: { target: ReferralTarget; reason: string; item: string }[] = [];
  if (wishes.centralizedSupport) {
    drafts.push({
      target: 'centralized',
      reason: `本人有意愿转为集中供养${wishes.centralizedNote ? `：${wishes.centralizedNote}` : ''}`,
      item: 'K.wantsCentralized',
    });
  }
  if (wishes.noCaregiver) {
    drafts.push({
      target: 'centralized',
      reason: `无法找到照料服务人${wishes.noCaregiverNote ? `：${wishes.noCaregiverNote}` : ''}`,
      item: 'K.noCaregiver',
    });
  }
  for (const kind of eligibility.kinds) {
    const target = ASSISTANCE_TARGET[kind];
    if (!target) continue;
    drafts.push({
      target,
      reason: `疑似符合${ASSISTANCE_KIND_LABELS[kind]}条件${eligibility.note ? `：${eligibility.note}` : ''}`,
      item: `L.eligibility.${kind}`,
    });
  }
  return drafts;
}

/**
 * Section K (wishes centralized support; no caregiver can be found) and section L (looks eligible for
 * assistance) on a stored visit open referral drafts for the town to confirm.
 */
export const referralsVisitHandler: VisitHandler = {
  name: 'referrals',
  acts: (visit) => draftsOf(visit).length > 0,
  run: async (q, ctx, visit) => {
    const person = await persons.getPersonById(q, visit.personId);
    if (!person) return;
    for (const d of draftsOf(visit)) {
      await openReferralDraft(q, {
        person,
        target: d.target,
        reason: d.reason,
        visitId: visit.id,
        sourceItem: d.item,
        actorId: visit.recordedBy,
        now: ctx.clock.now(),
      });
    }
  },
};

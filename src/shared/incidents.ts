/**
 * Incidents, concerns and referrals (DOMAIN.md 6–8): vocabularies, defaults and the state machines,
 * shared by the server's rules and the console's forms.
 */
import { RISK_CODES, RISK_LABELS, type RiskCode } from './risks.js';
import type { Department } from './roles.js';

// ---- incidents ----

/** Incident types are the six life-safety risks of checklist section I. */
export const INCIDENT_TYPES = RISK_CODES;
export type IncidentType = RiskCode;
export const INCIDENT_TYPE_LABELS = RISK_LABELS;

export const INCIDENT_STATUSES = ['open', 'closed'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];
export const INCIDENT_STATUS_LABELS: Record<IncidentStatus, string> = { open: '处置中', closed: '已结案' };

/** Incident configuration (setting `incidents.config`); defaults follow the policy's examples. */
export interface IncidentConfig {
  /** Hours each notified party has to acknowledge before it escalates one level up. */
  ackHours: number;
  /** Departments notified per type (besides the town and the bureau). */
  departments: Record<IncidentType, Department[]>;
  /** Types treated as critical: follow-up visit within 24 h instead of 3 days. */
  critical: IncidentType[];
}
export const DEFAULT_INCIDENT_CONFIG: IncidentConfig = {
  ackHours: 2,
  departments: {
    wandering: ['police'],
    infringement: ['police'],
    missing: ['police'],
    serious_illness: ['health'],
    severe_mental_illness: ['health'],
    death: [],
  },
  critical: ['missing', 'infringement', 'serious_illness', 'death'],
};

/** A party that must acknowledge: 'town', 'bureau' or 'dept:<department>'. */
export type IncidentParty = 'town' | 'bureau' | `dept:${Department}`;
export const partyOfDepartment = (d: Department): IncidentParty => `dept:${d}`;

export const INCIDENT_ACTION_LABELS: Record<string, string> = {
  opened: '发起',
  notified: '已通知',
  acknowledged: '已确认',
  escalated: '超时升级',
  action: '处置',
  closed: '结案',
  override: '未经确认结案',
  support: '供养状态',
  follow_up: '回访任务',
};

// ---- concerns ----

export const CONCERN_STATUSES = ['open', 'in_progress', 'resolved', 'verified'] as const;
export type ConcernStatus = (typeof CONCERN_STATUSES)[number];
export const CONCERN_STATUS_LABELS: Record<ConcernStatus, string> = {
  open: '待处理',
  in_progress: '整改中',
  resolved: '已整改待核验',
  verified: '已核验',
};
export const CONCERN_HANDLINGS = ['immediate', 'time_limited'] as const;
export type ConcernHandling = (typeof CONCERN_HANDLINGS)[number];
export const CONCERN_HANDLING_LABELS: Record<ConcernHandling, string> = {
  immediate: '立行立改',
  time_limited: '限期整改',
};
export const CONCERN_SOURCES = ['visit', 'checklist', 'manual'] as const;
export type ConcernSource = (typeof CONCERN_SOURCES)[number];
export const CONCERN_SOURCE_LABELS: Record<ConcernSource, string> = {
  visit: '探访诉求',
  checklist: '探访发现问题',
  manual: '手工登记',
};
export const CONCERN_OWNERS = ['town', 'village'] as const;
export type ConcernOwner = (typeof CONCERN_OWNERS)[number];
export const CONCERN_OWNER_LABELS: Record<ConcernOwner, string> = { town: '镇街', village: '村居' };

/** Default days for time-limited rectification (setting `concerns.deadlineDays`). */
export const DEFAULT_CONCERN_DEADLINE_DAYS = 15;

/**
 * Moves an office user may make with PATCH. `resolved` leaves only through the bureau's verification
 * (verified, or reopened to `open`); `verified` is final.
 */
export const CONCERN_TRANSITIONS: Record<ConcernStatus, readonly ConcernStatus[]> = {
  open: ['in_progress', 'resolved'],
  in_progress: ['resolved'],
  resolved: [],
  verified: [],
};

/** Overdue: time-limited, not yet resolved, and its deadline (China date) has passed. */
export function isConcernOverdue(
  c: { handling: ConcernHandling; status: ConcernStatus; deadline: string | null },
  today: string,
): boolean {
  return (
    c.handling === 'time_limited' &&
    !!c.deadline &&
    c.deadline < today &&
    (c.status === 'open' || c.status === 'in_progress')
  );
}

// ---- referrals ----

export const REFERRAL_TARGETS = [
  'special_medical',
  'special_education',
  'special_housing',
  'special_employment',
  'temporary',
  'centralized',
  'medical_institution',
  'welfare_institution',
] as const;
export type ReferralTarget = (typeof REFERRAL_TARGETS)[number];
export const REFERRAL_TARGET_LABELS: Record<ReferralTarget, string> = {
  special_medical: '专项救助·医疗',
  special_education: '专项救助·教育',
  special_housing: '专项救助·住房',
  special_employment: '专项救助·就业',
  temporary: '临时（急难）救助',
  centralized: '集中供养（供养机构）',
  medical_institution: '医疗机构（精神/传染病）',
  welfare_institution: '福利机构（重度残疾）',
};
/** The department a referral of this target is addressed to unless the town picks another. */
export const REFERRAL_DEFAULT_DEPARTMENT: Record<ReferralTarget, Department | null> = {
  special_medical: 'medical_insurance',
  special_education: null,
  special_housing: 'housing',
  special_employment: null,
  temporary: null,
  centralized: null,
  medical_institution: 'health',
  welfare_institution: 'disabled_federation',
};

export const REFERRAL_STATUSES = [
  'draft',
  'pending',
  'accepted',
  'rejected',
  'completed',
  'withdrawn',
] as const;
export type ReferralStatus = (typeof REFERRAL_STATUSES)[number];
export const REFERRAL_STATUS_LABELS: Record<ReferralStatus, string> = {
  draft: '草稿待确认',
  pending: '待接收',
  accepted: '已接收',
  rejected: '已退回',
  completed: '已完成',
  withdrawn: '已撤回',
};
/** pending → accepted / rejected → completed, or withdrawn; drafts (from visits) are confirmed by the town. */
export const REFERRAL_TRANSITIONS: Record<ReferralStatus, readonly ReferralStatus[]> = {
  draft: ['pending', 'withdrawn'],
  pending: ['accepted', 'rejected', 'withdrawn'],
  accepted: ['completed', 'withdrawn'],
  rejected: [],
  completed: [],
  withdrawn: [],
};
/** Moves the receiving side (the addressed department's liaison) may make. */
export const REFERRAL_RECEIVER_MOVES: readonly ReferralStatus[] = ['accepted', 'rejected', 'completed'];

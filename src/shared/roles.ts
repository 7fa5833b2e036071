/** Roles of DOMAIN.md section 2. A user may hold several, each bound to an area. */
export const ROLES = [
  'bureau_admin',
  'bureau_supervisor',
  'town_officer',
  'village_officer',
  'visitor',
  'department_liaison',
] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
  bureau_admin: '民政局管理员',
  bureau_supervisor: '民政局督导',
  town_officer: '镇街工作人员',
  village_officer: '村居工作人员',
  visitor: '探访责任人',
  department_liaison: '部门联络人',
};

/** Roles whose reach is an area subtree (the others reach assigned persons or department items). */
export const AREA_ROLES: readonly Role[] = [
  'bureau_admin',
  'bureau_supervisor',
  'town_officer',
  'village_officer',
];

/** Departments that incidents and referrals can be addressed to. */
export const DEPARTMENTS = [
  'health',
  'medical_insurance',
  'police',
  'disabled_federation',
  'housing',
  'emergency',
] as const;
export type Department = (typeof DEPARTMENTS)[number];
export const DEPARTMENT_LABELS: Record<Department, string> = {
  health: '卫健',
  medical_insurance: '医保',
  police: '公安',
  disabled_federation: '残联',
  housing: '住建',
  emergency: '应急',
};

/** 探访责任人类型 */
export const VISITOR_TYPES = ['cadre', 'coordinator', 'social_worker', 'volunteer'] as const;
export type VisitorType = (typeof VISITOR_TYPES)[number];
export const VISITOR_TYPE_LABELS: Record<VisitorType, string> = {
  cadre: '村居干部',
  coordinator: '社会救助协理员',
  social_worker: '专业社工',
  volunteer: '志愿者',
};

/**
 * The area tree's levels, top first (DOMAIN.md §2): region (自治区/省) → city (市/盟) → county level
 * (区/旗/县, kept as 'district' so the three-level databases keep their rows) → township → village.
 * A deployment's root may be at any of them. Each area also has its own kind (shared/areas.ts).
 */
export const AREA_LEVELS = ['region', 'city', 'district', 'town', 'village'] as const;
export type AreaLevel = (typeof AREA_LEVELS)[number];
/** The level's name when no area's own kind is at hand (a column over mixed kinds, a filter). */
export const AREA_LEVEL_LABELS: Record<AreaLevel, string> = {
  region: '自治区（省）',
  city: '市（盟）',
  district: '旗县区',
  town: '乡镇（苏木、街道）',
  village: '村（嘎查、社区）',
};

/** What each role may do. One table, read by the server's guards and by the web menu. */
export const PERMISSIONS = {
  'users.manage': ['bureau_admin', 'town_officer'],
  'areas.manage': ['bureau_admin', 'town_officer'],
  'config.manage': ['bureau_admin'],
  'persons.read': ['bureau_admin', 'bureau_supervisor', 'town_officer', 'village_officer', 'visitor'],
  'persons.write': ['bureau_admin', 'town_officer', 'village_officer'],
  /** Full ID numbers and phones on the person page and in roster exports (each view audited). */
  'persons.sensitive': ['bureau_admin', 'town_officer', 'village_officer'],
  'persons.export': ['bureau_admin', 'bureau_supervisor', 'town_officer', 'village_officer'],
  'audit.read': ['bureau_admin', 'bureau_supervisor'],
  /** Visit tasks, visits and their photos (scope decides which). */
  'visits.read': ['bureau_admin', 'bureau_supervisor', 'town_officer', 'village_officer', 'visitor'],
  /** Record a visit (visitors; officers entering a paper record). */
  'visits.record': ['town_officer', 'village_officer', 'visitor'],
  /** Open special visit rounds (campaigns) for an area. */
  'visits.campaigns': ['bureau_admin', 'town_officer'],
  /** Caregivers, care agreements, pledges, reviews and replacement cases. */
  'care.read': ['bureau_admin', 'bureau_supervisor', 'town_officer', 'village_officer'],
  'care.write': ['bureau_admin', 'town_officer', 'village_officer'],
  /** Support money: the payments grid and the disbursement import. */
  'money.read': ['bureau_admin', 'bureau_supervisor', 'town_officer', 'village_officer'],
  'money.write': ['bureau_admin', 'town_officer'],
  /** Incidents: read (liaisons only those addressed to their department), open, handle and close. */
  'incidents.read': [
    'bureau_admin',
    'bureau_supervisor',
    'town_officer',
    'village_officer',
    'visitor',
    'department_liaison',
  ],
  'incidents.open': ['bureau_admin', 'bureau_supervisor', 'town_officer', 'village_officer', 'visitor'],
  'incidents.manage': ['bureau_admin', 'bureau_supervisor', 'town_officer', 'village_officer'],
  /** Concerns and rectification: raise, handle (towns and villages), verify and supervise (bureau). */
  'concerns.read': ['bureau_admin', 'bureau_supervisor', 'town_officer', 'village_officer', 'visitor'],
  'concerns.open': ['bureau_admin', 'bureau_supervisor', 'town_officer', 'village_officer', 'visitor'],
  'concerns.handle': ['bureau_admin', 'town_officer', 'village_officer'],
  'concerns.verify': ['bureau_admin', 'bureau_supervisor'],
  /** Referrals: towns create and confirm; the addressed department's liaison answers. */
  'referrals.read': [
    'bureau_admin',
    'bureau_supervisor',
    'town_officer',
    'village_officer',
    'department_liaison',
  ],
  'referrals.manage': ['bureau_admin', 'town_officer', 'village_officer'],
  'referrals.answer': ['department_liaison'],
  /** Oversight figures and their drill-downs (scope decides which; visitors see their own progress). */
  'oversight.read': ['bureau_admin', 'bureau_supervisor', 'town_officer', 'village_officer', 'visitor'],
  /** Town assessment weights. */
  'oversight.configure': ['bureau_admin', 'bureau_supervisor'],
  /** Visit and problem ledgers (.xlsx); ID numbers follow 'persons.sensitive'. */
  'ledger.export': ['bureau_admin', 'bureau_supervisor', 'town_officer', 'village_officer'],
  /** Social organisations, outreach activities and their figures (policy 六（五）); scope decides which. */
  'outreach.read': ['bureau_admin', 'bureau_supervisor', 'town_officer', 'village_officer'],
  /** Register organisations and record activities: an office manages its own area's. */
  'outreach.manage': ['bureau_admin', 'town_officer', 'village_officer'],
  /** Monthly report PDFs: generate, list, download. */
  'reports.read': ['bureau_admin', 'bureau_supervisor', 'town_officer'],
  /** Signals from outside (预警信息): the list, the review list, the rules and figures. */
  'signals.read': ['bureau_admin', 'bureau_supervisor', 'town_officer', 'village_officer'],
  /** Service accounts (machine clients), the rules per signal type, reviewing unmatched signals. */
  'signals.manage': ['bureau_admin', 'town_officer'],
  /** Visit authenticity (DOMAIN.md §12): the flagged visits and their signals (scope decides which). */
  'authenticity.read': ['bureau_admin', 'bureau_supervisor', 'town_officer', 'village_officer'],
  /** Review a flagged visit (confirm / explain / reject) and set a person's home point: the town. */
  'authenticity.review': ['bureau_admin', 'town_officer'],
  /** Bureau spot checks (回访抽查): see, draw and assign, record the result. */
  'spotchecks.read': ['bureau_admin', 'bureau_supervisor', 'town_officer'],
  'spotchecks.manage': ['bureau_admin', 'bureau_supervisor'],
  'spotchecks.check': ['bureau_admin', 'bureau_supervisor'],
} as const satisfies Record<string, readonly Role[]>;
export type Permission = keyof typeof PERMISSIONS;

/** True when any of the roles grants the permission. */
export function can(roles: readonly Role[], permission: Permission): boolean {
  const allowed: readonly Role[] = PERMISSIONS[permission];
  return roles.some((r) => allowed.includes(r));
}

/** Roles a user holding `actorRoles` may hand out. Town officers staff their own town only. */
export function grantableRoles(actorRoles: readonly Role[]): Role[] {
  if (actorRoles.includes('bureau_admin')) return [...ROLES];
  if (actorRoles.includes('town_officer')) return ['town_officer', 'village_officer', 'visitor'];
  return [];
}

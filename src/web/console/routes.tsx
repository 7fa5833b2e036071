import {
  AccountBookOutlined,
  AlertOutlined,
  ApartmentOutlined,
  AuditOutlined,
  BellOutlined,
  ContactsOutlined,
  DashboardOutlined,
  FileExcelOutlined,
  FileProtectOutlined,
  GiftOutlined,
  HeartOutlined,
  LockOutlined,
  NotificationOutlined,
  SafetyCertificateOutlined,
  ScheduleOutlined,
  SettingOutlined,
  ShareAltOutlined,
  SolutionOutlined,
  SwapOutlined,
  TeamOutlined,
  ThunderboltOutlined,
  ToolOutlined,
  TrophyOutlined,
} from '@ant-design/icons';
import { type ComponentType, lazy, type ReactNode } from 'react';
import type { Permission } from '../../shared/roles';

/**
 * A page loaded when first shown (its own chunk): the login page and the dashboard do not carry the
 * code of thirty other pages. `layout.tsx` shows a spinner inside the frame while it loads.
 */
function page<K extends string>(load: () => Promise<Record<K, ComponentType>>, name: K) {
  return lazy(() => load().then((m) => ({ default: m[name] })));
}

const AreasPage = page(() => import('./areas/areas-page'), 'AreasPage');
const AuditPage = page(() => import('./audit/audit-page'), 'AuditPage');
const AuthenticityPage = page(() => import('./authenticity/authenticity-page'), 'AuthenticityPage');
const AgreementsPage = page(() => import('./care/agreements-page'), 'AgreementsPage');
const CaregiversPage = page(() => import('./care/caregivers-page'), 'CaregiversPage');
const ReplacementsPage = page(() => import('./care/replacements-page'), 'ReplacementsPage');
const ReviewsPage = page(() => import('./care/reviews-page'), 'ReviewsPage');
const ActivitiesPage = page(() => import('./outreach/activities-page'), 'ActivitiesPage');
const OrganisationsPage = page(() => import('./outreach/organisations-page'), 'OrganisationsPage');
const ConcernsPage = page(() => import('./concerns/concerns-page'), 'ConcernsPage');
const HomePage = page(() => import('./home/home-page'), 'HomePage');
const ChannelsPage = page(() => import('./inbox/channels-page'), 'ChannelsPage');
const InboxPage = page(() => import('./inbox/inbox-page'), 'InboxPage');
const IncidentsPage = page(() => import('./incidents/incidents-page'), 'IncidentsPage');
const PaymentsPage = page(() => import('./money/payments-page'), 'PaymentsPage');
const AssessmentPage = page(() => import('./oversight/assessment-page'), 'AssessmentPage');
const LedgersPage = page(() => import('./oversight/ledgers-page'), 'LedgersPage');
const RecordsPage = page(() => import('./oversight/records-page'), 'RecordsPage');
const ImportPage = page(() => import('./persons/import-page'), 'ImportPage');
const PersonPage = page(() => import('./persons/person-page'), 'PersonPage');
const PersonsPage = page(() => import('./persons/persons-page'), 'PersonsPage');
const VisitorsPage = page(() => import('./persons/visitors-page'), 'VisitorsPage');
const ReferralsPage = page(() => import('./referrals/referrals-page'), 'ReferralsPage');
const AccountPage = page(() => import('./security/account-page'), 'AccountPage');
const SignalSettingsPage = page(() => import('./signals/signal-settings-page'), 'SignalSettingsPage');
const SignalsPage = page(() => import('./signals/signals-page'), 'SignalsPage');
const UsersPage = page(() => import('./users/users-page'), 'UsersPage');
const CampaignsPage = page(() => import('./visits/campaigns-page'), 'CampaignsPage');
const VisitSettingsPage = page(() => import('./visits/settings-page'), 'VisitSettingsPage');
const TasksPage = page(() => import('./visits/tasks-page'), 'TasksPage');
const VisitFormPage = page(() => import('./visits/visit-form-page'), 'VisitFormPage');
const VisitPage = page(() => import('./visits/visit-page'), 'VisitPage');

/** Every console page: its path, menu entry and the permission that shows it. Modules add theirs here. */
export interface ConsoleRoute {
  path: string;
  label: string;
  icon: ReactNode;
  element: ReactNode;
  permission?: Permission;
  /** A page reached from another page (e.g. a detail page): routed, but not in the menu. */
  hidden?: boolean;
  /** The menu group (a job of the roles that use it); none: at the top of the menu. */
  group?: MenuGroup;
}

/** The menu's groups, by the jobs people come to do, in menu order. */
export const MENU_GROUPS = [
  { key: 'visits', label: '探访' },
  { key: 'cases', label: '事件与整改' },
  { key: 'care', label: '照料与资金' },
  { key: 'oversight', label: '监督考核' },
  { key: 'system', label: '系统' },
] as const;
export type MenuGroup = (typeof MENU_GROUPS)[number]['key'];
/** Order of the pages inside their groups: the daily work first, settings last. */
export const MENU_ORDER = [
  '/persons',
  '/visitors',
  '/visit-tasks',
  '/visit-campaigns',
  '/visit-settings',
  '/users',
  '/areas',
  '/audit',
  '/notification-settings',
  '/account',
];

export const ROUTES: ConsoleRoute[] = [
  { path: '/', label: '工作台', icon: <DashboardOutlined />, element: <HomePage /> },
  {
    path: '/oversight/records',
    label: '指标明细',
    icon: null,
    element: <RecordsPage />,
    permission: 'oversight.read',
    hidden: true,
  },
  {
    path: '/oversight/assessment',
    group: 'oversight',
    label: '考核排名',
    icon: <TrophyOutlined />,
    element: <AssessmentPage />,
    permission: 'oversight.configure',
  },
  {
    path: '/oversight/ledgers',
    group: 'oversight',
    label: '台账与报表',
    icon: <FileExcelOutlined />,
    element: <LedgersPage />,
    permission: 'ledger.export',
  },
  {
    path: '/authenticity',
    group: 'oversight',
    label: '真实性核查',
    icon: <SafetyCertificateOutlined />,
    element: <AuthenticityPage />,
    permission: 'authenticity.read',
  },
  {
    path: '/visit-tasks',
    group: 'visits',
    label: '探访任务',
    icon: <ScheduleOutlined />,
    element: <TasksPage />,
    permission: 'visits.read',
  },
  {
    path: '/visits/new',
    label: '记录探访',
    icon: null,
    element: <VisitFormPage />,
    permission: 'visits.record',
    hidden: true,
  },
  {
    path: '/visits/:id',
    label: '探访记录',
    icon: null,
    element: <VisitPage />,
    permission: 'visits.read',
    hidden: true,
  },
  {
    path: '/visit-campaigns',
    group: 'visits',
    label: '专项探访',
    icon: <ThunderboltOutlined />,
    element: <CampaignsPage />,
    permission: 'visits.campaigns',
  },
  {
    path: '/visit-settings',
    group: 'visits',
    label: '探访设置',
    icon: <SettingOutlined />,
    element: <VisitSettingsPage />,
    permission: 'config.manage',
  },
  {
    path: '/incidents',
    group: 'cases',
    label: '应急处置',
    icon: <AlertOutlined />,
    element: <IncidentsPage />,
    permission: 'incidents.read',
  },
  {
    path: '/concerns',
    group: 'cases',
    label: '诉求整改',
    icon: <ToolOutlined />,
    element: <ConcernsPage />,
    permission: 'concerns.read',
  },
  {
    path: '/referrals',
    group: 'cases',
    label: '转介',
    icon: <ShareAltOutlined />,
    element: <ReferralsPage />,
    permission: 'referrals.read',
  },
  {
    path: '/signals',
    group: 'cases',
    label: '预警信息',
    icon: <NotificationOutlined />,
    element: <SignalsPage />,
    permission: 'signals.read',
  },
  {
    path: '/signal-settings',
    group: 'system',
    label: '预警接入与规则',
    icon: <SettingOutlined />,
    element: <SignalSettingsPage />,
    permission: 'signals.manage',
  },
  { path: '/inbox', label: '消息通知', icon: <BellOutlined />, element: <InboxPage /> },
  {
    path: '/audit',
    group: 'system',
    label: '安全审计',
    icon: <SafetyCertificateOutlined />,
    element: <AuditPage />,
    permission: 'audit.read',
  },
  { path: '/account', group: 'system', label: '账户安全', icon: <LockOutlined />, element: <AccountPage /> },
  {
    path: '/notification-settings',
    group: 'system',
    label: '通知渠道',
    icon: <NotificationOutlined />,
    element: <ChannelsPage />,
    permission: 'config.manage',
  },
  {
    path: '/persons',
    group: 'visits',
    label: '对象档案',
    icon: <ContactsOutlined />,
    element: <PersonsPage />,
    permission: 'persons.read',
  },
  {
    path: '/persons/import',
    label: '导入花名册',
    icon: null,
    element: <ImportPage />,
    permission: 'persons.write',
    hidden: true,
  },
  {
    path: '/persons/:id',
    label: '对象档案',
    icon: null,
    element: <PersonPage />,
    permission: 'persons.read',
    hidden: true,
  },
  {
    path: '/visitors',
    group: 'visits',
    label: '探访责任人',
    icon: <SolutionOutlined />,
    element: <VisitorsPage />,
    permission: 'persons.read',
  },
  {
    path: '/caregivers',
    group: 'care',
    label: '照料服务人',
    icon: <HeartOutlined />,
    element: <CaregiversPage />,
    permission: 'care.read',
  },
  {
    path: '/care-agreements',
    group: 'care',
    label: '照料协议',
    icon: <FileProtectOutlined />,
    element: <AgreementsPage />,
    permission: 'care.read',
  },
  {
    path: '/caregiver-reviews',
    group: 'care',
    label: '照料考核评价',
    icon: <AuditOutlined />,
    element: <ReviewsPage />,
    permission: 'care.read',
  },
  {
    path: '/care-replacements',
    group: 'care',
    label: '更换照料服务人',
    icon: <SwapOutlined />,
    element: <ReplacementsPage />,
    permission: 'care.read',
  },
  {
    path: '/outreach/activities',
    group: 'care',
    label: '关爱活动',
    icon: <GiftOutlined />,
    element: <ActivitiesPage />,
    permission: 'outreach.read',
  },
  {
    path: '/outreach/organisations',
    group: 'care',
    label: '社会组织',
    icon: <TeamOutlined />,
    element: <OrganisationsPage />,
    permission: 'outreach.read',
  },
  {
    path: '/payments',
    group: 'care',
    label: '资金发放',
    icon: <AccountBookOutlined />,
    element: <PaymentsPage />,
    permission: 'money.read',
  },
  {
    path: '/users',
    group: 'system',
    label: '用户管理',
    icon: <TeamOutlined />,
    element: <UsersPage />,
    permission: 'users.manage',
  },
  {
    path: '/areas',
    group: 'system',
    label: '辖区管理',
    icon: <ApartmentOutlined />,
    element: <AreasPage />,
    permission: 'areas.manage',
  },
];

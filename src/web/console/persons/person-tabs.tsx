import type { ReactNode } from 'react';
import type { PersonFile } from '../../../shared/api/persons';
import type { Permission } from '../../../shared/roles';
import { HomePointTab } from '../authenticity/home-point-tab';
import { PersonCareTab } from '../care/person-care-tab';
import { PersonActivitiesTab } from '../outreach/person-activities-tab';
import { PersonVisitsTab } from '../visits/person-visits-tab';
import { AssessmentsTab, AssignmentTab, FileTab, TimelineTab } from './person-file-tabs';

/**
 * The tabs of the person page (/persons/:id). Other modules add theirs with one entry here, e.g.
 * `{ key: 'visits', label: '探访记录', order: 25, render: (p) => <PersonVisitsTab person={p} /> }`.
 * Tabs are sorted by `order`; `permission` hides a tab from roles without it.
 */
export interface PersonTab {
  key: string;
  label: string;
  order: number;
  permission?: Permission;
  render: (person: PersonFile, reload: () => void) => ReactNode;
}

export const PERSON_TABS: PersonTab[] = [
  { key: 'file', label: '基本档案', order: 10, render: (p) => <FileTab person={p} /> },
  { key: 'timeline', label: '时间线', order: 20, render: (p) => <TimelineTab person={p} /> },
  {
    key: 'visits',
    label: '探访记录',
    order: 25,
    permission: 'visits.read',
    render: (p) => <PersonVisitsTab personId={p.id} active={p.status === 'active'} />,
  },
  {
    key: 'assessments',
    label: '自理能力评估',
    order: 30,
    render: (p, reload) => <AssessmentsTab person={p} reload={reload} />,
  },
  {
    key: 'assignment',
    label: '探访责任人',
    order: 40,
    render: (p, reload) => <AssignmentTab person={p} reload={reload} />,
  },
  {
    key: 'home-point',
    label: '住址坐标',
    order: 45,
    permission: 'persons.read',
    render: (p) => <HomePointTab personId={p.id} />,
  },
  {
    key: 'care',
    label: '照料与资金',
    order: 50,
    permission: 'care.read',
    render: (p) => <PersonCareTab personId={p.id} />,
  },
  {
    key: 'outreach',
    label: '关爱活动',
    order: 60,
    permission: 'outreach.read',
    render: (p) => <PersonActivitiesTab personId={p.id} />,
  },
];

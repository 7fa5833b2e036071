import { useQuery } from '@tanstack/react-query';
import { Select, Tag } from 'antd';
import { useState } from 'react';
import {
  AGREEMENT_STATUS_LABELS,
  type AgreementStatus,
  REPLACEMENT_STATUS_LABELS,
  type ReplacementCause,
  type ReplacementStatus,
} from '../../../shared/care';
import type { SelfCare } from '../../../shared/person';
import { api } from '../../lib/api';

/** Shapes of the care API (src/server/modules/care/routes.ts). */
export interface Caregiver {
  id: number;
  name: string;
  idNumberMasked: string;
  phoneMasked: string | null;
  address: string | null;
  areaId: number;
  areaName: string;
  note: string | null;
  version: number;
  persons: { personId: number; personName: string; relation: string; fromDate: string }[];
}

export interface Agreement {
  id: number;
  personId: number;
  personName: string;
  caregiverId: number;
  caregiverName: string;
  caregiverPhoneMasked: string | null;
  relation: string;
  partyAreaId: number;
  partyName: string;
  townId: number;
  townName: string;
  villageName: string;
  content: string;
  frequency: string;
  selfCare: SelfCare;
  monthlyFee: number;
  startDate: string;
  endDate: string;
  signedOn: string;
  status: AgreementStatus;
  terminatedOn: string | null;
  terminationReason: string | null;
  pledgeSignedOn: string | null;
  pledgeNoticeFrom: string | null;
  pledgeNoticeTo: string | null;
  replacementId: number | null;
  expiryNotified: boolean;
  scans: { id: number; kind: 'agreement' | 'pledge'; filename: string; size: number; uploadedAt: string }[];
  version: number;
}

export interface Review {
  id: number;
  agreementId: number;
  personId: number;
  personName: string;
  caregiverId: number;
  caregiverName: string;
  townName: string;
  periodFrom: string;
  periodTo: string;
  satisfaction: number;
  neighbours: { name: string; score: number; comment?: string | null }[];
  visitObservations: {
    visits: number;
    duty: { yes: number; partly: number; no: number };
    seriousInfringements: number;
  };
  satisfactionScore: number;
  neighbourScore: number | null;
  visitScore: number | null;
  score: number;
  passed: boolean;
  passScore: number;
  note: string | null;
  reviewerName: string | null;
  createdAt: string;
  replacementId: number | null;
}

export interface Replacement {
  id: number;
  personId: number;
  personName: string;
  townName: string;
  oldAgreementId: number | null;
  oldAgreementStatus: AgreementStatus | null;
  oldCaregiverId: number | null;
  oldCaregiverName: string | null;
  cause: ReplacementCause;
  reviewId: number | null;
  visitRef: string | null;
  detail: string | null;
  status: ReplacementStatus;
  steps: { terminated: boolean; caregiverChosen: boolean; newAgreementSigned: boolean };
  newCaregiverId: number | null;
  newCaregiverName: string | null;
  newAgreementId: number | null;
  legalReferral: boolean;
  legalNote: string | null;
  openedAt: string;
  closedAt: string | null;
  version: number;
}

const STATUS_COLORS: Record<AgreementStatus, string> = {
  active: 'green',
  expired: 'default',
  terminated: 'red',
};

export function AgreementStatusTag({
  a,
  today,
}: {
  a: Pick<Agreement, 'status' | 'endDate'>;
  today?: string;
}) {
  const soon =
    a.status === 'active' &&
    today &&
    a.endDate <= new Date(Date.parse(today) + 30 * 86400000).toISOString().slice(0, 10);
  return (
    <>
      <Tag color={STATUS_COLORS[a.status]}>{AGREEMENT_STATUS_LABELS[a.status]}</Tag>
      {soon && <Tag color="orange">30 天内到期</Tag>}
    </>
  );
}

export function ReplacementStatusTag({ s }: { s: ReplacementStatus }) {
  const color = s === 'open' ? 'orange' : s === 'done' ? 'green' : 'default';
  return <Tag color={color}>{REPLACEMENT_STATUS_LABELS[s]}</Tag>;
}

/** Today in China, as the server counts days. */
export function chinaToday(): string {
  return new Date(Date.now() + 8 * 3600000).toISOString().slice(0, 10);
}

/** Searchable select of persons in the user's reach (by name). */
export function PersonSelect({
  value,
  onChange,
  status = 'active',
}: {
  value?: number;
  onChange?: (v: number) => void;
  status?: string;
}) {
  const [q, setQ] = useState('');
  const persons = useQuery({
    queryKey: ['person-select', q, status],
    queryFn: () =>
      api<{
        items: { id: number; name: string; townName: string; villageName: string; idNumberMasked: string }[];
      }>(`/api/persons?limit=30&status=${status}${q ? `&q=${encodeURIComponent(q)}` : ''}`),
  });
  return (
    <Select
      showSearch
      value={value}
      onChange={onChange}
      filterOption={false}
      onSearch={setQ}
      aria-label="输入姓名搜索"
      placeholder="输入姓名搜索"
      options={(persons.data?.items ?? []).map((p) => ({
        value: p.id,
        label: `${p.name}（${p.townName} ${p.villageName}，${p.idNumberMasked}）`,
      }))}
    />
  );
}

/** Searchable select of caregivers in the user's reach. */
export function CaregiverSelect({ value, onChange }: { value?: number; onChange?: (v: number) => void }) {
  const [q, setQ] = useState('');
  const list = useQuery({
    queryKey: ['caregiver-select', q],
    queryFn: () =>
      api<{ items: Caregiver[] }>(`/api/caregivers?limit=30${q ? `&q=${encodeURIComponent(q)}` : ''}`),
  });
  return (
    <Select
      showSearch
      value={value}
      onChange={onChange}
      filterOption={false}
      onSearch={setQ}
      aria-label="输入姓名搜索照料服务人"
      placeholder="输入姓名搜索照料服务人"
      options={(list.data?.items ?? []).map((c) => ({
        value: c.id,
        label: `${c.name}（${c.areaName}，${c.idNumberMasked}）`,
      }))}
    />
  );
}

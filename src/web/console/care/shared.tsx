import { useQuery } from '@tanstack/react-query';
import { Select, Tag } from 'antd';
import { useState } from 'react';
import type { Agreement } from '../../../shared/api/care';
import * as careApi from '../../../shared/api/care';
import { listPersons } from '../../../shared/api/persons';
import {
  AGREEMENT_STATUS_LABELS,
  type AgreementStatus,
  REPLACEMENT_STATUS_LABELS,
  type ReplacementStatus,
} from '../../../shared/care';
import type { PersonStatus } from '../../../shared/person';
import { call } from '../../lib/api';

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
  status?: PersonStatus;
}) {
  const [q, setQ] = useState('');
  const persons = useQuery({
    queryKey: ['person-select', q, status],
    queryFn: () => call(listPersons, { query: { limit: 30, status, q } }),
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
    queryFn: () => call(careApi.listCaregivers, { query: { limit: 30, q } }),
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

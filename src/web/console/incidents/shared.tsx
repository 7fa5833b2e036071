import { useQuery } from '@tanstack/react-query';
import { Select, Tag } from 'antd';
import { useState } from 'react';
import { chinaDateTime } from '../../../shared/china-time';
import { api } from '../../lib/api';

/** Picks a person in the user's scope by name or ID number (server search). */
export function PersonPicker(props: { value?: number; onChange?: (v: number) => void }) {
  const [q, setQ] = useState('');
  const res = useQuery({
    queryKey: ['person-picker', q],
    queryFn: () =>
      api<{ items: { id: number; name: string; idNumberMasked: string; villageName: string }[] }>(
        `/api/persons?status=active&limit=20${q ? `&q=${encodeURIComponent(q)}` : ''}`,
      ),
  });
  return (
    <Select
      showSearch
      value={props.value}
      onChange={props.onChange}
      filterOption={false}
      onSearch={setQ}
      aria-label="输入姓名或身份证号搜索"
      placeholder="输入姓名或身份证号搜索"
      loading={res.isLoading}
      options={(res.data?.items ?? []).map((p) => ({
        value: p.id,
        label: `${p.name}（${p.villageName}，${p.idNumberMasked}）`,
      }))}
    />
  );
}

export const fmt = (iso: string | null | undefined) => (iso ? chinaDateTime(new Date(iso)) : '—');

/** "剩 1 小时 20 分" or "已超时 35 分", red when past or within 30 minutes. */
export function TimeLeft({ until, now }: { until: string | null; now: number }) {
  if (!until) return <Tag color="green">均已确认</Tag>;
  const ms = Date.parse(until) - now;
  const abs = Math.abs(ms);
  const h = Math.floor(abs / 3600000);
  const m = Math.floor((abs % 3600000) / 60000);
  const text = `${h ? `${h} 小时 ` : ''}${m} 分`;
  if (ms < 0) return <Tag color="red">确认已超时 {text}</Tag>;
  return <Tag color={ms < 30 * 60000 ? 'orange' : 'blue'}>剩 {text} 确认</Tag>;
}

import { Tag } from 'antd';
import {
  PERSON_FLAG_LABELS,
  PERSON_STATUS_LABELS,
  type PersonStatus,
  TIER_LABELS,
  type Tier,
} from '../../../shared/person';

export const StatusTag = ({ status }: { status: PersonStatus }) => (
  <Tag color={status === 'active' ? 'green' : status === 'paused' ? 'orange' : 'default'}>
    {PERSON_STATUS_LABELS[status]}
  </Tag>
);

export const TierTag = ({ tier }: { tier: Tier }) => (
  <Tag color={tier === 'key' ? 'volcano' : 'blue'}>{TIER_LABELS[tier]}</Tag>
);

const SHORT: Record<string, string> = { aged_80: '80+' };
export const FlagTags = ({ flags }: { flags: string[] }) => (
  <>
    {flags.map((f) => (
      <Tag key={f} color={f === 'aged_80' ? 'purple' : undefined}>
        {SHORT[f] ?? (PERSON_FLAG_LABELS as Record<string, string>)[f] ?? f}
      </Tag>
    ))}
  </>
);

import { Segmented, Select, Space } from 'antd';
import { useMemo } from 'react';
import { chinaMonth } from '../../../shared/china-time';
import { periodLabel } from '../../../shared/schedule';

/** The current China month, 'YYYY-MM'. */
export const thisMonth = () => chinaMonth(new Date());

/** How far back the month list goes: five years of records (older ones by the ledgers' date ranges). */
const MONTHS_BACK = 60;

/** 'YYYY-MM' of this month and the MONTHS_BACK before it, newest first; `keep` is added if older. */
function monthOptions(keep: string) {
  const [y, m] = thisMonth().split('-').map(Number);
  const list: { value: string; label: string }[] = [];
  for (let i = 0; i <= MONTHS_BACK; i++) {
    const d = new Date(Date.UTC(y, m - 1 - i, 1));
    const value = `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
    list.push({ value, label: `${d.getUTCFullYear()}年${d.getUTCMonth() + 1}月` });
  }
  if (!list.some((o) => o.value === keep)) {
    const [ky, km] = keep.split('-').map(Number);
    list.push({ value: keep, label: `${ky}年${km}月` });
  }
  return list;
}

/**
 * A month list with 整月 / 上半月 / 下半月: yields a period key of shared/schedule.ts. A plain select of
 * months (typed to filter: 「2026年3」) rather than antd's calendar picker: the dashboard's first screen
 * then does not carry the date-picker's ~29 KB (compressed) of script (issue 26's budget).
 */
export function PeriodPicker({
  value,
  onChange,
  monthOnly,
}: {
  value: string;
  onChange: (p: string) => void;
  monthOnly?: boolean;
}) {
  const month = value.slice(0, 7);
  const half = value.length > 7 ? value.slice(8) : '';
  const options = useMemo(() => monthOptions(month), [month]);
  return (
    <Space wrap>
      <Select
        value={month}
        options={options}
        onChange={(m: string) => onChange(`${m}${half ? `-${half}` : ''}`)}
        showSearch={{ optionFilterProp: 'label' }}
        style={{ width: 128 }}
        aria-label="期间"
      />
      {!monthOnly && (
        <Segmented
          value={half}
          onChange={(h) => onChange(`${month}${h ? `-${h}` : ''}`)}
          options={[
            { label: '整月', value: '' },
            { label: '上半月', value: '1' },
            { label: '下半月', value: '2' },
          ]}
        />
      )}
    </Space>
  );
}

export { periodLabel };

import { DatePicker, Segmented, Space } from 'antd';
import dayjs from 'dayjs';
import { chinaMonth } from '../../../shared/china-time';
import { periodLabel } from '../../../shared/schedule';

/** The current China month, 'YYYY-MM'. */
export const thisMonth = () => chinaMonth(new Date());

/** A month picker with 整月 / 上半月 / 下半月: yields a period key of shared/schedule.ts. */
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
  return (
    <Space wrap>
      <DatePicker
        picker="month"
        allowClear={false}
        value={dayjs(`${month}-01`)}
        format="YYYY年M月"
        onChange={(d) => d && onChange(`${d.format('YYYY-MM')}${half ? `-${half}` : ''}`)}
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

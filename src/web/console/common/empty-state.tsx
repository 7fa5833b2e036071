import { Empty, Typography } from 'antd';
import type { ReactNode } from 'react';

/**
 * What an empty list says: what the page is for and the first thing to do — not only 暂无数据.
 */
export function EmptyState({ title, hint, action }: { title: string; hint: ReactNode; action?: ReactNode }) {
  return (
    <Empty
      image={Empty.PRESENTED_IMAGE_SIMPLE}
      description={
        <div data-testid="empty-state" style={{ maxWidth: 420, margin: '0 auto' }}>
          <div style={{ color: 'rgba(0,0,0,0.88)' }}>{title}</div>
          <Typography.Text type="secondary">{hint}</Typography.Text>
        </div>
      }
    >
      {action}
    </Empty>
  );
}

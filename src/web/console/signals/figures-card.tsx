import { useQuery } from '@tanstack/react-query';
import { Card, Col, Row, Space, Tag, Tooltip, Typography } from 'antd';
import type { ReactNode } from 'react';
import type { OperationOf } from '../../../shared/api/contract';
import type { signalFigures } from '../../../shared/api/signals';
import { formatSignalShare, SIGNAL_FIGURES } from '../../../shared/metrics';
import { SIGNAL_TYPE_LABELS } from '../../../shared/signals';
import { call } from '../../lib/api';

/** The figures' operation without its schema (this card is on the home page: no zod there). */
const SIGNAL_FIGURES_OP: OperationOf<typeof signalFigures> = {
  method: 'GET',
  path: '/api/signals/figures',
  operationId: 'signalFigures',
};

/** A label over its number (antd's Statistic would add ~10 KB to the dashboard's first screen). */
function Figure({ title, value }: { title: ReactNode; value: ReactNode }) {
  return (
    <div>
      <Typography.Text type="secondary">{title}</Typography.Text>
      <div style={{ fontSize: 24, lineHeight: 1.4 }}>{value}</div>
    </div>
  );
}

/** The figures of the last 30 days (shared/metrics.ts SIGNAL_FIGURES): also the dashboard's card. */
export function SignalFiguresCard() {
  const figures = useQuery({
    queryKey: ['signal-figures'],
    queryFn: () => call<typeof signalFigures>(SIGNAL_FIGURES_OP, {}),
  });
  const f = figures.data;
  return (
    <Card
      size="small"
      title={`预警信息（近 30 天${f ? `：${f.from} 至 ${f.to}` : ''}）`}
      loading={figures.isLoading}
    >
      <Row gutter={[16, 8]}>
        <Col xs={12} sm={6}>
          <Figure title="收到预警" value={f?.total ?? 0} />
        </Col>
        <Col xs={12} sm={6}>
          <Tooltip title={SIGNAL_FIGURES.signalsAwaitingReview.definition}>
            <Figure title={SIGNAL_FIGURES.signalsAwaitingReview.label} value={f?.awaitingReview ?? 0} />
          </Tooltip>
        </Col>
        <Col xs={24} sm={12}>
          <Tooltip title={SIGNAL_FIGURES.signalsVerifiedInTime.definition}>
            <Figure
              title={`${SIGNAL_FIGURES.signalsVerifiedInTime.label}（${f?.verifiedInTime.counted ?? 0} / ${f?.verifiedInTime.base ?? 0}）`}
              value={f ? formatSignalShare(f.verifiedInTime) : '—'}
            />
          </Tooltip>
        </Col>
      </Row>
      {f && f.byType.length > 0 && (
        <Space wrap style={{ marginTop: 8 }} aria-label={SIGNAL_FIGURES.signalsByType.label}>
          {f.byType.map((t) => (
            <Tag key={t.type}>
              {SIGNAL_TYPE_LABELS[t.type]}：{t.count}
              {t.unmatched ? `（未匹配 ${t.unmatched}）` : ''}
            </Tag>
          ))}
        </Space>
      )}
    </Card>
  );
}

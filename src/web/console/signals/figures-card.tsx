import { useQuery } from '@tanstack/react-query';
import { Card, Col, Row, Space, Statistic, Tag, Tooltip } from 'antd';
import * as signalsApi from '../../../shared/api/signals';
import { formatSignalShare, SIGNAL_FIGURES } from '../../../shared/metrics';
import { SIGNAL_TYPE_LABELS } from '../../../shared/signals';
import { call } from '../../lib/api';

/** The figures of the last 30 days (shared/metrics.ts SIGNAL_FIGURES): also the dashboard's card. */
export function SignalFiguresCard() {
  const figures = useQuery({
    queryKey: ['signal-figures'],
    queryFn: () => call(signalsApi.signalFigures, {}),
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
          <Statistic title="收到预警" value={f?.total ?? 0} />
        </Col>
        <Col xs={12} sm={6}>
          <Tooltip title={SIGNAL_FIGURES.signalsAwaitingReview.definition}>
            <Statistic title={SIGNAL_FIGURES.signalsAwaitingReview.label} value={f?.awaitingReview ?? 0} />
          </Tooltip>
        </Col>
        <Col xs={24} sm={12}>
          <Tooltip title={SIGNAL_FIGURES.signalsVerifiedInTime.definition}>
            <Statistic
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

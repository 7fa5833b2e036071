import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Form, InputNumber, Space, Table, Typography } from 'antd';
import { useState } from 'react';
import { Link } from 'react-router';
import { ASSESSMENT_COMPONENTS, formatMetric, METRICS, type MetricId } from '../../../shared/metrics';
import { can } from '../../../shared/roles';
import { api } from '../../lib/api';
import { useSession } from '../../lib/session';
import { recordsLink } from './api';
import { EChart } from './echart';
import { PeriodPicker, thisMonth } from './period-picker';

interface Assessment {
  period: string;
  weights: Partial<Record<MetricId, number>>;
  towns: {
    areaId: number | null;
    name: string;
    score: number | null;
    rank: number;
    components: { metric: MetricId; weight: number; value: number | null; points: number | null }[];
  }[];
}

/** 镇街考核: each town's weighted score for a month, ranked, every component visible and clickable. */
export function AssessmentPage() {
  const { me } = useSession();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [period, setPeriod] = useState(thisMonth());
  const [editing, setEditing] = useState(false);
  const data = useQuery({
    queryKey: ['oversight-assessment', period],
    queryFn: () => api<Assessment>(`/api/oversight/assessment?period=${period}`),
  });
  const save = useMutation({
    mutationFn: (w: Record<string, number>) =>
      api('/api/oversight/assessment/weights', { method: 'PUT', body: w }),
    onSuccess: () => {
      message.success('考核权重已保存');
      setEditing(false);
      qc.invalidateQueries({ queryKey: ['oversight-assessment'] });
    },
    onError: (e: Error) => message.error(e.message),
  });
  const a = data.data;
  const comps = ASSESSMENT_COMPONENTS.filter((id) => (a?.weights[id] ?? 0) > 0);
  const canEdit = !!me && can(me.roles, 'oversight.configure');
  return (
    <div>
      <Space wrap style={{ marginBottom: 12, width: '100%', justifyContent: 'space-between' }}>
        <Typography.Title level={4} style={{ margin: 0 }}>
          镇（街道）考核
        </Typography.Title>
        <Space>
          <PeriodPicker value={period} onChange={setPeriod} monthOnly />
          {canEdit && (
            <Button onClick={() => setEditing((x) => !x)}>{editing ? '收起权重' : '调整权重'}</Button>
          )}
        </Space>
      </Space>
      {data.error && <Alert type="error" showIcon title={(data.error as Error).message} />}
      {editing && a && (
        <Card
          size="small"
          title="考核权重（各项满分按权重折算，无相关记录的指标不计入）"
          style={{ marginBottom: 12 }}
        >
          <Form
            layout="inline"
            initialValues={a.weights}
            onFinish={(v) => save.mutate(v as Record<string, number>)}
          >
            {ASSESSMENT_COMPONENTS.map((id) => (
              <Form.Item key={id} name={id} label={METRICS[id].label}>
                <InputNumber min={0} max={100} style={{ width: 80 }} />
              </Form.Item>
            ))}
            <Form.Item>
              <Button type="primary" htmlType="submit" loading={save.isPending}>
                保存
              </Button>
            </Form.Item>
          </Form>
        </Card>
      )}
      {a && a.towns.length > 0 && (
        <Card size="small" style={{ marginBottom: 12 }}>
          <EChart
            height={Math.max(200, 40 + a.towns.length * 26)}
            option={{
              tooltip: { trigger: 'axis' },
              grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
              xAxis: { type: 'value', max: 100 },
              yAxis: { type: 'category', data: [...a.towns].reverse().map((t) => t.name) },
              series: [
                {
                  type: 'bar',
                  data: [...a.towns].reverse().map((t) => t.score),
                  label: { show: true, position: 'right' },
                  itemStyle: { color: '#1677ff' },
                },
              ],
            }}
          />
        </Card>
      )}
      <Table
        size="small"
        rowKey={(r) => String(r.areaId)}
        loading={data.isLoading}
        dataSource={a?.towns ?? []}
        pagination={false}
        scroll={{ x: 'max-content' }}
        columns={[
          { title: '名次', dataIndex: 'rank', width: 60, align: 'center' },
          { title: '镇（街道）', dataIndex: 'name' },
          {
            title: '得分',
            align: 'right',
            render: (_: unknown, r) => (
              <b data-testid="assessment-score">{r.score == null ? '—' : r.score.toFixed(1)}</b>
            ),
          },
          ...comps.map((id) => ({
            title: `${METRICS[id].label}（${a?.weights[id]}）`,
            align: 'right' as const,
            render: (_: unknown, r: Assessment['towns'][number]) => {
              const c = r.components.find((x) => x.metric === id);
              return (
                <Link to={recordsLink(id, { period, areaId: r.areaId })}>
                  {formatMetric(id, c?.value ?? null)}
                  {c?.points != null && (
                    <Typography.Text type="secondary" style={{ marginLeft: 4, fontSize: 12 }}>
                      +{c.points}
                    </Typography.Text>
                  )}
                </Link>
              );
            },
          })),
        ]}
      />
    </div>
  );
}

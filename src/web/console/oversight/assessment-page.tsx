import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Form, InputNumber, Space, Table, Tag, Tooltip, Typography } from 'antd';
import { useState } from 'react';
import { Link } from 'react-router';
import { getAssessment, putAssessmentWeights } from '../../../shared/api/oversight';
import {
  ASSESSMENT_COMPONENTS,
  ASSESSMENT_RULE,
  formatMetric,
  formatValue,
  METRICS,
  MIN_SAMPLE,
  ruleOf,
} from '../../../shared/metrics';
import { can } from '../../../shared/roles';
import { call } from '../../lib/api';
import { useSession } from '../../lib/session';
import { type Assessment, recordsLink } from './api';
import { EChart } from './echart';
import { PeriodPicker, thisMonth } from './period-picker';

type Component = Assessment['towns'][number]['components'][number];

/** Why a component scored what it did, in words (the rule of shared/metrics.ts assessmentScore). */
function basisText(c: Component): string {
  const scored = c.scored == null ? '' : formatValue(c.metric, c.scored);
  switch (c.basis) {
    case 'own':
      return `按本辖区实际值计分：${c.numerator}/${c.denominator}`;
    case 'padded':
      return `仅 ${c.denominator} 条记录（${c.numerator}/${c.denominator}），缺的 ${MIN_SAMPLE - (c.denominator ?? 0)} 条按上级辖区的值补足到 ${MIN_SAMPLE} 条，计分值 ${scored}`;
    case 'district':
      return `本月无相关记录，按上级辖区的值 ${scored} 计分（不加分也不扣分）`;
    case 'excluded':
      return `上级辖区记录不足 ${MIN_SAMPLE} 条，本项对所有下级辖区不计`;
  }
}

/** 考核: each child area's (a county's towns, a city's counties) weighted score for a month, ranked, every component visible and clickable. */
export function AssessmentPage() {
  const { me } = useSession();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [period, setPeriod] = useState(thisMonth());
  const [editing, setEditing] = useState(false);
  const data = useQuery({
    queryKey: ['oversight-assessment', period],
    queryFn: () => call(getAssessment, { query: { period } }),
  });
  const save = useMutation({
    mutationFn: (w: Record<string, number>) => call(putAssessmentWeights, { body: w }),
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
          {a?.childLabel ?? ''}考核
          {a?.inProgress && (
            <Tag color="blue" style={{ marginLeft: 8 }} data-testid="assessment-provisional">
              本月进行中 · 暂评
            </Tag>
          )}
        </Typography.Title>
        <Space>
          <PeriodPicker value={period} onChange={setPeriod} monthOnly />
          {canEdit && (
            <Button onClick={() => setEditing((x) => !x)}>{editing ? '收起权重' : '调整权重'}</Button>
          )}
        </Space>
      </Space>
      {data.error && <Alert type="error" showIcon title={(data.error as Error).message} />}
      <Alert
        type="info"
        showIcon
        style={{ marginBottom: 12 }}
        title="计分规则"
        description={<span data-testid="assessment-rule">{ASSESSMENT_RULE}</span>}
      />
      {editing && a && (
        <Card size="small" title="考核权重（各项满分按权重折算）" style={{ marginBottom: 12 }}>
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
          { title: a?.childLabel || '辖区', dataIndex: 'name' },
          {
            title: '得分',
            align: 'right',
            render: (_: unknown, r) => (
              <b data-testid="assessment-score">{r.score == null ? '—' : r.score.toFixed(1)}</b>
            ),
          },
          ...comps.map((id) => ({
            title: (
              <Tooltip title={ruleOf(id)}>
                {METRICS[id].label}（{a?.weights[id]}）
              </Tooltip>
            ),
            key: id,
            align: 'right' as const,
            render: (_: unknown, r: Assessment['towns'][number]) => {
              const c = r.components.find((x) => x.metric === id);
              if (!c) return null;
              return (
                <Tooltip title={basisText(c)}>
                  <Link to={recordsLink(id, { period, areaId: r.areaId })} data-basis={c.basis}>
                    {formatMetric(id, {
                      value: c.value,
                      numerator: c.numerator ?? undefined,
                      denominator: c.denominator ?? undefined,
                    })}
                    {c.basis === 'district' && (
                      <Typography.Text type="secondary" style={{ marginLeft: 4, fontSize: 12 }}>
                        按上级辖区的值
                      </Typography.Text>
                    )}
                    {c.points != null && (
                      <Typography.Text type="secondary" style={{ marginLeft: 4, fontSize: 12 }}>
                        +{c.points}
                      </Typography.Text>
                    )}
                  </Link>
                </Tooltip>
              );
            },
          })),
        ]}
      />
    </div>
  );
}

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Col, List, Progress, Row, Space, Table, TreeSelect, Typography } from 'antd';
import { useState } from 'react';
import type { LedgerQuery } from '../../../shared/api/ledger';
import * as ledgerApi from '../../../shared/api/ledger';
import { createMonthlyReport, getReportFile, listReports } from '../../../shared/api/reports';
import { chinaDateTime } from '../../../shared/china-time';
import { can } from '../../../shared/roles';
import { periodLabel } from '../../../shared/schedule';
import { call, csrfToken, hrefOf } from '../../lib/api';
import { toTreeData, useAreaTree } from '../../lib/areas';
import { useSession } from '../../lib/session';
import { EmptyState } from '../common/empty-state';
import { FullNumbersModal, withReason } from '../common/full-numbers';
import { sliceQuery } from './api';
import { PeriodPicker, thisMonth } from './period-picker';

const kb = (n: number) =>
  n > 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(n / 1024)} KB`;

/**
 * Downloads a streamed file and saves it, showing the bytes received as they arrive (the server streams
 * large ledgers without a Content-Length).
 */
async function download(
  url: string,
  onBytes: (n: number) => void,
  post?: Record<string, unknown>,
): Promise<void> {
  const res = await fetch(
    url,
    post
      ? {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken() },
          body: JSON.stringify(post),
        }
      : { credentials: 'same-origin' },
  );
  if (!res.ok) {
    const body = await res.json().catch(() => ({ message: `服务器返回 ${res.status}` }));
    throw new Error(body.message);
  }
  const reader = res.body!.getReader();
  const chunks: BlobPart[] = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    n += value.length;
    onBytes(n);
  }
  const cd = res.headers.get('content-disposition') ?? '';
  const name = decodeURIComponent(/filename\*=UTF-8''([^;]+)/.exec(cd)?.[1] ?? 'download');
  const blob = new Blob(chunks, { type: res.headers.get('content-type') ?? 'application/octet-stream' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

/** 台账与报表: the visit ledger, the problem ledger, the roster, and the kept monthly reports. */
export function LedgersPage() {
  const { me } = useSession();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const areas = useAreaTree();
  const [period, setPeriod] = useState(thisMonth());
  const [areaId, setAreaId] = useState<number | undefined>();
  const [progress, setProgress] = useState<Record<string, number | 'done' | undefined>>({});
  const [askFull, setAskFull] = useState<{ key: string; title: string; url: string } | null>(null);
  const canFull = !!me && can(me.roles, 'persons.sensitive');
  const slice: LedgerQuery = { period, areaId };
  const run = async (key: string, url: string, post?: Record<string, unknown>) => {
    setProgress((p) => ({ ...p, [key]: 0 }));
    try {
      await download(url, (n) => setProgress((p) => ({ ...p, [key]: n })), post);
      setProgress((p) => ({ ...p, [key]: 'done' }));
    } catch (e) {
      setProgress((p) => ({ ...p, [key]: undefined }));
      message.error((e as Error).message);
    }
  };
  const canReports = !!me && can(me.roles, 'reports.read');
  const reports = useQuery({
    queryKey: ['reports'],
    enabled: canReports,
    queryFn: () => call(listReports, { query: { limit: 50 } }),
  });
  const generate = useMutation({
    // Generating keeps the report (POST); the kept ones are downloaded again below.
    mutationFn: () => run('monthly', hrefOf(createMonthlyReport), { period: period.slice(0, 7), areaId }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['reports'] }),
  });
  const ledgers = [
    {
      key: 'visits',
      title: '探访记录台账',
      desc: '每次探访一行，含全部检查项（与探访清单一致）；身份证号脱敏',
      url: hrefOf(ledgerApi.visitsLedger, { query: slice }),
    },
    {
      key: 'concerns',
      title: '问题整改台账',
      desc: '本期登记或本期内未办结的诉求，含办理期限、状态与督导意见；身份证号脱敏',
      url: hrefOf(ledgerApi.concernsLedger, { query: slice }),
    },
    {
      key: 'roster',
      title: '特困人员花名册',
      desc: '当前在册对象（与花名册导入格式一致）',
      url: `/api/persons/export.xlsx?${sliceQuery({ areaId })}`,
    },
  ];
  const state = (key: string) => {
    const p = progress[key];
    if (p === undefined) return null;
    if (p === 'done') return <Typography.Text type="success">已下载</Typography.Text>;
    return (
      <Space>
        <Progress type="circle" size={18} percent={99} status="active" showInfo={false} />
        <Typography.Text data-testid={`progress-${key}`}>已接收 {kb(p)}</Typography.Text>
      </Space>
    );
  };
  return (
    <div>
      <FullNumbersModal
        open={!!askFull}
        title={`导出含完整身份证号的${askFull?.title ?? ''}`}
        onOk={(reason) => {
          const a = askFull!;
          setAskFull(null);
          void run(a.key, withReason(a.url, reason));
        }}
        onCancel={() => setAskFull(null)}
      />
      <Space wrap style={{ marginBottom: 12, width: '100%', justifyContent: 'space-between' }}>
        <Typography.Title level={4} style={{ margin: 0 }}>
          台账与报表
        </Typography.Title>
        <Space wrap>
          <PeriodPicker value={period} onChange={setPeriod} />
          <TreeSelect
            style={{ minWidth: 200 }}
            allowClear
            aria-label="全部辖区"
            placeholder="全部辖区"
            treeData={toTreeData(areas.data ?? [])}
            value={areaId}
            onChange={(v) => setAreaId(v ?? undefined)}
            treeDefaultExpandAll
          />
        </Space>
      </Space>
      <Row gutter={[12, 12]}>
        <Col xs={24} lg={12}>
          <Card size="small" title={`台账（${periodLabel(period)}）`}>
            <List
              dataSource={ledgers}
              renderItem={(l) => (
                <List.Item
                  actions={[
                    <Button
                      key="dl"
                      type="primary"
                      disabled={typeof progress[l.key] === 'number'}
                      onClick={() => run(l.key, l.url)}
                    >
                      下载 Excel
                    </Button>,
                    canFull && (
                      <Button
                        key="full"
                        disabled={typeof progress[l.key] === 'number'}
                        onClick={() => setAskFull({ key: l.key, title: l.title, url: l.url })}
                      >
                        含完整号码
                      </Button>
                    ),
                  ].filter(Boolean)}
                >
                  <List.Item.Meta
                    title={l.title}
                    description={
                      <Space direction="vertical" size={0}>
                        {l.desc}
                        {state(l.key)}
                      </Space>
                    }
                  />
                </List.Item>
              )}
            />
          </Card>
        </Col>
        {canReports && (
          <Col xs={24} lg={12}>
            <Card
              size="small"
              title="探访工作月报"
              extra={
                <Button type="primary" loading={generate.isPending} onClick={() => generate.mutate()}>
                  生成 {periodLabel(period.slice(0, 7))} 月报
                </Button>
              }
            >
              <Table
                locale={{
                  emptyText: (
                    <EmptyState
                      title="还没有生成过月报"
                      hint="选择月份后点击“生成 … 月报”，生成的 PDF 会保存在这里，可随时再次下载。"
                    />
                  ),
                }}
                size="small"
                rowKey="id"
                loading={reports.isLoading}
                dataSource={reports.data?.items ?? []}
                pagination={false}
                columns={[
                  { title: '期间', render: (_: unknown, r) => periodLabel(r.period) },
                  { title: '辖区', dataIndex: 'areaName' },
                  { title: '生成时间', render: (_: unknown, r) => chinaDateTime(new Date(r.createdAt)) },
                  { title: '生成人', dataIndex: 'createdBy' },
                  { title: '大小', render: (_: unknown, r) => kb(r.size) },
                  {
                    title: '',
                    render: (_: unknown, r) => (
                      <Space>
                        <a
                          href={hrefOf(getReportFile, { params: { id: r.id }, query: { inline: '1' } })}
                          target="_blank"
                          rel="noreferrer"
                        >
                          查看
                        </a>
                        <a href={hrefOf(getReportFile, { params: { id: r.id } })}>下载</a>
                      </Space>
                    ),
                  },
                ]}
              />
            </Card>
          </Col>
        )}
      </Row>
    </div>
  );
}

import { UploadOutlined } from '@ant-design/icons';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  DatePicker,
  Modal,
  Space,
  Statistic,
  Table,
  Tag,
  TreeSelect,
  Typography,
  Upload,
} from 'antd';
import dayjs from 'dayjs';
import { useEffect, useState } from 'react';
import { urlOf } from '../../../shared/api/contract';
import {
  type PaymentCell as Cell,
  type PaymentGrid as Grid,
  getPaymentGrid,
  getPaymentsBadRows,
  getPaymentsTemplate,
  type PaymentsImportResult as ImportResult,
  importPayments,
} from '../../../shared/api/money';
import { aboveTown } from '../../../shared/areas';
import { SELF_CARE_SHORT } from '../../../shared/person';
import { AREA_LEVEL_LABELS, can } from '../../../shared/roles';
import { api, call, hrefOf } from '../../lib/api';
import { toTreeData, useAreaTree } from '../../lib/areas';
import { useSession } from '../../lib/session';
import { EmptyState } from '../common/empty-state';

const yuan = (n: number) => n.toFixed(2);
const STATE: Record<Grid['items'][number]['state'], [string, string]> = {
  paid: ['green', '已足额发放'],
  partial: ['orange', '部分发放'],
  unpaid: ['red', '未发放'],
};

function CellView({ c }: { c: Cell }) {
  if (!c.recorded && c.due === 0) return <Typography.Text type="secondary">—</Typography.Text>;
  return (
    <Space direction="vertical" size={0}>
      <span>
        {yuan(c.paid)} / {yuan(c.due)}
        {!c.recorded && <Typography.Text type="secondary">（应发标准）</Typography.Text>}
      </span>
      {c.paidOn && (
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {c.paidOn}
        </Typography.Text>
      )}
    </Space>
  );
}

/** 资金发放: the grid of one town (or village) and month, and the import of the disbursement list. */
export function PaymentsPage() {
  const { me } = useSession();
  const areas = useAreaTree();
  const [areaId, setAreaId] = useState<number>();
  const [month, setMonth] = useState(dayjs().subtract(1, 'month').format('YYYY-MM'));
  const [importing, setImporting] = useState(false);
  useEffect(() => {
    if (!areaId && areas.data?.length) {
      // The first township of the tree (a county's, or a city's first county's), else the root.
      let a = areas.data[0];
      while (aboveTown(a.level) && a.children.length) a = a.children[0];
      setAreaId(a.id);
    }
  }, [areas.data, areaId]);
  const grid = useQuery({
    queryKey: ['payments', areaId, month],
    enabled: !!areaId,
    queryFn: () => call(getPaymentGrid, { query: { areaId, month } }),
  });
  const t = grid.data?.totals;
  return (
    <div>
      <Space style={{ marginBottom: 16, justifyContent: 'space-between', width: '100%' }}>
        <Typography.Title level={4} style={{ margin: 0 }}>
          资金发放
        </Typography.Title>
        <Space>
          <TreeSelect
            aria-label="辖区"
            style={{ width: 200 }}
            treeData={toTreeData(areas.data ?? [])}
            value={areaId}
            onChange={setAreaId}
            showSearch
            treeNodeFilterProp="title"
          />
          <DatePicker
            aria-label="月份"
            picker="month"
            allowClear={false}
            value={dayjs(`${month}-01`)}
            onChange={(d) => d && setMonth(d.format('YYYY-MM'))}
          />
          <a href={hrefOf(getPaymentsTemplate)}>下载模板</a>
          {me && can(me.roles, 'money.write') && (
            <Button icon={<UploadOutlined />} onClick={() => setImporting(true)}>
              导入发放名单
            </Button>
          )}
        </Space>
      </Space>
      {t && (
        <Space size={40} style={{ marginBottom: 16 }}>
          <Statistic title="对象人数" value={t.persons} />
          <Statistic
            title="基本生活费 实发/应发"
            value={`${yuan(t.allowancePaid)} / ${yuan(t.allowanceDue)}`}
          />
          <Statistic title="照料护理费 实发/应发" value={`${yuan(t.careFeePaid)} / ${yuan(t.careFeeDue)}`} />
          <Statistic
            title="未发放"
            value={t.unpaid}
            valueStyle={{ color: t.unpaid ? '#cf1322' : undefined }}
          />
          <Statistic title="部分发放" value={t.partial} />
        </Space>
      )}
      <Table
        locale={{
          emptyText: (
            <EmptyState
              title="本期还没有资金发放记录"
              hint="这里核对每月供养金、护理费是否发放到人。点击上方“导入发放名单”上传银行或财政的发放明细。"
            />
          ),
        }}
        rowKey="personId"
        size="middle"
        loading={grid.isLoading}
        dataSource={grid.data?.items}
        pagination={{ pageSize: 50 }}
        columns={[
          { title: '姓名', dataIndex: 'name' },
          { title: '身份证号', dataIndex: 'idNumberMasked' },
          { title: AREA_LEVEL_LABELS.village, dataIndex: 'villageName' },
          { title: '自理', render: (_, r) => SELF_CARE_SHORT[r.selfCare] },
          { title: '基本生活费（实发/应发）', render: (_, r) => <CellView c={r.allowance} /> },
          { title: '照料护理费（实发/应发）', render: (_, r) => <CellView c={r.careFee} /> },
          {
            title: '状态',
            filters: Object.entries(STATE).map(([k, v]) => ({ text: v[1], value: k })),
            onFilter: (v, r) => r.state === v,
            render: (_, r) => <Tag color={STATE[r.state][0]}>{STATE[r.state][1]}</Tag>,
          },
        ]}
      />
      {importing && <ImportDialog onClose={() => setImporting(false)} />}
    </div>
  );
}

function ImportDialog({ onClose }: { onClose: () => void }) {
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [result, setResult] = useState<ImportResult | null>(null);
  const [busy, setBusy] = useState(false);
  const send = async (dryRun: boolean) => {
    if (!file) return;
    const fd = new FormData();
    fd.append('file', file);
    setBusy(true);
    try {
      // A multipart upload: the contract gives the URL and the answer's type, the body is the form.
      const r = await api<ImportResult>(
        urlOf(importPayments, { query: { dryRun: dryRun ? 'true' : 'false' } }),
        {
          method: importPayments.method,
          body: fd,
        },
      );
      setResult(r);
      if (!dryRun) {
        qc.invalidateQueries({ queryKey: ['payments'] });
        message.success(`已导入：新增 ${r.created}，更新 ${r.updated}`);
      }
    } catch (e) {
      message.error((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      open
      width={720}
      title="导入月度资金发放名单（.xlsx）"
      onCancel={onClose}
      footer={
        <Space>
          <Button onClick={onClose}>关闭</Button>
          <Button disabled={!file} loading={busy} onClick={() => send(true)}>
            检查（不写入）
          </Button>
          <Button
            type="primary"
            disabled={!file || (result !== null && !result.dryRun)}
            loading={busy}
            onClick={() => send(false)}
          >
            导入
          </Button>
        </Space>
      }
    >
      <Upload
        accept=".xlsx"
        maxCount={1}
        beforeUpload={(f) => {
          setFile(f);
          setResult(null);
          return false;
        }}
        onRemove={() => setFile(null)}
      >
        <Button icon={<UploadOutlined />}>选择文件</Button>
      </Upload>
      <Typography.Paragraph type="secondary" style={{ marginTop: 8 }}>
        须有「姓名」「身份证号码」「发放月份」列，以及「基本生活费实发」或「护理费实发」列；可选「应发」列和「发放日期」。同一人同一月份再次导入会更新。
      </Typography.Paragraph>
      {result && (
        <>
          <Alert
            type={result.rejectedCount ? 'warning' : 'success'}
            showIcon
            message={`${result.dryRun ? '检查结果' : '导入结果'}：共 ${result.total} 行，${result.dryRun ? '可新增' : '新增'} ${result.created}，${result.dryRun ? '可更新' : '更新'} ${result.updated}，未通过 ${result.rejectedCount}`}
          />
          {result.badRowsToken && (
            <Typography.Paragraph style={{ marginTop: 8 }}>
              {result.rejectedCount > result.rejected.length
                ? `下面列出前 ${result.rejected.length} 行；`
                : ''}
              <a
                href={hrefOf(getPaymentsBadRows, { params: { token: result.badRowsToken } })}
                data-testid="payments-bad-rows"
              >
                下载全部未通过的行（.xlsx，含原因）
              </a>
            </Typography.Paragraph>
          )}
          {result.rejected.length > 0 && (
            <Table
              style={{ marginTop: 12 }}
              size="small"
              rowKey={(r) => `${r.row}-${r.column}`}
              pagination={{ pageSize: 10 }}
              dataSource={result.rejected}
              columns={[
                { title: '行号', dataIndex: 'row', width: 70 },
                { title: '列', dataIndex: 'column', width: 140 },
                { title: '原因', dataIndex: 'message' },
              ]}
            />
          )}
        </>
      )}
    </Modal>
  );
}

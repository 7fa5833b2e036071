import { QuestionCircleOutlined } from '@ant-design/icons';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Badge,
  Button,
  Card,
  Checkbox,
  Form,
  Input,
  Modal,
  Select,
  Space,
  Statistic,
  Table,
  Tag,
  Tooltip,
  Typography,
} from 'antd';
import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import type { BodyOf } from '../../../shared/api/contract';
import * as incidentsApi from '../../../shared/api/incidents';
import {
  INCIDENT_ACTION_LABELS,
  INCIDENT_STATUS_LABELS,
  INCIDENT_TYPE_LABELS,
  INCIDENT_TYPES,
  type IncidentStatus,
  type IncidentType,
} from '../../../shared/incidents';
import { FIGURE_RULES, figureState, formatMetric, METRICS } from '../../../shared/metrics';
import { can, DEPARTMENT_LABELS } from '../../../shared/roles';
import { call } from '../../lib/api';
import { useSession } from '../../lib/session';
import { CaseDrawer, useCaseAction } from '../cases/case-drawer';
import { fmt, PersonPicker, TimeLeft } from './shared';

export type Incident = incidentsApi.Incident;

function useNow() {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 30000);
    return () => clearInterval(t);
  }, []);
  return now;
}

export function IncidentsPage() {
  const { me } = useSession();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const now = useNow();
  const [params, setParams] = useSearchParams();
  const [status, setStatus] = useState<IncidentStatus | undefined>('open');
  const [type, setType] = useState<IncidentType | undefined>();
  const [page, setPage] = useState(1);
  const [creating, setCreating] = useState(false);
  const openId = params.get('id') ? Number(params.get('id')) : null;
  const list = useQuery({
    queryKey: ['incidents', status, type, page],
    queryFn: () => call(incidentsApi.listIncidents, { query: { page, pageSize: 20, status, type } }),
    refetchInterval: 60000,
  });
  const reload = () => qc.invalidateQueries({ queryKey: ['incidents'] });
  const acknowledge = async (i: Incident) => {
    try {
      await call(incidentsApi.acknowledgeIncident, { params: { id: i.id }, body: {} });
      message.success('已确认');
      reload();
      qc.invalidateQueries({ queryKey: ['incident', i.id] });
    } catch (e) {
      message.error((e as Error).message);
    }
  };
  const stats = list.data?.stats;
  const liaison = me?.roles.includes('department_liaison') && me.roles.length === 1;
  return (
    <div>
      <Space style={{ marginBottom: 16, justifyContent: 'space-between', width: '100%' }} wrap>
        <Typography.Title level={4} style={{ margin: 0 }}>
          {liaison ? '本部门应急事件' : '应急处置'}
        </Typography.Title>
        <Space wrap>
          <Select
            aria-label="状态"
            style={{ width: 120 }}
            value={status ?? 'all'}
            onChange={(v) => {
              setStatus(v === 'all' ? undefined : (v as IncidentStatus));
              setPage(1);
            }}
            options={[
              { value: 'open', label: '处置中' },
              { value: 'closed', label: '已结案' },
              { value: 'all', label: '全部' },
            ]}
          />
          <Select
            style={{ width: 170 }}
            allowClear
            aria-label="事件类型"
            placeholder="事件类型"
            value={type}
            onChange={(v) => {
              setType(v);
              setPage(1);
            }}
            options={INCIDENT_TYPES.map((t) => ({ value: t, label: INCIDENT_TYPE_LABELS[t] }))}
          />
          {me && can(me.roles, 'incidents.open') && (
            <Button type="primary" danger onClick={() => setCreating(true)}>
              发起应急事件
            </Button>
          )}
        </Space>
      </Space>
      {stats && (
        <Card size="small" style={{ marginBottom: 16 }}>
          <Space size={40} wrap>
            <Statistic
              title="处置中"
              value={Object.values(stats.openByType).reduce((a, b) => a + b, 0)}
              valueStyle={{ color: '#cf1322' }}
            />
            {INCIDENT_TYPES.filter((t) => stats.openByType[t]).map((t) => (
              <Statistic key={t} title={INCIDENT_TYPE_LABELS[t]} value={stats.openByType[t]} />
            ))}
            <Statistic
              title={
                <Tooltip title={METRICS.incidentAckMedian.definition}>
                  确认用时中位数 <QuestionCircleOutlined />
                </Tooltip>
              }
              value={stats.medianAckMinutes == null ? '—' : Math.round(stats.medianAckMinutes)}
              suffix={stats.medianAckMinutes == null ? '' : '分钟'}
            />
            <Statistic
              data-testid="ack-within"
              title={
                <Tooltip
                  title={`${METRICS.incidentAckWithin.definition}。${FIGURE_RULES.none}；${FIGURE_RULES.small}。本页统计您可见的全部事件（驾驶舱按期间统计，规则相同）。`}
                >
                  按时确认率 <QuestionCircleOutlined aria-label="按时确认率的计算规则" />
                </Tooltip>
              }
              value={
                figureState('incidentAckWithin', {
                  value: stats.ackWithinShare,
                  numerator: stats.ackOnTime,
                  denominator: stats.ackCounted,
                }) === 'small'
                  ? '样本不足'
                  : formatMetric('incidentAckWithin', stats.ackWithinShare)
              }
              suffix={
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {stats.ackOnTime}/{stats.ackCounted}
                </Typography.Text>
              }
            />
          </Space>
        </Card>
      )}
      <Table<Incident>
        rowKey="id"
        size="middle"
        loading={list.isLoading}
        dataSource={list.data?.items}
        data-testid="incident-board"
        pagination={{
          current: page,
          pageSize: 20,
          total: list.data?.total,
          onChange: setPage,
          showSizeChanger: false,
        }}
        onRow={(r) => ({ onClick: () => setParams({ id: String(r.id) }), style: { cursor: 'pointer' } })}
        columns={[
          {
            title: '事件',
            render: (_, r) => (
              <Space>
                {r.critical && <Tag color="red">紧急</Tag>}
                <Typography.Text strong>{INCIDENT_TYPE_LABELS[r.type]}</Typography.Text>
              </Space>
            ),
          },
          {
            title: '对象',
            render: (_, r) => (
              <span>
                {r.person.name}
                <Typography.Text type="secondary" style={{ marginLeft: 6 }}>
                  {r.town.name} {r.village.name}
                </Typography.Text>
              </span>
            ),
          },
          { title: '情况', dataIndex: 'description', ellipsis: true },
          { title: '发起时间', render: (_, r) => fmt(r.openedAt), width: 150 },
          {
            title: '确认',
            width: 190,
            render: (_, r) =>
              r.status === 'closed' ? (
                <Tag>已结案</Tag>
              ) : (
                <Space direction="vertical" size={2}>
                  <TimeLeft until={r.ackDueAt} now={now} />
                  <span style={{ fontSize: 12 }}>
                    {r.parties.map((p) => (
                      <Badge
                        key={p.party}
                        status={p.acknowledgedAt ? 'success' : p.escalatedAt ? 'error' : 'processing'}
                        text={p.label}
                        style={{ marginRight: 8 }}
                      />
                    ))}
                  </span>
                </Space>
              ),
          },
          {
            title: '',
            width: 100,
            render: (_, r) =>
              r.myPendingParties.length > 0 ? (
                <Button
                  size="small"
                  type="primary"
                  onClick={(e) => {
                    e.stopPropagation();
                    acknowledge(r);
                  }}
                >
                  确认收到
                </Button>
              ) : null,
          },
        ]}
      />
      {openId && <IncidentDrawer id={openId} onClose={() => setParams({})} onChanged={reload} />}
      {creating && (
        <CreateIncident
          onClose={() => setCreating(false)}
          onCreated={(id) => {
            setCreating(false);
            reload();
            setParams({ id: String(id) });
          }}
        />
      )}
    </div>
  );
}

function IncidentDrawer({
  id,
  onClose,
  onChanged,
}: {
  id: number;
  onClose: () => void;
  onChanged: () => void;
}) {
  const { me } = useSession();
  const [note, setNote] = useState('');
  const { busy, act } = useCaseAction(['incident', id], onChanged);
  const q = useQuery({
    queryKey: ['incident', id],
    queryFn: () => call(incidentsApi.getIncident, { params: { id } }),
  });
  const d = q.data;
  const canManage = me && can(me.roles, 'incidents.manage');
  return (
    <CaseDrawer
      width={560}
      title={d ? `${INCIDENT_TYPE_LABELS[d.type]} · ${d.person.name}` : '应急事件'}
      onClose={onClose}
      status={
        d ? (
          <>
            <Tag color={d.status === 'open' ? 'red' : 'default'}>{INCIDENT_STATUS_LABELS[d.status]}</Tag>
            {d.critical && <Tag color="red">紧急</Tag>}
          </>
        ) : null
      }
      person={d && { id: d.person.id, name: d.person.name, place: `${d.town.name} ${d.village.name}` }}
      facts={
        d
          ? [
              { label: '情况', children: d.description || '—' },
              {
                label: '来源',
                children: (
                  <>
                    {d.source === 'visit' ? (
                      d.visitId && me && can(me.roles, 'visits.read') ? (
                        <Link to={`/visits/${d.visitId}`}>探访记录</Link>
                      ) : (
                        '探访记录'
                      )
                    ) : (
                      '手工发起'
                    )}
                    ，{d.openedBy ?? '系统'}，{fmt(d.openedAt)}
                  </>
                ),
              },
              {
                label: '通知部门',
                children: d.departments.length
                  ? d.departments.map((x) => DEPARTMENT_LABELS[x]).join('、')
                  : '—',
              },
              {
                label: '确认情况',
                children: d.parties.map((p) => (
                  <div key={p.party}>
                    <Badge
                      status={p.acknowledgedAt ? 'success' : p.escalatedAt ? 'error' : 'processing'}
                      text={`${p.label}：${
                        p.acknowledgedAt
                          ? `${p.acknowledgedBy ?? ''} ${fmt(p.acknowledgedAt)} 已确认`
                          : `时限 ${fmt(p.dueAt)}${p.escalatedAt ? '，已超时升级' : ''}`
                      }`}
                    />
                  </div>
                )),
              },
              !!d.outcome && { label: '处置结果', children: d.outcome },
            ]
          : []
      }
      banner={
        d &&
        d.myPendingParties.length > 0 && (
          <Button
            type="primary"
            block
            loading={busy}
            onClick={() =>
              act(() => call(incidentsApi.acknowledgeIncident, { params: { id }, body: {} }), '已确认')
            }
          >
            确认收到（
            {d.parties
              .filter((p) => d.myPendingParties.includes(p.party))
              .map((p) => p.label)
              .join('、')}
            ）
          </Button>
        )
      }
      timelineTitle="处置记录"
      timeline={(d?.actions ?? []).map((a) => ({ ...a, text: a.note }))}
      kindLabels={INCIDENT_ACTION_LABELS}
    >
      {d?.status === 'open' && (
        <>
          <Input.TextArea
            rows={2}
            aria-label="处置情况"
            value={note}
            onChange={(e) => setNote(e.target.value)}
            placeholder="处置情况，如：已联系派出所，正在寻找"
          />
          <Button
            disabled={!note.trim()}
            loading={busy}
            onClick={() =>
              act(
                () => call(incidentsApi.addIncidentAction, { params: { id }, body: { note } }),
                '已记录',
                setNote,
              )
            }
          >
            添加处置记录
          </Button>
          {canManage && (
            <CloseIncident
              d={d}
              busy={busy}
              onClose={(body) =>
                act(() => call(incidentsApi.closeIncident, { params: { id }, body }), '已结案')
              }
            />
          )}
        </>
      )}
    </CaseDrawer>
  );
}

/**
 * 结案: an outcome, and — while a party never acknowledged — an explicit override naming those parties
 * with a reason; a confirmation says what will happen before anything is sent (issue 25).
 */
function CloseIncident({
  d,
  busy,
  onClose,
}: {
  d: incidentsApi.IncidentDetail;
  busy: boolean;
  onClose: (body: BodyOf<typeof incidentsApi.closeIncident>) => Promise<boolean>;
}) {
  const { modal } = App.useApp();
  const [outcome, setOutcome] = useState('');
  const [reason, setReason] = useState('');
  const pending = d.parties.filter((p) => !p.acknowledgedAt);
  const names = pending.map((p) => p.label).join('、');
  const ready = outcome.trim() && (pending.length === 0 || reason.trim());
  const confirm = () =>
    modal.confirm({
      title: '确认结案？',
      okText: '结案',
      okButtonProps: { danger: true },
      cancelText: '取消',
      content: (
        <div data-testid="close-confirm">
          <p>结案后事件不能再添加处置记录，处置结果：「{outcome.trim()}」。</p>
          {pending.length > 0 && (
            <p>
              {names}尚未确认收到，将记为未经确认结案，原因：「{reason.trim()}」。
            </p>
          )}
        </div>
      ),
      onOk: async () => {
        const ok = await onClose({
          outcome,
          override: pending.length ? { parties: pending.map((p) => p.party), reason } : undefined,
        });
        if (ok) {
          setOutcome('');
          setReason('');
        }
      },
    });
  return (
    <Card size="small" title="结案">
      <Space direction="vertical" style={{ width: '100%' }}>
        <Input.TextArea
          rows={2}
          aria-label="处置结果"
          value={outcome}
          onChange={(e) => setOutcome(e.target.value)}
          placeholder="处置结果（必填），如：已找到，身体无碍"
        />
        {pending.length > 0 && (
          <>
            <Alert
              type="warning"
              showIcon
              message={`${names}尚未确认收到。仍要结案须说明原因，记入处置记录。`}
            />
            <Input.TextArea
              rows={2}
              aria-label="未经确认结案的原因"
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              placeholder={`未经${names}确认即结案的原因（必填）`}
            />
          </>
        )}
        <Button danger disabled={!ready} loading={busy} onClick={confirm}>
          结案
        </Button>
      </Space>
    </Card>
  );
}

function CreateIncident({ onClose, onCreated }: { onClose: () => void; onCreated: (id: number) => void }) {
  const { message } = App.useApp();
  const [form] = Form.useForm();
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    const v = await form.validateFields();
    if (!v.critical) delete v.critical;
    setBusy(true);
    try {
      const r = await call(incidentsApi.createIncident, { body: v });
      message.success('已发起，已通知镇街、民政局和相关部门');
      onCreated(r.id);
    } catch (e) {
      message.error((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      open
      title="发起应急事件"
      onCancel={onClose}
      onOk={submit}
      confirmLoading={busy}
      okText="发起"
      okButtonProps={{ danger: true }}
    >
      <Form form={form} layout="vertical">
        <Form.Item name="personId" label="对象" rules={[{ required: true, message: '请选择对象' }]}>
          <PersonPicker />
        </Form.Item>
        <Form.Item name="type" label="事件类型" rules={[{ required: true, message: '请选择事件类型' }]}>
          <Select options={INCIDENT_TYPES.map((t) => ({ value: t, label: INCIDENT_TYPE_LABELS[t] }))} />
        </Form.Item>
        <Form.Item name="description" label="情况说明">
          <Input.TextArea rows={3} maxLength={2000} />
        </Form.Item>
        <Form.Item name="critical" valuePropName="checked">
          <Checkbox>紧急（24 小时内回访；不勾选则按类型默认）</Checkbox>
        </Form.Item>
      </Form>
    </Modal>
  );
}

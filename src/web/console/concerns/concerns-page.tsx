import { useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  Card,
  DatePicker,
  Form,
  Input,
  Modal,
  Popconfirm,
  Radio,
  Select,
  Space,
  Switch,
  Table,
  Tag,
  Typography,
  Upload,
} from 'antd';
import dayjs from 'dayjs';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import * as concernsApi from '../../../shared/api/concerns';
import type { BodyOf } from '../../../shared/api/contract';
import { REQUEST_CATEGORIES, REQUEST_CATEGORY_LABELS } from '../../../shared/checklist';
import {
  CONCERN_HANDLING_LABELS,
  CONCERN_OWNER_LABELS,
  CONCERN_SOURCE_LABELS,
  CONCERN_STATUS_LABELS,
  CONCERN_STATUSES,
  type ConcernStatus,
} from '../../../shared/incidents';
import { can } from '../../../shared/roles';
import { call as callApi, hrefOf } from '../../lib/api';
import { useSession } from '../../lib/session';
import { CaseDrawer, useCaseAction } from '../cases/case-drawer';
import { fmt, PersonPicker } from '../incidents/shared';

type Concern = concernsApi.Concern;

const STATUS_COLORS: Record<ConcernStatus, string> = {
  open: 'orange',
  in_progress: 'blue',
  resolved: 'cyan',
  verified: 'green',
};
const ENTRY_LABELS: Record<string, string> = {
  created: '登记',
  status: '状态',
  comment: '留言',
  supervision: '督导意见',
  escalated: '逾期升级',
  verified: '核验通过',
  reopened: '退回整改',
  file: '证明材料',
  deadline: '调整期限',
  deadline_requested: '申请延期',
  deadline_approved: '批准延期',
  deadline_refused: '不批准延期',
};
const categoryLabel = (c: string) => REQUEST_CATEGORY_LABELS[c as keyof typeof REQUEST_CATEGORY_LABELS] ?? c;

export function DeadlineTag({
  c,
}: {
  c: Pick<Concern, 'deadline' | 'daysLeft' | 'overdue' | 'handling' | 'status'>;
}) {
  if (c.handling === 'immediate') return <Tag>立行立改</Tag>;
  if (!c.deadline) return null;
  if (c.overdue)
    return (
      <Tag color="red">
        已逾期 {-(c.daysLeft ?? 0)} 天（{c.deadline}）
      </Tag>
    );
  if (c.daysLeft == null) return <Typography.Text type="secondary">{c.deadline}</Typography.Text>;
  return (
    <Tag color={c.daysLeft <= 3 ? 'orange' : 'default'}>
      剩 {c.daysLeft} 天（{c.deadline}）
    </Tag>
  );
}

export function ConcernsPage() {
  const { me } = useSession();
  const qc = useQueryClient();
  const [params, setParams] = useSearchParams();
  const [status, setStatus] = useState<ConcernStatus | undefined>();
  const [overdue, setOverdue] = useState(false);
  const [category, setCategory] = useState<string | undefined>();
  const [page, setPage] = useState(1);
  const [creating, setCreating] = useState(false);
  const openId = params.get('id') ? Number(params.get('id')) : null;
  const list = useQuery({
    queryKey: ['concerns', status, overdue, category, page],
    queryFn: () =>
      callApi(concernsApi.listConcerns, {
        query: { page, pageSize: 20, status, category, overdue: overdue ? '1' : undefined },
      }),
  });
  const reload = () => qc.invalidateQueries({ queryKey: ['concerns'] });
  return (
    <div>
      <Space style={{ marginBottom: 16, justifyContent: 'space-between', width: '100%' }} wrap>
        <Typography.Title level={4} style={{ margin: 0 }}>
          诉求与整改
        </Typography.Title>
        <Space wrap>
          <Select
            style={{ width: 150 }}
            allowClear
            aria-label="状态"
            placeholder="状态"
            value={status}
            onChange={(v) => {
              setStatus(v);
              setPage(1);
            }}
            options={CONCERN_STATUSES.map((s) => ({ value: s, label: CONCERN_STATUS_LABELS[s] }))}
          />
          <Select
            style={{ width: 130 }}
            allowClear
            aria-label="类别"
            placeholder="类别"
            value={category}
            onChange={(v) => {
              setCategory(v);
              setPage(1);
            }}
            options={REQUEST_CATEGORIES.map((c) => ({ value: c, label: REQUEST_CATEGORY_LABELS[c] }))}
          />
          <span>
            只看逾期{' '}
            <Switch
              size="small"
              aria-label="只看逾期"
              checked={overdue}
              onChange={(v) => {
                setOverdue(v);
                setPage(1);
              }}
            />
          </span>
          {me && can(me.roles, 'concerns.open') && (
            <Button type="primary" onClick={() => setCreating(true)}>
              登记诉求/问题
            </Button>
          )}
        </Space>
      </Space>
      <Table<Concern>
        rowKey="id"
        size="middle"
        loading={list.isLoading}
        dataSource={list.data?.items}
        data-testid="concern-list"
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
            title: '类别',
            width: 110,
            render: (_, r) => <Tag>{categoryLabel(r.category)}</Tag>,
          },
          { title: '内容', dataIndex: 'description', ellipsis: true },
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
          { title: '来源', width: 110, render: (_, r) => CONCERN_SOURCE_LABELS[r.source] },
          {
            title: '状态',
            width: 130,
            render: (_, r) => (
              <Space size={2}>
                <Tag color={STATUS_COLORS[r.status]}>{CONCERN_STATUS_LABELS[r.status]}</Tag>
                {r.escalated && <Tag color="red">已升级</Tag>}
              </Space>
            ),
          },
          { title: '期限', width: 200, render: (_, r) => <DeadlineTag c={r} /> },
        ]}
      />
      {openId && <ConcernDrawer id={openId} onClose={() => setParams({})} onChanged={reload} />}
      {creating && (
        <CreateConcern
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

function ConcernDrawer({
  id,
  onClose,
  onChanged,
}: {
  id: number;
  onClose: () => void;
  onChanged: () => void;
}) {
  const { me } = useSession();
  const qc = useQueryClient();
  // One state per text: typing in 整改情况 must not fill 留言, and an upload or a deadline change
  // (which reload the record) must not wipe what was typed in either (issue 25).
  const [resolution, setResolution] = useState('');
  const [comment, setComment] = useState('');
  const [verifyNote, setVerifyNote] = useState('');
  const [decisionNote, setDecisionNote] = useState('');
  const [asking, setAsking] = useState(false);
  const { busy, act } = useCaseAction(['concern', id], onChanged);
  const q = useQuery({
    queryKey: ['concern', id],
    queryFn: () => callApi(concernsApi.getConcern, { params: { id } }),
  });
  const d = q.data;
  const patch = (
    body: Omit<BodyOf<typeof concernsApi.updateConcern>, 'version'>,
    ok: string,
    clear?: (v: string) => void,
  ) =>
    act(
      () => callApi(concernsApi.updateConcern, { params: { id }, body: { version: d!.version, ...body } }),
      ok,
      clear,
    );
  const handle = me && can(me.roles, 'concerns.handle');
  const verify = me && can(me.roles, 'concerns.verify');
  const upload = async (file: File) => {
    const data = await new Promise<string>((resolve, reject) => {
      const r = new FileReader();
      r.onload = () => resolve(String(r.result).split(',')[1] ?? '');
      r.onerror = () => reject(r.error);
      r.readAsDataURL(file);
    });
    await act(
      () =>
        callApi(concernsApi.uploadConcernFile, {
          params: { id },
          body: { name: file.name, mime: file.type, data },
        }),
      '已上传证明材料',
    );
    return false;
  };
  const pending = d?.deadlineChanges.find((r) => r.status === 'pending');
  const open = d && (d.status === 'open' || d.status === 'in_progress');
  return (
    <CaseDrawer
      title={d ? `${categoryLabel(d.category)} · ${d.person.name}` : '诉求/问题'}
      onClose={onClose}
      status={
        d ? (
          <>
            <Tag color={STATUS_COLORS[d.status]}>{CONCERN_STATUS_LABELS[d.status]}</Tag>
            {d.escalated && <Tag color="red">已升级至民政局</Tag>}
            {d.reopenedCount > 0 && <Tag>退回 {d.reopenedCount} 次</Tag>}
          </>
        ) : null
      }
      person={d && { id: d.person.id, name: d.person.name, place: `${d.town.name} ${d.village.name}` }}
      facts={
        d
          ? [
              { label: '内容', children: d.description },
              {
                label: '来源',
                children: (
                  <>
                    {CONCERN_SOURCE_LABELS[d.source]}
                    {d.visitId && (
                      <>
                        {' '}
                        · <Link to={`/visits/${d.visitId}`}>查看探访</Link>
                      </>
                    )}
                    ，{d.createdBy ?? '系统'}，{fmt(d.createdAt)}
                  </>
                ),
              },
              {
                label: '处理',
                children: (
                  <>
                    {CONCERN_HANDLING_LABELS[d.handling]} · 责任方 {CONCERN_OWNER_LABELS[d.owner]} ·{' '}
                    <DeadlineTag c={d} />
                  </>
                ),
              },
              !!d.resolution && { label: '整改情况', children: d.resolution },
              {
                label: '证明材料',
                children:
                  d.files.length === 0
                    ? '—'
                    : d.files.map((f) => (
                        <div key={f.id}>
                          <a
                            href={hrefOf(concernsApi.getConcernFile, { params: { id: d.id, fileId: f.id } })}
                            target="_blank"
                            rel="noreferrer"
                          >
                            {f.name}
                          </a>{' '}
                          <Typography.Text type="secondary">{Math.ceil(f.size / 1024)} KB</Typography.Text>
                        </div>
                      )),
              },
            ]
          : []
      }
      banner={
        d &&
        pending && (
          <Alert
            type="warning"
            showIcon
            data-testid="deadline-request"
            message={`延期申请待区民政局审批：${pending.oldDeadline ?? '无'} → ${pending.newDeadline}`}
            description={
              <div>
                <div>
                  原因：{pending.reason}（{pending.requestedBy ?? ''}，{fmt(pending.requestedAt)}）
                </div>
                <div>批准前原期限{d.escalated ? '和升级状态' : ''}不变。</div>
                {verify && (
                  <Space direction="vertical" style={{ width: '100%', marginTop: 8 }}>
                    <Input.TextArea
                      rows={2}
                      aria-label="审批意见"
                      value={decisionNote}
                      onChange={(e) => setDecisionNote(e.target.value)}
                      placeholder="审批意见（不批准时必填）"
                    />
                    <Space>
                      <Popconfirm
                        title={`批准后整改期限改为 ${pending.newDeadline}${d.escalated ? '，撤销升级' : ''}。确定批准？`}
                        okText="批准"
                        cancelText="取消"
                        onConfirm={() =>
                          act(
                            () =>
                              callApi(concernsApi.decideConcernDeadline, {
                                params: { id, requestId: pending.id },
                                body: { approve: true, note: decisionNote.trim() || undefined },
                              }),
                            '已批准延期',
                            setDecisionNote,
                          )
                        }
                      >
                        <Button type="primary" loading={busy}>
                          批准延期
                        </Button>
                      </Popconfirm>
                      <Button
                        danger
                        disabled={!decisionNote.trim()}
                        loading={busy}
                        onClick={() =>
                          act(
                            () =>
                              callApi(concernsApi.decideConcernDeadline, {
                                params: { id, requestId: pending.id },
                                body: { approve: false, note: decisionNote },
                              }),
                            '已不批准，原期限不变',
                            setDecisionNote,
                          )
                        }
                      >
                        不批准
                      </Button>
                    </Space>
                  </Space>
                )}
              </div>
            }
          />
        )
      }
      timeline={(d?.entries ?? []).map((e) => ({ ...e, text: e.body }))}
      kindLabels={ENTRY_LABELS}
    >
      {d && (
        <>
          {handle && open && (
            <Card size="small" title="整改">
              <Space direction="vertical" style={{ width: '100%' }}>
                {d.status === 'open' && (
                  <Button loading={busy} onClick={() => patch({ status: 'in_progress' }, '已开始整改')}>
                    开始整改
                  </Button>
                )}
                <Space wrap>
                  <span>整改期限</span>
                  {d.deadlineNeedsApproval ? (
                    <>
                      <Typography.Text>{d.deadline}</Typography.Text>
                      <Button disabled={!!pending} onClick={() => setAsking(true)}>
                        {pending ? '延期申请审批中' : '申请延期'}
                      </Button>
                    </>
                  ) : (
                    <DatePicker
                      aria-label="整改期限"
                      value={d.deadline ? dayjs(d.deadline) : null}
                      disabled={d.handling === 'immediate'}
                      onChange={(v) => v && patch({ deadline: v.format('YYYY-MM-DD') }, '已调整期限')}
                    />
                  )}
                  <Upload beforeUpload={upload} showUploadList={false} accept="image/*,application/pdf">
                    <Button>上传证明材料</Button>
                  </Upload>
                </Space>
                <Input.TextArea
                  rows={2}
                  aria-label="整改情况"
                  value={resolution}
                  onChange={(e) => setResolution(e.target.value)}
                  placeholder="整改情况（标记已整改时必填）"
                />
                <Button
                  type="primary"
                  disabled={!resolution.trim()}
                  loading={busy}
                  onClick={() =>
                    patch({ status: 'resolved', resolution }, '已标记整改，等待民政局核验', setResolution)
                  }
                >
                  标记已整改
                </Button>
              </Space>
            </Card>
          )}
          {verify && d.status === 'resolved' && (
            <Card size="small" title="民政局核验">
              <Input.TextArea
                rows={2}
                aria-label="核验意见"
                value={verifyNote}
                onChange={(e) => setVerifyNote(e.target.value)}
                placeholder="核验意见（退回时必填）"
              />
              <Space style={{ marginTop: 8 }}>
                <Popconfirm
                  title="核验通过后该问题办结，不能再修改或上传材料。确定核验通过？"
                  okText="核验通过"
                  cancelText="取消"
                  onConfirm={() =>
                    act(
                      () =>
                        callApi(concernsApi.verifyConcern, {
                          params: { id },
                          body: { approve: true, comment: verifyNote || undefined },
                        }),
                      '已核验',
                      setVerifyNote,
                    )
                  }
                >
                  <Button type="primary" loading={busy}>
                    核验通过
                  </Button>
                </Popconfirm>
                <Button
                  danger
                  disabled={!verifyNote.trim()}
                  loading={busy}
                  onClick={() =>
                    act(
                      () =>
                        callApi(concernsApi.verifyConcern, {
                          params: { id },
                          body: { approve: false, comment: verifyNote },
                        }),
                      '已退回',
                      setVerifyNote,
                    )
                  }
                >
                  退回重新整改
                </Button>
              </Space>
            </Card>
          )}
          {(verify || handle) && d.status !== 'resolved' && (
            <Card size="small" title={verify ? '督导意见' : '留言'}>
              <Input.TextArea
                rows={2}
                aria-label={verify ? '督导意见' : '留言'}
                value={comment}
                onChange={(e) => setComment(e.target.value)}
              />
              <Button
                style={{ marginTop: 8 }}
                disabled={!comment.trim()}
                loading={busy}
                onClick={() =>
                  act(
                    () => callApi(concernsApi.commentConcern, { params: { id }, body: { body: comment } }),
                    '已提交',
                    setComment,
                  )
                }
              >
                提交
              </Button>
            </Card>
          )}
        </>
      )}
      {d && asking && (
        <DeadlineRequest
          concern={d}
          onClose={() => setAsking(false)}
          onDone={() => {
            setAsking(false);
            qc.invalidateQueries({ queryKey: ['concern', id] });
            onChanged();
          }}
        />
      )}
    </CaseDrawer>
  );
}

/** The town asks the bureau to move an overdue or escalated deadline: a new date and a reason. */
function DeadlineRequest({
  concern: d,
  onClose,
  onDone,
}: {
  concern: concernsApi.ConcernDetail;
  onClose: () => void;
  onDone: () => void;
}) {
  const { message } = App.useApp();
  const [form] = Form.useForm<{ deadline: dayjs.Dayjs; reason: string }>();
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    const v = await form.validateFields();
    setBusy(true);
    try {
      await callApi(concernsApi.requestConcernDeadline, {
        params: { id: d.id },
        body: { deadline: v.deadline.format('YYYY-MM-DD'), reason: v.reason, version: d.version },
      });
      message.success('已提交延期申请，等待区民政局审批');
      onDone();
    } catch (e) {
      message.error((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal open title="申请延期" onCancel={onClose} onOk={submit} confirmLoading={busy} okText="提交申请">
      <Typography.Paragraph type="secondary">
        该问题{d.escalated ? '已升级至民政局' : '已逾期'}（原期限 {d.deadline}
        ）。延期须说明原因，经区民政局批准后生效； 批准前原期限和升级状态不变。
      </Typography.Paragraph>
      <Form form={form} layout="vertical">
        <Form.Item
          name="deadline"
          label="新的整改期限"
          rules={[{ required: true, message: '请选择新的期限' }]}
        >
          <DatePicker disabledDate={(x) => x.isBefore(dayjs(), 'day')} />
        </Form.Item>
        <Form.Item
          name="reason"
          label="延期原因"
          rules={[{ required: true, whitespace: true, message: '请填写延期原因' }]}
        >
          <Input.TextArea rows={3} maxLength={2000} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function CreateConcern({ onClose, onCreated }: { onClose: () => void; onCreated: (id: number) => void }) {
  const { message } = App.useApp();
  const [form] = Form.useForm();
  const [busy, setBusy] = useState(false);
  const handling = Form.useWatch('handling', form);
  const submit = async () => {
    const v = await form.validateFields();
    setBusy(true);
    try {
      const r = await callApi(concernsApi.createConcern, {
        body: { ...v, deadline: v.deadline ? v.deadline.format('YYYY-MM-DD') : undefined },
      });
      message.success('已登记');
      onCreated(r.id);
    } catch (e) {
      message.error((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal open title="登记诉求/问题" onCancel={onClose} onOk={submit} confirmLoading={busy} okText="登记">
      <Form form={form} layout="vertical" initialValues={{ handling: 'time_limited', owner: 'town' }}>
        <Form.Item name="personId" label="对象" rules={[{ required: true, message: '请选择对象' }]}>
          <PersonPicker />
        </Form.Item>
        <Form.Item name="category" label="类别" rules={[{ required: true, message: '请选择类别' }]}>
          <Select
            options={REQUEST_CATEGORIES.map((c) => ({ value: c, label: REQUEST_CATEGORY_LABELS[c] }))}
          />
        </Form.Item>
        <Form.Item name="description" label="描述" rules={[{ required: true, message: '请填写描述' }]}>
          <Input.TextArea rows={3} maxLength={2000} />
        </Form.Item>
        <Form.Item name="handling" label="处理方式">
          <Radio.Group
            options={[
              { value: 'time_limited', label: '限期整改' },
              { value: 'immediate', label: '立行立改' },
            ]}
          />
        </Form.Item>
        {handling === 'immediate' ? (
          <Form.Item
            name="resolution"
            label="整改情况"
            rules={[{ required: true, message: '立行立改须填写整改情况' }]}
          >
            <Input.TextArea rows={2} />
          </Form.Item>
        ) : (
          <Form.Item name="deadline" label="整改期限（默认 15 天）">
            <DatePicker />
          </Form.Item>
        )}
        <Form.Item name="owner" label="责任方">
          <Radio.Group
            options={[
              { value: 'town', label: '镇街' },
              { value: 'village', label: '村居' },
            ]}
          />
        </Form.Item>
      </Form>
    </Modal>
  );
}

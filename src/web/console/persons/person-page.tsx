import { ArrowLeftOutlined } from '@ant-design/icons';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  DatePicker,
  Form,
  Input,
  Modal,
  Result,
  Select,
  Space,
  Spin,
  Tabs,
  Typography,
} from 'antd';
import dayjs from 'dayjs';
import { useState } from 'react';
import { useNavigate, useParams, useSearchParams } from 'react-router';
import * as personsApi from '../../../shared/api/persons';
import { getPersonDossier } from '../../../shared/api/reports';
import { END_REASON_LABELS, END_REASONS, type PersonStatus, SELF_CARE_LABELS } from '../../../shared/person';
import { can } from '../../../shared/roles';
import { call, hrefOf } from '../../lib/api';
import { useSession } from '../../lib/session';
import { PersonFormModal } from './person-form';
import { PERSON_TABS } from './person-tabs';
import { FlagTags, StatusTag, TierTag } from './tags';

export function PersonPage() {
  const { id } = useParams();
  const { me } = useSession();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const [params, setParams] = useSearchParams();
  const [editing, setEditing] = useState(false);
  const [statusAction, setStatusAction] = useState<PersonStatus | null>(null);
  const q = useQuery({
    queryKey: ['person', id],
    queryFn: () => call(personsApi.getPerson, { params: { id } }),
  });
  const reload = () => {
    qc.invalidateQueries({ queryKey: ['person', id] });
    qc.invalidateQueries({ queryKey: ['person-timeline', Number(id)] });
    qc.invalidateQueries({ queryKey: ['persons'] });
  };
  if (q.isLoading) return <Spin />;
  if (q.error || !q.data)
    return <Result status="404" title="对象不存在或不在您的辖区内" subTitle={(q.error as Error)?.message} />;
  const p = q.data;
  const tabs = PERSON_TABS.filter((t) => !t.permission || (me && can(me.roles, t.permission))).sort(
    (a, b) => a.order - b.order,
  );
  return (
    <div>
      <Space style={{ marginBottom: 12, justifyContent: 'space-between', width: '100%' }} wrap>
        <Space wrap>
          <Button icon={<ArrowLeftOutlined />} type="text" onClick={() => navigate(-1)} />
          <Typography.Title level={4} style={{ margin: 0 }} data-testid="person-name">
            {p.name}
          </Typography.Title>
          <StatusTag status={p.status} />
          <TierTag tier={p.tier} />
          <span>{SELF_CARE_LABELS[p.selfCare]}</span>
          <FlagTags flags={p.flags} />
          <Button
            size="small"
            href={hrefOf(getPersonDossier, { params: { id: p.id }, query: { inline: '1' } })}
            target="_blank"
          >
            打印档案（PDF）
          </Button>
        </Space>
        {p.canWrite && (
          <Space>
            <Button onClick={() => setEditing(true)}>修改档案</Button>
            {p.status === 'active' && <Button onClick={() => setStatusAction('paused')}>暂停供养</Button>}
            {p.status !== 'active' && <Button onClick={() => setStatusAction('active')}>恢复供养</Button>}
            {p.status !== 'ended' && (
              <Button danger onClick={() => setStatusAction('ended')}>
                终止供养
              </Button>
            )}
          </Space>
        )}
      </Space>
      <Tabs
        activeKey={params.get('tab') ?? tabs[0]?.key}
        onChange={(k) => setParams({ tab: k }, { replace: true })}
        items={tabs.map((t) => ({ key: t.key, label: t.label, children: t.render(p, reload) }))}
      />
      <PersonFormModal
        open={editing}
        person={p}
        onClose={() => setEditing(false)}
        onSaved={() => {
          setEditing(false);
          reload();
        }}
      />
      <StatusModal person={p} action={statusAction} onClose={() => setStatusAction(null)} onDone={reload} />
    </div>
  );
}

const TITLES: Record<PersonStatus, string> = { paused: '暂停供养', ended: '终止供养', active: '恢复供养' };

function StatusModal(props: {
  person: personsApi.PersonFile;
  action: PersonStatus | null;
  onClose: () => void;
  onDone: () => void;
}) {
  const { message } = App.useApp();
  const [form] = Form.useForm();
  const [busy, setBusy] = useState(false);
  const a = props.action;
  const submit = async () => {
    const v = await form.validateFields();
    setBusy(true);
    try {
      await call(personsApi.changePersonStatus, {
        params: { id: props.person.id },
        body: {
          version: props.person.version,
          status: a!,
          effectiveOn: v.effectiveOn.format('YYYY-MM-DD'),
          reason: v.reason || null,
          endReason: v.endReason,
          until: v.until ? v.until.format('YYYY-MM-DD') : null,
        },
      });
      message.success(`已${TITLES[a!]}`);
      props.onClose();
      props.onDone();
    } catch (e) {
      message.error((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      title={a ? `${TITLES[a]}：${props.person.name}` : ''}
      open={!!a}
      onCancel={props.onClose}
      onOk={submit}
      okButtonProps={{ loading: busy, danger: a === 'ended' }}
      okText={a === 'ended' ? '确认终止' : a === 'paused' ? '确认暂停' : '确认恢复'}
      destroyOnHidden
    >
      {a !== 'active' && a && (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 12 }}
          data-testid="status-consequence"
          title={
            a === 'ended'
              ? `终止后，${props.person.name}的探访责任人和备用探访人解除，未完成的探访任务取消，不再生成新任务。`
              : `暂停期间，${props.person.name}未完成的探访任务取消，不生成新任务；恢复供养后重新安排。`
          }
        />
      )}
      <Form form={form} layout="vertical" preserve={false} initialValues={{ effectiveOn: dayjs() }}>
        <Form.Item name="effectiveOn" label="生效日期" rules={[{ required: true, message: '请选择日期' }]}>
          <DatePicker />
        </Form.Item>
        {a === 'ended' && (
          <Form.Item
            name="endReason"
            label="终止原因（认定办法第二十四条）"
            rules={[{ required: true, message: '请选择终止原因' }]}
          >
            <Select options={END_REASONS.map((r) => ({ value: r, label: END_REASON_LABELS[r] }))} />
          </Form.Item>
        )}
        {a === 'paused' && (
          <Form.Item name="until" label="预计恢复日期（可不填）">
            <DatePicker />
          </Form.Item>
        )}
        <Form.Item
          name="reason"
          label={a === 'paused' ? '暂停原因' : '说明'}
          rules={a === 'paused' ? [{ required: true, message: '请填写暂停原因' }] : []}
        >
          <Input.TextArea rows={2} maxLength={personsApi.PERSON_LIMITS.statusReason} />
        </Form.Item>
        <Typography.Text type="secondary">
          {a === 'active' ? '恢复后请确认探访责任人。' : '生效日期起的未完成探访任务将被取消。'}
        </Typography.Text>
      </Form>
    </Modal>
  );
}

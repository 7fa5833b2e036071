import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import {
  App,
  Button,
  DatePicker,
  Descriptions,
  Empty,
  Form,
  Input,
  Select,
  Space,
  Table,
  Tag,
  Timeline,
  Typography,
} from 'antd';
import dayjs from 'dayjs';
import { useState } from 'react';
import type { PersonFile } from '../../../shared/api/persons';
import * as personsApi from '../../../shared/api/persons';
import { chinaDateTime } from '../../../shared/china-time';
import {
  BENEFIT_CARD_LABELS,
  END_REASON_LABELS,
  SELF_CARE_INDICATORS,
  SELF_CARE_LABELS,
  type SelfCareIndicators,
} from '../../../shared/person';
import { call } from '../../lib/api';
import { IndicatorsInput } from './person-form';
import { ReassignModal } from './persons-page';
import { FlagTags } from './tags';

/** The file itself; the full ID number and phone come on request (the server audits each reveal). */
export function FileTab({ person: p }: { person: PersonFile }) {
  const [full, setFull] = useState<{ idNumber: string | null; phone: string | null } | null>(null);
  const { message } = App.useApp();
  const reveal = async () => {
    try {
      setFull(await call(personsApi.revealPersonSensitive, { params: { id: p.id } }));
    } catch (e) {
      message.error((e as Error).message);
    }
  };
  const canReveal = p.canRevealIdNumber || p.phoneMasked;
  return (
    <Descriptions bordered size="small" column={2} styles={{ label: { width: 140 } }}>
      <Descriptions.Item label="姓名">{p.name}</Descriptions.Item>
      <Descriptions.Item label="身份证号码">
        <code data-testid="id-number">{full?.idNumber ?? p.idNumberMasked}</code>
        {!full && canReveal && (
          <Button size="small" type="link" onClick={reveal} data-testid="reveal-sensitive">
            {p.canRevealIdNumber ? '查看完整号码' : '查看电话'}
          </Button>
        )}
      </Descriptions.Item>
      <Descriptions.Item label="性别 / 出生日期">
        {p.sex === 'male' ? '男' : '女'} · {p.birthDate}（{p.age} 岁）
      </Descriptions.Item>
      <Descriptions.Item label="民族">{p.ethnicity ?? '—'}</Descriptions.Item>
      <Descriptions.Item label="联系电话">{full?.phone ?? p.phoneMasked ?? '—'}</Descriptions.Item>
      <Descriptions.Item label="辖区">
        {p.townName} · {p.villageName}
      </Descriptions.Item>
      <Descriptions.Item label="户籍地址">{p.registeredAddress ?? '—'}</Descriptions.Item>
      <Descriptions.Item label="现居住地址">{p.currentAddress ?? '—'}</Descriptions.Item>
      <Descriptions.Item label="供养开始日期">{p.supportStart}</Descriptions.Item>
      <Descriptions.Item label="供养证编号">{p.certificateNo ?? '—'}</Descriptions.Item>
      <Descriptions.Item label="生活自理能力">{SELF_CARE_LABELS[p.selfCare]}</Descriptions.Item>
      <Descriptions.Item label="标识">
        <FlagTags flags={p.flags} />
        {p.flagNote}
      </Descriptions.Item>
      <Descriptions.Item label="一卡通">
        {BENEFIT_CARD_LABELS[p.benefitCard]}
        {p.benefitCard === 'custodian' &&
          `：${p.cardCustodian ?? ''}${p.cardCustodianReason ? `（${p.cardCustodianReason}）` : ''}`}
      </Descriptions.Item>
      <Descriptions.Item label="探访责任人">
        {p.visitorName ?? <Tag color="red">未指定</Tag>}
      </Descriptions.Item>
      <Descriptions.Item label="供养状态" span={2}>
        {p.status === 'active' && '在册'}
        {p.status === 'paused' &&
          `暂停：${p.statusReason ?? ''}（自 ${p.statusSince}${p.pausedUntil ? ` 至 ${p.pausedUntil}` : ''}）`}
        {p.status === 'ended' &&
          `终止：${p.endReason ? END_REASON_LABELS[p.endReason] : ''}${p.statusReason ? `（${p.statusReason}）` : ''}（自 ${p.statusSince}）`}
      </Descriptions.Item>
      <Descriptions.Item label="备注" span={2}>
        {p.note ?? '—'}
      </Descriptions.Item>
    </Descriptions>
  );
}

export function TimelineTab({ person }: { person: PersonFile }) {
  const q = useInfiniteQuery({
    queryKey: ['person-timeline', person.id, person.version],
    initialPageParam: null as number | null,
    queryFn: ({ pageParam }) =>
      call(personsApi.getPersonTimeline, {
        params: { id: person.id },
        query: { limit: 50, before: pageParam ?? undefined },
      }),
    getNextPageParam: (last) => (last.items.length === 50 ? last.items[49].id : null),
  });
  const items = q.data?.pages.flatMap((p) => p.items) ?? [];
  if (!q.isLoading && items.length === 0) return <Empty description="暂无记录" />;
  return (
    <div data-testid="timeline">
      <Timeline
        items={items.map((e) => ({
          color: e.kind.startsWith('status.ended') ? 'gray' : e.kind.startsWith('status') ? 'orange' : 'blue',
          children: (
            <div>
              <div>{e.title}</div>
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {chinaDateTime(new Date(e.at))}
                {e.actorName ? ` · ${e.actorName}` : ''}
              </Typography.Text>
            </div>
          ),
        }))}
      />
      {q.hasNextPage && <Button onClick={() => q.fetchNextPage()}>更早的记录</Button>}
    </div>
  );
}

export function AssessmentsTab({ person, reload }: { person: PersonFile; reload: () => void }) {
  const { message } = App.useApp();
  const [form] = Form.useForm();
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    const v = await form.validateFields();
    setBusy(true);
    try {
      const r = await call(personsApi.addAssessment, {
        params: { id: person.id },
        body: {
          assessedOn: v.assessedOn.format('YYYY-MM-DD'),
          indicators: v.indicators,
          assessorName: v.assessorName || null,
          note: v.note || null,
        },
      });
      message.success(
        `已记录：${SELF_CARE_LABELS[r.level]}${r.current ? '' : '（早于最近一次评估，不改变当前等级）'}`,
      );
      form.resetFields();
      reload();
    } catch (e) {
      message.error((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div>
      {person.canWrite && person.status !== 'ended' && (
        <Form
          form={form}
          layout="vertical"
          style={{ maxWidth: 760, marginBottom: 24 }}
          initialValues={{
            assessedOn: dayjs(),
            indicators: Object.fromEntries(
              SELF_CARE_INDICATORS.map((i) => [i.key, true]),
            ) as SelfCareIndicators,
          }}
          data-testid="assessment-form"
        >
          <Typography.Title level={5}>新的评估（认定办法第二十一、二十二条）</Typography.Title>
          <Form.Item name="indicators" label="六项指标">
            <IndicatorsInput />
          </Form.Item>
          <Space wrap>
            <Form.Item name="assessedOn" label="评估日期" rules={[{ required: true, message: '请选择日期' }]}>
              <DatePicker disabledDate={(d) => d.isAfter(dayjs())} />
            </Form.Item>
            <Form.Item name="assessorName" label="评估人">
              <Input maxLength={personsApi.PERSON_LIMITS.assessorName} placeholder="默认为当前用户" />
            </Form.Item>
            <Form.Item name="note" label="说明">
              <Input maxLength={personsApi.PERSON_LIMITS.note} style={{ width: 280 }} />
            </Form.Item>
          </Space>
          <Button type="primary" onClick={submit} loading={busy}>
            保存评估
          </Button>
        </Form>
      )}
      <Table
        rowKey="id"
        size="small"
        pagination={false}
        dataSource={person.assessments}
        columns={[
          { title: '评估日期', dataIndex: 'assessedOn' },
          { title: '结果', render: (_, a) => SELF_CARE_LABELS[a.level] },
          {
            title: '未能独立完成',
            render: (_, a) =>
              Object.keys(a.indicators).length === 0
                ? '（仅登记等级）'
                : SELF_CARE_INDICATORS.filter((i) => a.indicators[i.key] === false)
                    .map((i) => i.label)
                    .join('、') || '无',
          },
          { title: '评估人', dataIndex: 'assessorName' },
          { title: '说明', dataIndex: 'note' },
        ]}
      />
    </div>
  );
}

export function AssignmentTab({ person, reload }: { person: PersonFile; reload: () => void }) {
  const { message } = App.useApp();
  const [open, setOpen] = useState(false);
  const backups = person.assignments.filter((a) => a.kind === 'backup' && !a.toAt).map((a) => a.visitorId);
  const visitors = useQuery({
    queryKey: ['visitors', person.villageId],
    queryFn: () => call(personsApi.listVisitors, { query: { areaId: person.townId } }),
    enabled: person.canWrite,
  });
  const saveBackups = async (ids: number[]) => {
    try {
      await call(personsApi.setBackupVisitors, { params: { id: person.id }, body: { visitorIds: ids } });
      message.success('已更新备用探访人');
      reload();
    } catch (e) {
      message.error((e as Error).message);
    }
  };
  return (
    <div>
      <Space style={{ marginBottom: 16 }} wrap>
        <span>
          责任探访人：<b>{person.visitorName ?? '未指定'}</b>
        </span>
        {person.canWrite && person.status !== 'ended' && (
          <>
            <Button onClick={() => setOpen(true)}>{person.visitorId ? '更换' : '指定'}探访责任人</Button>
            <span>备用探访人：</span>
            <Select
              mode="multiple"
              aria-label="备用探访人"
              style={{ minWidth: 260 }}
              value={backups}
              onChange={saveBackups}
              options={(visitors.data?.items ?? [])
                .filter((v) => v.id !== person.visitorId && !v.disabled)
                .map((v) => ({ value: v.id, label: v.displayName }))}
            />
          </>
        )}
      </Space>
      <Typography.Title level={5}>指定记录</Typography.Title>
      <Table
        rowKey="id"
        size="small"
        pagination={false}
        dataSource={person.assignments}
        columns={[
          { title: '探访人', dataIndex: 'visitorName' },
          { title: '类型', render: (_, a) => (a.kind === 'responsible' ? '责任探访人' : '备用') },
          { title: '自', render: (_, a) => chinaDateTime(new Date(a.fromAt)) },
          {
            title: '至',
            render: (_, a) => (a.toAt ? chinaDateTime(new Date(a.toAt)) : <Tag color="green">至今</Tag>),
          },
          { title: '操作人', dataIndex: 'actorName' },
        ]}
      />
      <ReassignModal
        open={open}
        personIds={[person.id]}
        areaId={person.townId}
        onClose={() => setOpen(false)}
        onDone={() => {
          setOpen(false);
          message.success('已更换探访责任人');
          reload();
        }}
      />
    </div>
  );
}

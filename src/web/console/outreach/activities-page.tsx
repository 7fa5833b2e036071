import { useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  Checkbox,
  DatePicker,
  Descriptions,
  Drawer,
  Form,
  Image,
  Input,
  Popconfirm,
  Select,
  Space,
  Table,
  Tag,
  TreeSelect,
  Typography,
  Upload,
} from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import * as outreachApi from '../../../shared/api/outreach';
import { ACTIVITY_PHOTO_LIMITS, type Activity, OUTREACH_LIMITS as L } from '../../../shared/api/outreach';
import { listPersons } from '../../../shared/api/persons';
import {
  ACTIVITY_TYPE_LABELS,
  ACTIVITY_TYPES,
  type ActivityType,
  SERVICE_SUGGESTIONS,
} from '../../../shared/outreach';
import { PERSON_FLAG_LABELS, PERSON_FLAGS, type PersonFlag } from '../../../shared/person';
import { AREA_LEVEL_LABELS, can } from '../../../shared/roles';
import { call, HttpError, hrefOf } from '../../lib/api';
import { toTreeData, useAreaTree } from '../../lib/areas';
import { useSession } from '../../lib/session';
import { EmptyState } from '../common/empty-state';
import { OutreachFiguresCard } from './figures';

const TYPE_COLORS: Record<ActivityType, string> = {
  mutual_aid: 'green',
  policy: 'blue',
  festival: 'red',
  health: 'cyan',
  other: 'default',
};

/** 关爱活动: figures of the quarter, the list, recording an activity with its participants. */
export function ActivitiesPage() {
  const { me } = useSession();
  const qc = useQueryClient();
  const areas = useAreaTree();
  const [params, setParams] = useSearchParams();
  const [areaId, setAreaId] = useState<number>();
  const [type, setType] = useState<ActivityType>();
  const [page, setPage] = useState(1);
  const personId = Number(params.get('personId')) || undefined;
  const openId = Number(params.get('id')) || null;
  const creating = params.get('new') === '1';
  const list = useQuery({
    queryKey: ['activities', areaId, type, personId, page],
    queryFn: () =>
      call(outreachApi.listActivities, { query: { areaId, type, personId, page, pageSize: 20 } }),
  });
  const canWrite = !!me && can(me.roles, 'outreach.manage');
  const reload = () => {
    qc.invalidateQueries({ queryKey: ['activities'] });
    qc.invalidateQueries({ queryKey: ['outreach-figures'] });
  };
  return (
    <div>
      <Space style={{ marginBottom: 16, justifyContent: 'space-between', width: '100%' }} wrap>
        <Typography.Title level={4} style={{ margin: 0 }}>
          关爱活动
        </Typography.Title>
        <Space wrap>
          <TreeSelect
            allowClear
            aria-label="辖区"
            placeholder="辖区"
            style={{ width: 180 }}
            treeData={toTreeData(areas.data ?? [])}
            value={areaId}
            onChange={(v) => {
              setAreaId(v);
              setPage(1);
            }}
          />
          <Select
            allowClear
            aria-label="活动类型"
            placeholder="活动类型"
            style={{ width: 130 }}
            value={type}
            onChange={(v) => {
              setType(v);
              setPage(1);
            }}
            options={ACTIVITY_TYPES.map((t) => ({ value: t, label: ACTIVITY_TYPE_LABELS[t] }))}
          />
          {canWrite && (
            <Button type="primary" onClick={() => setParams({ new: '1' })}>
              登记活动
            </Button>
          )}
        </Space>
      </Space>
      <OutreachFiguresCard areaId={areaId} />
      {personId && (
        <Alert
          style={{ marginBottom: 12 }}
          type="info"
          title="只显示某一对象参加的活动"
          action={
            <Button size="small" onClick={() => setParams({})}>
              显示全部
            </Button>
          }
        />
      )}
      <Table<Activity>
        locale={{
          emptyText: (
            <EmptyState
              title="还没有登记的关爱活动"
              hint="互助关爱、政策宣传、节日慰问、健康义诊等活动结束后，点击“登记活动”，选择覆盖的对象（或按规则，如某村全部独居对象）。"
            />
          ),
        }}
        rowKey="id"
        size="middle"
        loading={list.isLoading}
        dataSource={list.data?.items}
        data-testid="activity-list"
        scroll={{ x: 720 }}
        pagination={{
          current: page,
          pageSize: 20,
          total: list.data?.total,
          onChange: setPage,
          showSizeChanger: false,
        }}
        onRow={(a) => ({ onClick: () => setParams({ id: String(a.id) }), style: { cursor: 'pointer' } })}
        columns={[
          { title: '日期', width: 110, dataIndex: 'heldOn' },
          {
            title: '类型',
            width: 100,
            render: (_, a) => <Tag color={TYPE_COLORS[a.type]}>{ACTIVITY_TYPE_LABELS[a.type]}</Tag>,
          },
          { title: '组织方', render: (_, a) => a.organiserName },
          { title: '地点', dataIndex: 'place', ellipsis: true },
          { title: '举办辖区', width: 110, render: (_, a) => a.area.name },
          { title: '覆盖对象', width: 90, render: (_, a) => `${a.participantCount} 人` },
        ]}
      />
      {openId && (
        <ActivityDrawer id={openId} canWrite={canWrite} onClose={() => setParams({})} onChanged={reload} />
      )}
      {creating && (
        <ActivityForm
          onClose={() => setParams({})}
          onSaved={(id) => {
            reload();
            setParams({ id: String(id) });
          }}
        />
      )}
    </div>
  );
}

interface ActivityValues {
  areaId: number;
  type: ActivityType;
  heldOn: Dayjs;
  place: string;
  organisationId?: number | null;
  services?: string[];
  summary?: string;
  personIds?: number[];
  useRule?: boolean;
  ruleAreaId?: number;
  ruleFlags?: PersonFlag[];
  ruleTier?: 'general' | 'key';
  ruleAged80?: boolean;
}

/** Persons in reach, searched by name on the server; several may be picked. */
function ParticipantsPicker({ value, onChange }: { value?: number[]; onChange?: (v: number[]) => void }) {
  const [q, setQ] = useState('');
  const persons = useQuery({
    queryKey: ['participant-select', q],
    queryFn: () => call(listPersons, { query: { limit: 30, status: 'active', q: q || undefined } }),
  });
  const [known, setKnown] = useState<Record<number, string>>({});
  const options = (persons.data?.items ?? []).map((p) => ({
    value: p.id,
    label: `${p.name}（${p.townName} ${p.villageName}，${p.idNumberMasked}）`,
  }));
  return (
    <Select
      mode="multiple"
      showSearch
      value={value}
      onChange={(v: number[]) => {
        setKnown((k) => ({ ...k, ...Object.fromEntries(options.map((o) => [o.value, o.label])) }));
        onChange?.(v);
      }}
      filterOption={false}
      onSearch={setQ}
      aria-label="输入姓名搜索对象"
      placeholder="输入姓名搜索，可选多人"
      loading={persons.isLoading}
      options={[
        ...options,
        ...(value ?? [])
          .filter((id) => !options.some((o) => o.value === id))
          .map((id) => ({ value: id, label: known[id] ?? `对象 ${id}` })),
      ]}
    />
  );
}

function OrganisationSelect({
  id,
  value,
  onChange,
}: {
  id?: string;
  value?: number | null;
  onChange?: (v: number | null) => void;
}) {
  const list = useQuery({
    queryKey: ['organisation-select'],
    queryFn: () => call(outreachApi.listOrganisations, { query: { active: 'true', pageSize: 200 } }),
  });
  return (
    <Select
      id={id}
      aria-label="组织方"
      allowClear
      value={value ?? undefined}
      onChange={(v) => onChange?.(v ?? null)}
      placeholder="不选则为本单位（办公室）组织"
      options={(list.data?.items ?? []).map((o) => ({ value: o.id, label: `${o.name}（${o.area.name}）` }))}
    />
  );
}

function ActivityForm({ onClose, onSaved }: { onClose: () => void; onSaved: (id: number) => void }) {
  const [form] = Form.useForm<ActivityValues>();
  const { message } = App.useApp();
  const { me } = useSession();
  const areas = useAreaTree();
  // The office's own area first (a town officer records for the town); the rule starts there too.
  const ownArea = me?.grants.find((g) => g.role !== 'visitor' && !g.department)?.areaId;
  const [saving, setSaving] = useState(false);
  const [clientId] = useState(() => crypto.randomUUID());
  const useRule = Form.useWatch('useRule', form);
  const ruleAreaId = Form.useWatch('ruleAreaId', form);
  const ruleFlags = Form.useWatch('ruleFlags', form);
  const ruleTier = Form.useWatch('ruleTier', form);
  const ruleAged80 = Form.useWatch('ruleAged80', form);
  const rule =
    useRule && ruleAreaId
      ? {
          areaId: ruleAreaId,
          flags: ruleFlags?.length ? ruleFlags : undefined,
          tier: ruleTier,
          aged80: ruleAged80 || undefined,
        }
      : null;
  const preview = useQuery({
    queryKey: ['reach-preview', rule],
    enabled: !!rule,
    queryFn: () => call(outreachApi.previewReach, { body: rule! }),
  });
  const submit = async () => {
    const v = await form.validateFields();
    setSaving(true);
    try {
      const a = await call(outreachApi.createActivity, {
        body: {
          areaId: v.areaId,
          type: v.type,
          heldOn: v.heldOn.format('YYYY-MM-DD'),
          place: v.place,
          organisationId: v.organisationId ?? null,
          services: v.services ?? [],
          summary: v.summary || null,
          personIds: v.personIds ?? [],
          rule,
          clientId,
        },
      });
      message.success(`已登记活动，覆盖 ${a.participantCount} 名对象`);
      onSaved(a.id);
    } catch (e) {
      if (e instanceof HttpError && e.body.field) {
        const f = e.body.field.replace(/^body\./, '');
        const name = (f.startsWith('rule') ? 'ruleAreaId' : f) as keyof ActivityValues;
        form.setFields([{ name, errors: [e.message] }]);
      } else message.error((e as Error).message);
    } finally {
      setSaving(false);
    }
  };
  return (
    <Drawer
      open
      width={640}
      title="登记关爱活动"
      onClose={onClose}
      extra={
        <Space>
          <Button onClick={onClose}>取消</Button>
          <Button type="primary" loading={saving} onClick={submit}>
            保存
          </Button>
        </Space>
      }
    >
      <Form
        form={form}
        layout="vertical"
        initialValues={{
          areaId: ownArea,
          ruleAreaId: ownArea,
          type: 'mutual_aid',
          heldOn: dayjs(),
          services: [],
          personIds: [],
        }}
      >
        <Form.Item name="areaId" label="举办辖区" rules={[{ required: true, message: '请选择举办辖区' }]}>
          <TreeSelect treeData={toTreeData(areas.data ?? [])} showSearch treeNodeFilterProp="title" />
        </Form.Item>
        <Space wrap style={{ width: '100%' }}>
          <Form.Item name="type" label="活动类型" rules={[{ required: true, message: '请选择活动类型' }]}>
            <Select
              style={{ width: 140 }}
              options={ACTIVITY_TYPES.map((t) => ({ value: t, label: ACTIVITY_TYPE_LABELS[t] }))}
            />
          </Form.Item>
          <Form.Item name="heldOn" label="活动日期" rules={[{ required: true, message: '请选择活动日期' }]}>
            <DatePicker disabledDate={(d) => d.isAfter(dayjs(), 'day')} />
          </Form.Item>
        </Space>
        <Form.Item
          name="place"
          label="活动地点"
          rules={[{ required: true, whitespace: true, message: '请填写活动地点' }]}
        >
          <Input maxLength={L.place} />
        </Form.Item>
        <Form.Item name="organisationId" label="组织方">
          <OrganisationSelect />
        </Form.Item>
        <Form.Item name="services" label="服务内容">
          <Select
            mode="tags"
            maxCount={L.services}
            options={SERVICE_SUGGESTIONS.map((s) => ({ value: s, label: s }))}
          />
        </Form.Item>
        <Form.Item name="personIds" label="覆盖对象（逐个选择）">
          <ParticipantsPicker />
        </Form.Item>
        <Form.Item name="useRule" valuePropName="checked">
          <Checkbox>按规则添加对象（如“某村全部独居对象”，保存时生成名单，规则随活动记录）</Checkbox>
        </Form.Item>
        {useRule && (
          <div style={{ border: '1px solid #f0f0f0', borderRadius: 6, padding: 12, marginBottom: 16 }}>
            <Form.Item
              name="ruleAreaId"
              label="规则辖区"
              rules={[{ required: true, message: '请选择规则的辖区' }]}
            >
              <TreeSelect treeData={toTreeData(areas.data ?? [])} showSearch treeNodeFilterProp="title" />
            </Form.Item>
            <Form.Item name="ruleFlags" label="对象标记（同时具备）">
              <Checkbox.Group
                options={PERSON_FLAGS.map((f) => ({ value: f, label: PERSON_FLAG_LABELS[f] }))}
              />
            </Form.Item>
            <Space wrap>
              <Form.Item name="ruleTier" label="探访类别">
                <Select
                  allowClear
                  style={{ width: 140 }}
                  placeholder="不限"
                  options={[
                    { value: 'key', label: '重点探访' },
                    { value: 'general', label: '普遍探访' },
                  ]}
                />
              </Form.Item>
              <Form.Item name="ruleAged80" label=" " valuePropName="checked">
                <Checkbox>80 岁以上</Checkbox>
              </Form.Item>
            </Space>
            {rule && (
              <Typography.Paragraph type="secondary" data-testid="rule-preview">
                {preview.isLoading
                  ? '正在计算…'
                  : preview.data
                    ? `规则当前选中 ${preview.data.total > L.participants ? `${L.participants} 人以上` : `${preview.data.total} 人`}：${preview.data.items
                        .slice(0, 20)
                        .map((p) => p.name)
                        .join('、')}${preview.data.total > 20 ? ' 等' : ''}`
                    : preview.error
                      ? (preview.error as Error).message
                      : ''}
              </Typography.Paragraph>
            )}
          </div>
        )}
        <Form.Item name="summary" label="活动内容">
          <Input.TextArea rows={3} maxLength={L.summary} />
        </Form.Item>
      </Form>
    </Drawer>
  );
}

function ActivityDrawer({
  id,
  canWrite,
  onClose,
  onChanged,
}: {
  id: number;
  canWrite: boolean;
  onClose: () => void;
  onChanged: () => void;
}) {
  const { message } = App.useApp();
  const q = useQuery({
    queryKey: ['activity', id],
    queryFn: () => call(outreachApi.getActivity, { params: { id } }),
  });
  const a = q.data;
  const remove = async () => {
    try {
      await call(outreachApi.deleteActivity, { params: { id } });
      message.success('已删除活动');
      onChanged();
      onClose();
    } catch (e) {
      message.error((e as Error).message);
    }
  };
  return (
    <Drawer
      open
      width={680}
      title={a ? `${ACTIVITY_TYPE_LABELS[a.type]}：${a.heldOn} ${a.place}` : '关爱活动'}
      onClose={onClose}
      extra={
        canWrite &&
        a && (
          <Popconfirm
            title="删除这次活动？"
            description={`将同时从 ${a.participantCount} 名对象的时间线移除，删除后不可恢复。`}
            okText="删除"
            okButtonProps={{ danger: true }}
            cancelText="取消"
            onConfirm={remove}
          >
            <Button danger>删除</Button>
          </Popconfirm>
        )
      }
    >
      {a && (
        <>
          <Descriptions bordered size="small" column={{ xs: 1, sm: 2 }}>
            <Descriptions.Item label="活动类型">{ACTIVITY_TYPE_LABELS[a.type]}</Descriptions.Item>
            <Descriptions.Item label="活动日期">{a.heldOn}</Descriptions.Item>
            <Descriptions.Item label="组织方">{a.organiserName}</Descriptions.Item>
            <Descriptions.Item label="举办辖区">{a.area.name}</Descriptions.Item>
            <Descriptions.Item label="地点" span={2}>
              {a.place}
            </Descriptions.Item>
            <Descriptions.Item label="服务内容" span={2}>
              {a.services.length ? a.services.map((s) => <Tag key={s}>{s}</Tag>) : '—'}
            </Descriptions.Item>
            <Descriptions.Item label="选取方式" span={2}>
              {a.reachRuleText}
            </Descriptions.Item>
            <Descriptions.Item label="活动内容" span={2}>
              {a.summary ?? '—'}
            </Descriptions.Item>
            <Descriptions.Item label="登记人">{a.createdBy ?? '—'}</Descriptions.Item>
          </Descriptions>
          <ActivityPhotos activity={a} canWrite={canWrite} onChanged={() => q.refetch()} />
          <Typography.Title level={5} style={{ marginTop: 20 }}>
            覆盖对象（{a.participantCount} 人）
          </Typography.Title>
          <Table
            rowKey="personId"
            size="small"
            data-testid="participant-list"
            pagination={{ pageSize: 50, hideOnSinglePage: true }}
            dataSource={a.participants}
            columns={[
              { title: '姓名', render: (_, p) => <Link to={`/persons/${p.personId}`}>{p.name}</Link> },
              { title: '身份证号', dataIndex: 'idNumberMasked' },
              { title: AREA_LEVEL_LABELS.town, render: (_, p) => p.town.name },
              { title: AREA_LEVEL_LABELS.village, render: (_, p) => p.village.name },
            ]}
          />
        </>
      )}
    </Drawer>
  );
}

/** The activity's photos (optional, last): thumbnails, upload (checked by the server), delete. */
function ActivityPhotos({
  activity: a,
  canWrite,
  onChanged,
}: {
  activity: outreachApi.ActivityDetail;
  canWrite: boolean;
  onChanged: () => void;
}) {
  const { message } = App.useApp();
  const [busy, setBusy] = useState(false);
  const upload = async (file: File) => {
    setBusy(true);
    try {
      const data = await new Promise<string>((resolve, reject) => {
        const r = new FileReader();
        r.onload = () => resolve(String(r.result).split(',')[1] ?? '');
        r.onerror = () => reject(r.error);
        r.readAsDataURL(file);
      });
      await call(outreachApi.uploadActivityPhoto, {
        params: { id: a.id },
        body: { mime: file.type as 'image/jpeg', data },
      });
      message.success('已上传照片');
      onChanged();
    } catch (e) {
      message.error((e as Error).message);
    } finally {
      setBusy(false);
    }
    return false;
  };
  const remove = async (photoId: number) => {
    try {
      await call(outreachApi.deleteActivityPhoto, { params: { id: a.id, photoId } });
      message.success('已删除照片');
      onChanged();
    } catch (e) {
      message.error((e as Error).message);
    }
  };
  if (!a.photos.length && !canWrite) return null;
  return (
    <>
      <Typography.Title level={5} style={{ marginTop: 20 }}>
        活动照片（{a.photos.length}/{ACTIVITY_PHOTO_LIMITS.count}）
      </Typography.Title>
      <Space wrap>
        {a.photos.map((p) => (
          <Space key={p.id} direction="vertical" size={2} align="center">
            <Image
              width={96}
              height={96}
              style={{ objectFit: 'cover' }}
              alt={`活动照片 ${p.id}`}
              src={hrefOf(outreachApi.getActivityPhoto, { params: { id: a.id, photoId: p.id } })}
            />
            {canWrite && (
              <Popconfirm
                title="删除这张照片？"
                okText="删除"
                okButtonProps={{ danger: true }}
                cancelText="取消"
                onConfirm={() => remove(p.id)}
              >
                <a>删除</a>
              </Popconfirm>
            )}
          </Space>
        ))}
        {canWrite && a.photos.length < ACTIVITY_PHOTO_LIMITS.count && (
          <Upload accept="image/jpeg,image/png,image/webp" showUploadList={false} beforeUpload={upload}>
            <Button loading={busy}>上传照片</Button>
          </Upload>
        )}
      </Space>
    </>
  );
}

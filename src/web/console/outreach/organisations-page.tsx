import { useQuery, useQueryClient } from '@tanstack/react-query';
import {
  App,
  Button,
  Form,
  Input,
  Modal,
  Popconfirm,
  Select,
  Space,
  Switch,
  Table,
  Tag,
  TreeSelect,
  Typography,
} from 'antd';
import { useState } from 'react';
import * as outreachApi from '../../../shared/api/outreach';
import { OUTREACH_LIMITS as L, type Organisation } from '../../../shared/api/outreach';
import { parseCreditCode } from '../../../shared/credit-code';
import {
  ORGANISATION_KIND_LABELS,
  ORGANISATION_KINDS,
  type OrganisationKind,
  SERVICE_SUGGESTIONS,
} from '../../../shared/outreach';
import { can } from '../../../shared/roles';
import { call, HttpError } from '../../lib/api';
import { toTreeData, useAreaTree } from '../../lib/areas';
import { useSession } from '../../lib/session';
import { EmptyState } from '../common/empty-state';

/** 社会组织和志愿者: the registry of an area (the bureau sees all), register, edit, deactivate, delete. */
export function OrganisationsPage() {
  const { me } = useSession();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const areas = useAreaTree();
  const [q, setQ] = useState('');
  const [areaId, setAreaId] = useState<number>();
  const [kind, setKind] = useState<OrganisationKind>();
  const [page, setPage] = useState(1);
  const [editing, setEditing] = useState<Organisation | 'new' | null>(null);
  const list = useQuery({
    queryKey: ['organisations', q, areaId, kind, page],
    queryFn: () =>
      call(outreachApi.listOrganisations, { query: { q: q || undefined, areaId, kind, page, pageSize: 20 } }),
  });
  const canWrite = !!me && can(me.roles, 'outreach.manage');
  const reload = () => qc.invalidateQueries({ queryKey: ['organisations'] });
  const remove = async (o: Organisation) => {
    try {
      await call(outreachApi.deleteOrganisation, { params: { id: o.id } });
      message.success(`已删除“${o.name}”`);
      reload();
    } catch (e) {
      message.error((e as Error).message);
    }
  };
  return (
    <div>
      <Space style={{ marginBottom: 16, justifyContent: 'space-between', width: '100%' }} wrap>
        <Typography.Title level={4} style={{ margin: 0 }}>
          社会组织和志愿者
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
            aria-label="类别"
            placeholder="类别"
            style={{ width: 150 }}
            value={kind}
            onChange={(v) => {
              setKind(v);
              setPage(1);
            }}
            options={ORGANISATION_KINDS.map((k) => ({ value: k, label: ORGANISATION_KIND_LABELS[k] }))}
          />
          <Input.Search
            placeholder="名称"
            allowClear
            onSearch={(v) => {
              setQ(v);
              setPage(1);
            }}
            style={{ width: 160 }}
          />
          {canWrite && (
            <Button type="primary" onClick={() => setEditing('new')}>
              登记组织
            </Button>
          )}
        </Space>
      </Space>
      <Table<Organisation>
        locale={{
          emptyText: (
            <EmptyState
              title="还没有登记的社会组织或志愿者"
              hint="引入公益性社会组织、志愿者团队开展互助关爱活动（制度六（五））。点击“登记组织”，填写名称和统一社会信用代码。"
            />
          ),
        }}
        rowKey="id"
        size="middle"
        loading={list.isLoading}
        dataSource={list.data?.items}
        data-testid="organisation-list"
        scroll={{ x: 720 }}
        pagination={{
          current: page,
          pageSize: 20,
          total: list.data?.total,
          onChange: setPage,
          showSizeChanger: false,
        }}
        columns={[
          {
            title: '名称',
            render: (_, o) => (
              <span>
                {o.name} {!o.active && <Tag>已停用</Tag>}
              </span>
            ),
          },
          { title: '类别', width: 130, render: (_, o) => ORGANISATION_KIND_LABELS[o.kind] },
          { title: '统一社会信用代码', width: 180, render: (_, o) => o.creditCode ?? '—' },
          { title: '登记辖区', width: 110, render: (_, o) => o.area.name },
          {
            title: '联系人',
            width: 150,
            render: (_, o) => [o.contactName, o.contactPhone].filter(Boolean).join(' ') || '—',
          },
          { title: '服务项目', render: (_, o) => o.services.map((s) => <Tag key={s}>{s}</Tag>) },
          { title: '活动', width: 70, render: (_, o) => `${o.activityCount} 次` },
          ...(canWrite
            ? [
                {
                  title: '操作',
                  width: 130,
                  render: (_: unknown, o: Organisation) => (
                    <Space size="small">
                      <a onClick={() => setEditing(o)}>修改</a>
                      <Popconfirm
                        title={`删除“${o.name}”？`}
                        description={
                          o.activityCount > 0
                            ? '已组织过活动的不能删除，可在“修改”中停用。'
                            : '删除后不可恢复。'
                        }
                        okText="删除"
                        okButtonProps={{ danger: true }}
                        cancelText="取消"
                        onConfirm={() => remove(o)}
                      >
                        <a>删除</a>
                      </Popconfirm>
                    </Space>
                  ),
                },
              ]
            : []),
        ]}
      />
      {editing && (
        <OrganisationForm
          organisation={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            reload();
          }}
        />
      )}
    </div>
  );
}

interface OrganisationValues {
  areaId: number;
  kind: OrganisationKind;
  name: string;
  creditCode?: string;
  contactName?: string;
  contactPhone?: string;
  services?: string[];
  active?: boolean;
  note?: string;
}

/** The credit code rule: the same check (shared/credit-code.ts) the server runs. */
const creditCodeRule = {
  validator: (_: unknown, v?: string) => {
    if (!v?.trim()) return Promise.resolve();
    const r = parseCreditCode(v);
    return r.ok ? Promise.resolve() : Promise.reject(new Error(r.message));
  },
};

function OrganisationForm({
  organisation: o,
  onClose,
  onSaved,
}: {
  organisation: Organisation | null;
  onClose: () => void;
  onSaved: () => void;
}) {
  const [form] = Form.useForm<OrganisationValues>();
  const { message } = App.useApp();
  const areas = useAreaTree();
  const [saving, setSaving] = useState(false);
  const kind = Form.useWatch('kind', form);
  const submit = async () => {
    const v = await form.validateFields();
    setSaving(true);
    const fields = {
      kind: v.kind,
      name: v.name,
      creditCode: v.creditCode?.trim() ? v.creditCode : null,
      contactName: v.contactName || null,
      contactPhone: v.contactPhone || null,
      services: v.services ?? [],
      active: v.active ?? true,
      note: v.note || null,
    };
    try {
      if (o)
        await call(outreachApi.updateOrganisation, {
          params: { id: o.id },
          body: { version: o.version, ...fields },
        });
      else await call(outreachApi.createOrganisation, { body: { areaId: v.areaId, ...fields } });
      message.success(o ? '已保存' : '已登记');
      onSaved();
    } catch (e) {
      if (e instanceof HttpError && e.body.field) {
        const name = e.body.field.replace(/^body\./, '') as keyof OrganisationValues;
        form.setFields([{ name, errors: [e.message] }]);
      } else message.error((e as Error).message);
    } finally {
      setSaving(false);
    }
  };
  return (
    <Modal
      open
      title={o ? `修改：${o.name}` : '登记社会组织或志愿者'}
      onOk={submit}
      onCancel={onClose}
      confirmLoading={saving}
      okText="保存"
      cancelText="取消"
      destroyOnHidden
    >
      <Form
        form={form}
        layout="vertical"
        initialValues={
          o
            ? {
                areaId: o.area.id,
                kind: o.kind,
                name: o.name,
                creditCode: o.creditCode ?? undefined,
                contactName: o.contactName ?? undefined,
                contactPhone: o.contactPhone ?? undefined,
                services: o.services,
                active: o.active,
                note: o.note ?? undefined,
              }
            : { kind: 'organisation', active: true, services: [] }
        }
      >
        <Form.Item name="areaId" label="登记辖区" rules={[{ required: true, message: '请选择辖区' }]}>
          <TreeSelect
            disabled={!!o}
            treeData={toTreeData(areas.data ?? [])}
            showSearch
            treeNodeFilterProp="title"
          />
        </Form.Item>
        <Form.Item name="kind" label="类别" rules={[{ required: true, message: '请选择类别' }]}>
          <Select
            options={ORGANISATION_KINDS.map((k) => ({ value: k, label: ORGANISATION_KIND_LABELS[k] }))}
          />
        </Form.Item>
        <Form.Item
          name="name"
          label="名称"
          rules={[{ required: true, whitespace: true, message: '请填写名称' }]}
        >
          <Input maxLength={L.name} />
        </Form.Item>
        <Form.Item
          name="creditCode"
          label="统一社会信用代码"
          extra={kind === 'volunteer' ? '志愿者（团队）可不填' : '18 位，系统校验末位校验码'}
          rules={[
            ...(kind === 'organisation'
              ? [{ required: true, whitespace: true, message: '请填写统一社会信用代码' }]
              : []),
            creditCodeRule,
          ]}
        >
          <Input maxLength={18} style={{ textTransform: 'uppercase' }} />
        </Form.Item>
        <Space wrap style={{ width: '100%' }}>
          <Form.Item name="contactName" label="联系人">
            <Input maxLength={L.contact} />
          </Form.Item>
          <Form.Item name="contactPhone" label="联系电话">
            <Input maxLength={L.phone} />
          </Form.Item>
        </Space>
        <Form.Item name="services" label="服务项目">
          <Select
            mode="tags"
            maxCount={L.services}
            options={SERVICE_SUGGESTIONS.map((s) => ({ value: s, label: s }))}
          />
        </Form.Item>
        {o && (
          <Form.Item name="active" label="在用" valuePropName="checked">
            <Switch checkedChildren="在用" unCheckedChildren="停用" />
          </Form.Item>
        )}
        <Form.Item name="note" label="备注">
          <Input.TextArea rows={2} maxLength={L.note} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

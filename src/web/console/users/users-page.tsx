import { useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Form, Input, Modal, Select, Space, Table, Tag, TreeSelect, Typography } from 'antd';
import { useState } from 'react';
import type { User } from '../../../shared/api/users';
import * as usersApi from '../../../shared/api/users';
import {
  DEPARTMENT_LABELS,
  DEPARTMENTS,
  grantableRoles,
  ROLE_LABELS,
  VISITOR_TYPE_LABELS,
  VISITOR_TYPES,
} from '../../../shared/roles';
import { call, HttpError } from '../../lib/api';
import { toTreeData, useAreaTree } from '../../lib/areas';
import { schemaRule } from '../../lib/form-rules';
import { useSession } from '../../lib/session';

export function UsersPage() {
  const { me } = useSession();
  const { message, modal } = App.useApp();
  const qc = useQueryClient();
  const [q, setQ] = useState('');
  const [editing, setEditing] = useState<User | 'new' | null>(null);
  const users = useQuery({
    queryKey: ['users', q],
    queryFn: () => call(usersApi.listUsers, { query: { limit: 200, q: q || undefined } }),
  });
  const reload = () => qc.invalidateQueries({ queryKey: ['users'] });
  const toggle = async (u: User) => {
    // Disabling ends the user's sessions at once: asked first. Enabling undoes nothing, so it is not.
    if (!u.disabled) {
      const ok = await modal.confirm({
        title: `停用 ${u.displayName}（${u.username}）？`,
        content: '停用后该用户立即退出所有已登录的设备，不能再登录；其探访任务和档案不变。可随时重新启用。',
        okText: '停用',
        okButtonProps: { danger: true },
        cancelText: '取消',
      });
      if (!ok) return;
    }
    try {
      await call(usersApi.updateUser, {
        params: { id: u.id },
        body: { version: u.version, disabled: !u.disabled },
      });
      message.success(u.disabled ? '已启用' : '已停用');
      reload();
    } catch (e) {
      message.error((e as Error).message);
    }
  };
  const reset = async (u: User) => {
    const ok = await modal.confirm({
      title: `重置 ${u.displayName}（${u.username}）的密码？`,
      content:
        '将生成一个新密码，原密码立即失效，该用户在所有设备上退出登录；用新密码登录后必须先修改密码。请把新密码当面或电话告知本人。',
      okText: '重置密码',
      okButtonProps: { danger: true },
      cancelText: '取消',
    });
    if (!ok) return;
    try {
      const r = await call(usersApi.resetPassword, { params: { id: u.id }, body: {} });
      modal.info({
        title: `${u.displayName} 的新密码`,
        content: (
          <div>
            <Typography.Text copyable code data-testid="new-password">
              {r.password}
            </Typography.Text>
            <Typography.Paragraph type="secondary" style={{ marginTop: 8 }}>
              该用户登录后须先修改密码。此密码只显示这一次。
            </Typography.Paragraph>
          </div>
        ),
      });
    } catch (e) {
      message.error((e as Error).message);
    }
  };
  return (
    <div>
      <Space style={{ marginBottom: 16, justifyContent: 'space-between', width: '100%' }}>
        <Typography.Title level={4} style={{ margin: 0 }}>
          用户管理
        </Typography.Title>
        <Space>
          <Input.Search placeholder="用户名或姓名" allowClear onSearch={setQ} style={{ width: 220 }} />
          <Button type="primary" onClick={() => setEditing('new')}>
            新建用户
          </Button>
        </Space>
      </Space>
      <Table<User>
        rowKey="id"
        loading={users.isLoading}
        dataSource={users.data?.items}
        pagination={{ pageSize: 20 }}
        columns={[
          { title: '用户名', dataIndex: 'username' },
          { title: '姓名', dataIndex: 'displayName' },
          {
            title: '角色与辖区',
            render: (_, u) =>
              u.grants.map((g) => (
                <Tag key={`${g.role}-${g.areaId}-${g.department ?? ''}`} color="blue">
                  {ROLE_LABELS[g.role]}
                  {g.department ? `·${DEPARTMENT_LABELS[g.department]}` : ''} · {g.areaName}
                </Tag>
              )),
          },
          { title: '类型', render: (_, u) => (u.visitorType ? VISITOR_TYPE_LABELS[u.visitorType] : '') },
          {
            title: '状态',
            render: (_, u) =>
              u.disabled ? (
                <Tag>已停用</Tag>
              ) : u.locked ? (
                <Tag color="orange">已锁定</Tag>
              ) : (
                <Tag color="green">正常</Tag>
              ),
          },
          {
            title: '操作',
            render: (_, u) => (
              <Space>
                <a onClick={() => setEditing(u)}>编辑</a>
                {u.id !== me?.id && <a onClick={() => toggle(u)}>{u.disabled ? '启用' : '停用'}</a>}
                {u.id !== me?.id && <a onClick={() => reset(u)}>重置密码</a>}
              </Space>
            ),
          },
        ]}
      />
      {editing && (
        <UserForm
          user={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={reload}
        />
      )}
    </div>
  );
}

function UserForm({
  user,
  onClose,
  onSaved,
}: {
  user: User | null;
  onClose: () => void;
  onSaved: () => void;
}) {
  const { me } = useSession();
  const { message, modal } = App.useApp();
  const [form] = Form.useForm();
  const areas = useAreaTree();
  const roles = grantableRoles(me?.roles ?? []);
  const [saving, setSaving] = useState(false);
  const submit = async () => {
    const v = await form.validateFields();
    setSaving(true);
    try {
      const grants = [
        { role: v.role, areaId: v.areaId, department: v.role === 'department_liaison' ? v.department : null },
      ];
      if (user) {
        await call(usersApi.updateUser, {
          params: { id: user.id },
          body: {
            version: user.version,
            displayName: v.displayName,
            visitorType: v.visitorType ?? null,
            grants,
          },
        });
        message.success('已保存');
      } else {
        const r = await call(usersApi.createUser, {
          body: {
            username: v.username,
            displayName: v.displayName,
            visitorType: v.visitorType ?? null,
            grants,
          },
        });
        modal.success({
          title: '用户已创建',
          content: (
            <span>
              初始密码（只显示一次）：
              <Typography.Text copyable code>
                {r.password}
              </Typography.Text>
            </span>
          ),
        });
      }
      onSaved();
      onClose();
    } catch (e) {
      if (e instanceof HttpError && e.body.field) {
        const name = e.body.field.replace(/^body\./, '').split('.')[0];
        form.setFields([{ name: name === 'grants' ? 'areaId' : name, errors: [e.message] }]);
      } else message.error((e as Error).message);
    } finally {
      setSaving(false);
    }
  };
  const g = user?.grants[0];
  const role = Form.useWatch('role', form);
  return (
    <Modal
      open
      title={user ? `编辑 ${user.displayName}` : '新建用户'}
      onOk={submit}
      confirmLoading={saving}
      onCancel={onClose}
      okText="保存"
    >
      <Form
        form={form}
        layout="vertical"
        initialValues={{
          displayName: user?.displayName,
          role: g?.role,
          areaId: g?.areaId,
          department: g?.department,
          visitorType: user?.visitorType,
        }}
      >
        {!user && (
          <Form.Item
            name="username"
            label="用户名"
            rules={[{ required: true, message: '请输入用户名' }, schemaRule(usersApi.Username)]}
          >
            <Input />
          </Form.Item>
        )}
        <Form.Item
          name="displayName"
          label="姓名"
          rules={[{ required: true, message: '请输入姓名' }, schemaRule(usersApi.DisplayName)]}
        >
          <Input />
        </Form.Item>
        <Form.Item name="role" label="角色" rules={[{ required: true, message: '请选择角色' }]}>
          <Select options={roles.map((r) => ({ value: r, label: ROLE_LABELS[r] }))} />
        </Form.Item>
        <Form.Item name="areaId" label="辖区" rules={[{ required: true, message: '请选择辖区' }]}>
          <TreeSelect
            treeData={toTreeData(areas.data ?? [])}
            treeDefaultExpandAll={false}
            showSearch
            treeNodeFilterProp="title"
          />
        </Form.Item>
        {role === 'department_liaison' && (
          <Form.Item name="department" label="部门" rules={[{ required: true, message: '请选择部门' }]}>
            <Select options={DEPARTMENTS.map((d) => ({ value: d, label: DEPARTMENT_LABELS[d] }))} />
          </Form.Item>
        )}
        {role === 'visitor' && (
          <Form.Item
            name="visitorType"
            label="探访责任人类型"
            rules={[{ required: true, message: '请选择类型' }]}
          >
            <Select options={VISITOR_TYPES.map((t) => ({ value: t, label: VISITOR_TYPE_LABELS[t] }))} />
          </Form.Item>
        )}
      </Form>
    </Modal>
  );
}

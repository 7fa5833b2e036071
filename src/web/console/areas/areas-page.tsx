import { useQueryClient } from '@tanstack/react-query';
import { App, Card, Form, Input, Modal, Space, Switch, Tag, Tree, Typography } from 'antd';
import { useState } from 'react';
import { AREA_LEVEL_LABELS } from '../../../shared/roles';
import { api } from '../../lib/api';
import { type AreaNode, useAreaTree } from '../../lib/areas';

export function AreasPage() {
  const { message, modal } = App.useApp();
  const qc = useQueryClient();
  const [showRetired, setShowRetired] = useState(false);
  const tree = useAreaTree(showRetired);
  const [adding, setAdding] = useState<AreaNode | null>(null);
  const [renaming, setRenaming] = useState<AreaNode | null>(null);
  const [form] = Form.useForm();
  const reload = () => qc.invalidateQueries({ queryKey: ['areas'] });
  const run = async (fn: () => Promise<unknown>, ok: string) => {
    try {
      await fn();
      message.success(ok);
      reload();
      return true;
    } catch (e) {
      message.error((e as Error).message);
      return false;
    }
  };
  const withVersion = async (id: number) => (await api<{ version: number }>(`/api/areas/${id}`)).version;
  const toData = (nodes: AreaNode[]): any[] =>
    nodes.map((n) => ({
      key: n.id,
      title: (
        <Space>
          <span style={{ textDecoration: n.retired ? 'line-through' : undefined }}>{n.name}</span>
          <Tag>{AREA_LEVEL_LABELS[n.level]}</Tag>
          <Typography.Text type="secondary">{n.code}</Typography.Text>
          {n.level === 'town' && <a onClick={() => setAdding(n)}>添加村居</a>}
          {n.level === 'village' && !n.retired && <a onClick={() => setRenaming(n)}>改名</a>}
          {n.level === 'village' && (
            <a
              onClick={async () => {
                if (
                  !n.retired &&
                  !(await modal.confirm({
                    title: `撤销 ${n.name}？`,
                    content:
                      '撤销后该村（社区）不再出现在辖区选择、花名册导入和新建档案中；已有的对象档案与探访记录保留。可在“显示已撤销”中恢复。',
                    okText: '撤销',
                    okButtonProps: { danger: true },
                    cancelText: '取消',
                  }))
                )
                  return;
                await run(
                  async () =>
                    api(`/api/areas/${n.id}`, {
                      method: 'PATCH',
                      body: { version: await withVersion(n.id), retired: !n.retired },
                    }),
                  n.retired ? '已恢复' : '已撤销',
                );
              }}
            >
              {n.retired ? '恢复' : '撤销'}
            </a>
          )}
        </Space>
      ),
      children: toData(n.children),
    }));
  return (
    <Card
      title="辖区管理"
      extra={
        <Space>
          显示已撤销 <Switch aria-label="显示已撤销" checked={showRetired} onChange={setShowRetired} />
        </Space>
      }
    >
      {tree.data && (
        <Tree
          treeData={toData(tree.data)}
          defaultExpandedKeys={tree.data.map((n) => n.id)}
          selectable={false}
        />
      )}
      <Modal
        open={!!adding || !!renaming}
        title={adding ? `在「${adding.name}」下添加村（社区）` : `改名：${renaming?.name}`}
        destroyOnHidden
        onCancel={() => {
          setAdding(null);
          setRenaming(null);
        }}
        onOk={async () => {
          const v = await form.validateFields();
          const ok = adding
            ? await run(
                () =>
                  api('/api/areas', {
                    body: { parentId: adding.id, name: v.name, code: v.code || undefined },
                  }),
                '已添加',
              )
            : await run(
                async () =>
                  api(`/api/areas/${renaming!.id}`, {
                    method: 'PATCH',
                    body: { version: await withVersion(renaming!.id), name: v.name },
                  }),
                '已改名',
              );
          if (ok) {
            setAdding(null);
            setRenaming(null);
            form.resetFields();
          }
        }}
      >
        <Form form={form} layout="vertical" preserve={false} initialValues={{ name: renaming?.name }}>
          <Form.Item name="name" label="名称" rules={[{ required: true, message: '请输入名称' }]}>
            <Input />
          </Form.Item>
          {adding && (
            <Form.Item name="code" label="辖区代码（可不填，自动生成）">
              <Input />
            </Form.Item>
          )}
        </Form>
      </Modal>
    </Card>
  );
}

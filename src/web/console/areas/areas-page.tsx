import { useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Form, Input, Modal, Select, Space, Switch, Tag, Tree, Typography } from 'antd';
import { useState } from 'react';
import * as areasApi from '../../../shared/api/areas';
import { AREA_KINDS, areaKindLabel, childLevel, kindFromName, parentLevel } from '../../../shared/areas';
import { AREA_LEVEL_LABELS } from '../../../shared/roles';
import { call } from '../../lib/api';
import { type AreaNode, useAreaTree } from '../../lib/areas';
import { useSession } from '../../lib/session';

export function AreasPage() {
  const { message, modal } = App.useApp();
  const { me } = useSession();
  const isAdmin = !!me?.roles.includes('bureau_admin');
  const [joining, setJoining] = useState(false);
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
  const withVersion = async (id: number) => (await call(areasApi.getArea, { params: { id } })).version;
  const toData = (nodes: AreaNode[]): any[] =>
    nodes.map((n) => ({
      key: n.id,
      title: (
        <Space>
          <span style={{ textDecoration: n.retired ? 'line-through' : undefined }}>{n.name}</span>
          <Tag>{areaKindLabel(n)}</Tag>
          <Typography.Text type="secondary">{n.code}</Typography.Text>
          {n.level === 'town' && !n.retired && <a onClick={() => setAdding(n)}>添加村（嘎查、社区）</a>}
          {n.level !== 'town' && n.level !== 'village' && isAdmin && !n.retired && (
            <a onClick={() => setAdding(n)}>添加{AREA_LEVEL_LABELS[childLevel(n.level)!]}</a>
          )}
          {(n.level === 'village' || (isAdmin && n.level !== tree.data?.[0]?.level)) && !n.retired && (
            <a onClick={() => setRenaming(n)}>改名</a>
          )}
          {n.level === 'village' && (
            <a
              onClick={async () => {
                if (
                  !n.retired &&
                  !(await modal.confirm({
                    title: `撤销 ${n.name}？`,
                    content: `撤销后该${areaKindLabel(n)}不再出现在辖区选择、花名册导入和新建档案中；已有的对象档案与探访记录保留。可在“显示已撤销”中恢复。`,
                    okText: '撤销',
                    okButtonProps: { danger: true },
                    cancelText: '取消',
                  }))
                )
                  return;
                await run(
                  async () =>
                    call(areasApi.updateVillage, {
                      params: { id: n.id },
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
        <Space wrap>
          {isAdmin && tree.data?.length === 1 && parentLevel(tree.data[0].level) && (
            <Button onClick={() => setJoining(true)}>并入上级辖区…</Button>
          )}
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
        title={
          adding
            ? `在「${adding.name}」下添加${AREA_LEVEL_LABELS[childLevel(adding.level)!]}`
            : `改名：${renaming?.name}`
        }
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
                  call(areasApi.addVillage, {
                    body: { parentId: adding.id, name: v.name, code: v.code || undefined, kind: v.kind },
                  }),
                '已添加',
              )
            : await run(
                async () =>
                  call(areasApi.updateVillage, {
                    params: { id: renaming!.id },
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
            <Form.Item
              name="kind"
              label="类别（可不填：按名称的后缀判断，如 某某苏木、某某嘎查）"
              dependencies={['name']}
            >
              <Select
                allowClear
                aria-label="类别"
                placeholder={kindFromName(childLevel(adding.level)!, form.getFieldValue('name') ?? '')}
                options={AREA_KINDS[childLevel(adding.level)!].map((k) => ({ value: k, label: k }))}
              />
            </Form.Item>
          )}
          {adding && (
            <Form.Item name="code" label="辖区代码（可不填，自动生成）">
              <Input />
            </Form.Item>
          )}
        </Form>
      </Modal>
      {tree.data?.length === 1 && parentLevel(tree.data[0].level) && (
        <JoinAboveModal
          open={joining}
          root={tree.data[0]}
          onClose={() => setJoining(false)}
          onDone={() => {
            setJoining(false);
            reload();
          }}
        />
      )}
    </Card>
  );
}

/**
 * 并入上级辖区: a new area one level above the root (a district joining its city's system). Irreversible,
 * so it asks for the name typed again before it goes.
 */
function JoinAboveModal(p: { open: boolean; root: AreaNode; onClose: () => void; onDone: () => void }) {
  const { message, modal } = App.useApp();
  const [form] = Form.useForm();
  const level = parentLevel(p.root.level)!;
  return (
    <Modal
      open={p.open}
      title={`将「${p.root.name}」并入上级${AREA_LEVEL_LABELS[level]}`}
      okText="并入"
      okButtonProps={{ danger: true }}
      destroyOnHidden
      onCancel={p.onClose}
      onOk={async () => {
        const v = await form.validateFields();
        const ok = await modal.confirm({
          title: `确认将「${p.root.name}」并入「${v.name}」？`,
          content: `此操作不可撤回：「${v.name}」将成为辖区树的根，您同时成为它的民政部门管理员。${p.root.name}的编号、授权和各项数字都不变。`,
          okText: '确认并入',
          okButtonProps: { danger: true },
          cancelText: '取消',
        });
        if (!ok) return;
        try {
          await call(areasApi.addAreaAboveRoot, { body: { name: v.name, code: v.code, kind: v.kind } });
          message.success(`已并入${v.name}`);
          p.onDone();
        } catch (e) {
          message.error((e as Error).message);
        }
      }}
    >
      <Form form={form} layout="vertical" preserve={false}>
        <Form.Item
          name="name"
          label="上级辖区名称"
          rules={[{ required: true, message: '请输入名称，如 鄂尔多斯市' }]}
        >
          <Input placeholder="如 鄂尔多斯市" />
        </Form.Item>
        <Form.Item
          name="code"
          label="辖区代码"
          rules={[
            { required: true, message: '请输入辖区代码' },
            { pattern: /^\d{2,15}$/, message: '辖区代码应为 2–15 位数字' },
          ]}
        >
          <Input placeholder="如 150600" />
        </Form.Item>
        <Form.Item name="kind" label="类别（可不填：按名称判断）">
          <Select
            allowClear
            aria-label="上级类别"
            options={AREA_KINDS[level].map((k) => ({ value: k, label: k }))}
          />
        </Form.Item>
      </Form>
    </Modal>
  );
}

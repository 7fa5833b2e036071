import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Form, InputNumber, Space, Table, Tag, TreeSelect, Typography } from 'antd';
import { useSearchParams } from 'react-router';
import * as authApi from '../../../shared/api/authenticity';
import {
  AUTHENTICITY_RULE_LABELS,
  AUTHENTICITY_THRESHOLD_INFO,
  type AuthenticitySettingKey,
  SPOT_CHECK_SETTING_INFO,
} from '../../../shared/authenticity';
import { can } from '../../../shared/roles';
import { call } from '../../lib/api';
import { type AreaNode, toTreeData, useAreaTree } from '../../lib/areas';
import { schemaRule } from '../../lib/form-rules';
import { useSession } from '../../lib/session';

type NumberKey = keyof typeof AUTHENTICITY_THRESHOLD_INFO;
type Settings = Awaited<ReturnType<typeof readSettings>>;
type Read = Settings[AuthenticitySettingKey];
const NUMBER_KEYS = Object.keys(AUTHENTICITY_THRESHOLD_INFO) as NumberKey[];
const SPOT = 'authenticity.spotCheck' as const;

const readSettings = (areaId: number | null) =>
  call(authApi.getAuthenticitySettings, { query: { areaId: areaId ?? undefined } });

function areaName(nodes: readonly AreaNode[], id: number): string | undefined {
  for (const n of nodes) {
    if (n.id === id) return n.name;
    const c = areaName(n.children, id);
    if (c) return c;
  }
  return undefined;
}

/** Where a value in force comes from: set on this area, or inherited (from which area / the district / the default). */
function SourceTag({ r }: { r: Read }) {
  if (r.own) return <Tag color="blue">本级设置</Tag>;
  return <Tag>{r.source === 'default' ? '系统默认' : `继承自：${r.sourceName}`}</Tag>;
}

/**
 * 规则设置: each authenticity rule's threshold for the district or one area, with where the value in
 * force comes from. Bureau admins (config.manage, as the API allows) set a value here or reset it to
 * the inherited one, each after a confirmation; everyone else with the queue sees the values.
 * Values are checked by the contract's own schemas (`AUTHENTICITY_SETTING_VALUES`).
 */
export function ThresholdsTab() {
  const { me } = useSession();
  const { message, modal } = App.useApp();
  const qc = useQueryClient();
  const areas = useAreaTree();
  // The area is in the address (?tab=rules&area=ID): a link or a reload keeps it.
  const [params, setParams] = useSearchParams();
  const areaParam = params.get('area');
  const areaId = areaParam && /^\d+$/.test(areaParam) ? Number(areaParam) : null;
  const setAreaId = (id: number | null) =>
    setParams((p) => {
      const next = new URLSearchParams(p);
      if (id == null) next.delete('area');
      else next.set('area', String(id));
      return next;
    });
  const mayEdit = !!me && can(me.roles, 'config.manage');
  const q = useQuery({ queryKey: ['auth-settings', areaId], queryFn: () => readSettings(areaId) });
  const where = areaId == null ? '全区' : (areaName(areas.data ?? [], areaId) ?? '所选辖区');

  const put = async (key: AuthenticitySettingKey, value: unknown) => {
    try {
      const data = await call(authApi.putAuthenticitySetting, { body: { areaId, key, value } });
      qc.setQueryData(['auth-settings', areaId], data);
      await qc.invalidateQueries({ queryKey: ['auth-settings'] });
      message.success(value == null ? '已恢复继承' : '已保存');
    } catch (e) {
      message.error((e as Error).message);
    }
  };
  const confirmSet = (key: AuthenticitySettingKey, label: string, shown: string, value: unknown) =>
    modal.confirm({
      title: `将「${label}」设为 ${shown}？`,
      content: `适用于${where}及其下未单独设置的辖区；此后录入的探访按新阈值计算，已录入探访的疑点不变。`,
      okText: '确认修改',
      cancelText: '取消',
      onOk: () => put(key, value),
    });
  const confirmReset = (key: AuthenticitySettingKey, label: string) =>
    modal.confirm({
      title: `「${label}」恢复继承？`,
      content: `删除${where}的本级设置，改为沿用上级辖区的设置（无上级设置时为系统默认）。`,
      okText: '恢复继承',
      cancelText: '取消',
      onOk: () => put(key, null),
    });

  const s = q.data;
  return (
    <Space direction="vertical" style={{ width: '100%', maxWidth: 1000 }}>
      <Space wrap>
        <span id="auth-settings-area">设置范围：</span>
        <TreeSelect
          allowClear
          aria-labelledby="auth-settings-area"
          placeholder="全区（系统默认之上）"
          style={{ width: 260 }}
          treeData={toTreeData(areas.data ?? [])}
          value={areaId ?? undefined}
          onChange={(v) => setAreaId(v ?? null)}
          treeDefaultExpandAll
          data-testid="auth-settings-area"
        />
      </Space>
      {q.error && <Alert type="error" showIcon message={(q.error as Error).message} />}
      <Alert
        type="info"
        showIcon
        message="下级辖区未单独设置时沿用上级设置。阈值只影响此后录入的探访；疑点只是提示，需镇街核查后才决定是否认定。"
        description={`“${AUTHENTICITY_RULE_LABELS.photo_reused}”和“${AUTHENTICITY_RULE_LABELS.copied_previous}”没有阈值，始终检查。${mayEdit ? '' : '阈值由民政局管理员设置，此处仅供查看。'}`}
      />
      <Table<{ key: NumberKey }>
        rowKey="key"
        size="middle"
        loading={q.isLoading}
        pagination={false}
        scroll={{ x: 760 }}
        data-testid="auth-thresholds"
        dataSource={NUMBER_KEYS.map((key) => ({ key }))}
        columns={[
          {
            title: '规则',
            width: 340,
            render: (_, { key }) => {
              const info = AUTHENTICITY_THRESHOLD_INFO[key];
              return (
                <Space direction="vertical" size={0}>
                  <Typography.Text strong>{info.label}</Typography.Text>
                  <Typography.Text type="secondary">
                    疑点：{info.rules.map((r) => AUTHENTICITY_RULE_LABELS[r]).join('、')}
                  </Typography.Text>
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {info.hint}
                  </Typography.Text>
                </Space>
              );
            },
          },
          {
            title: '阈值',
            render: (_, { key }) =>
              s && (
                <ThresholdForm
                  key={`${areaId}-${key}-${s[key].value}`}
                  settingKey={key}
                  value={s[key].value as number}
                  mayEdit={mayEdit}
                  onSave={(v) =>
                    confirmSet(
                      key,
                      AUTHENTICITY_THRESHOLD_INFO[key].label,
                      `${v} ${AUTHENTICITY_THRESHOLD_INFO[key].unit}`,
                      v,
                    )
                  }
                />
              ),
          },
          {
            title: '来源',
            width: 190,
            render: (_, { key }) =>
              s && (
                <Space size={4} wrap>
                  <SourceTag r={s[key]} />
                  {mayEdit && s[key].own && (
                    <Button
                      size="small"
                      data-testid={`reset-${key}`}
                      onClick={() => confirmReset(key, AUTHENTICITY_THRESHOLD_INFO[key].label)}
                    >
                      恢复继承
                    </Button>
                  )}
                </Space>
              ),
          },
        ]}
      />
      {s && (
        <Card
          size="small"
          title="回访抽查"
          extra={
            <Space size={4}>
              <SourceTag r={s[SPOT]} />
              {mayEdit && s[SPOT].own && (
                <Button
                  size="small"
                  data-testid={`reset-${SPOT}`}
                  onClick={() => confirmReset(SPOT, '回访抽查')}
                >
                  恢复继承
                </Button>
              )}
            </Space>
          }
        >
          <SpotCheckForm
            key={`${areaId}-${JSON.stringify(s[SPOT].value)}`}
            value={s[SPOT].value as { rate: number; min: number; flaggedWeight: number }}
            mayEdit={mayEdit}
            onSave={(v) =>
              confirmSet(
                SPOT,
                '回访抽查',
                `比例 ${+(v.rate * 100).toFixed(2)}%、至少 ${v.min} 条、疑点加权 ${v.flaggedWeight} 倍`,
                v,
              )
            }
          />
        </Card>
      )}
    </Space>
  );
}

function ThresholdForm(p: {
  settingKey: NumberKey;
  value: number;
  mayEdit: boolean;
  onSave: (v: number) => void;
}) {
  const info = AUTHENTICITY_THRESHOLD_INFO[p.settingKey];
  if (!p.mayEdit)
    return (
      <Typography.Text strong data-testid={`value-${p.settingKey}`}>
        {p.value} {info.unit}
      </Typography.Text>
    );
  return (
    <Form
      layout="inline"
      initialValues={{ value: p.value }}
      onFinish={(v: { value: number }) => p.onSave(v.value)}
      data-testid={`threshold-${p.settingKey}`}
    >
      <Form.Item
        name="value"
        rules={[
          { required: true, message: `请填写${info.label}` },
          schemaRule(authApi.AUTHENTICITY_SETTING_VALUES[p.settingKey]),
        ]}
      >
        <InputNumber aria-label={`${info.label}（${info.unit}）`} suffix={info.unit} style={{ width: 170 }} />
      </Form.Item>
      <Form.Item>
        <Button htmlType="submit" data-testid={`save-${p.settingKey}`}>
          保存
        </Button>
      </Form.Item>
    </Form>
  );
}

/** The spot-check setting: the rate in per cent on the page, a share (0.05) in the contract. */
function SpotCheckForm(p: {
  value: { rate: number; min: number; flaggedWeight: number };
  mayEdit: boolean;
  onSave: (v: { rate: number; min: number; flaggedWeight: number }) => void;
}) {
  const schema = authApi.AUTHENTICITY_SETTING_VALUES['authenticity.spotCheck'].shape;
  const I = SPOT_CHECK_SETTING_INFO;
  if (!p.mayEdit)
    return (
      <Typography.Text data-testid="value-authenticity.spotCheck">
        {I.rate.label} {+(p.value.rate * 100).toFixed(2)}
        {I.rate.unit}；{I.min.label} {p.value.min} {I.min.unit}；{I.flaggedWeight.label}{' '}
        {p.value.flaggedWeight} {I.flaggedWeight.unit}
      </Typography.Text>
    );
  return (
    <Form
      layout="inline"
      initialValues={{ ...p.value, rate: +(p.value.rate * 100).toFixed(2) }}
      onFinish={(v: { rate: number; min: number; flaggedWeight: number }) =>
        p.onSave({ ...v, rate: +(v.rate / 100).toFixed(4) })
      }
      data-testid="threshold-authenticity.spotCheck"
    >
      <Form.Item
        name="rate"
        label={I.rate.label}
        rules={[
          { required: true, message: `请填写${I.rate.label}` },
          { validator: async (_, v) => schemaRule(schema.rate).validator(_, v == null ? v : v / 100) },
        ]}
      >
        <InputNumber suffix={I.rate.unit} style={{ width: 130 }} />
      </Form.Item>
      <Form.Item
        name="min"
        label={I.min.label}
        rules={[{ required: true, message: `请填写${I.min.label}` }, schemaRule(schema.min)]}
      >
        <InputNumber suffix={I.min.unit} style={{ width: 130 }} />
      </Form.Item>
      <Form.Item
        name="flaggedWeight"
        label={I.flaggedWeight.label}
        rules={[
          { required: true, message: `请填写${I.flaggedWeight.label}` },
          schemaRule(schema.flaggedWeight),
        ]}
      >
        <InputNumber suffix={I.flaggedWeight.unit} style={{ width: 130 }} />
      </Form.Item>
      <Form.Item>
        <Button htmlType="submit" data-testid="save-authenticity.spotCheck">
          保存
        </Button>
      </Form.Item>
    </Form>
  );
}

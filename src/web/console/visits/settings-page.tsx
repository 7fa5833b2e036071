import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  Card,
  Form,
  Input,
  InputNumber,
  Select,
  Space,
  Tag,
  TreeSelect,
  Typography,
} from 'antd';
import { useState } from 'react';
import { getVisitSettings, putVisitSetting } from '../../../shared/api/visits';
import {
  FREQUENCIES,
  FREQUENCY_LABELS,
  VISIT_SETTING_LABELS,
  type VisitSettingKey,
} from '../../../shared/schedule';
import { call } from '../../lib/api';
import { toTreeData, useAreaTree } from '../../lib/areas';

/**
 * 探访设置 for the bureau: pick the whole district or one town or village; each setting shows its value
 * in force and where it comes from; set it here, or clear it to inherit from above again.
 */
export function VisitSettingsPage() {
  const { message } = App.useApp();
  const qc = useQueryClient();
  const areas = useAreaTree();
  const [areaId, setAreaId] = useState<number | null>(null);
  const q = useQuery({
    queryKey: ['visit-settings', areaId],
    queryFn: () => call(getVisitSettings, { query: { areaId: areaId ?? undefined } }),
  });
  const save = useMutation({
    mutationFn: (b: { key: VisitSettingKey; value: unknown }) =>
      call(putVisitSetting, { body: { areaId, ...b } }),
    onSuccess: (data) => {
      qc.setQueryData(['visit-settings', areaId], data);
      qc.invalidateQueries({ queryKey: ['visit-settings'] });
      message.success('已保存');
    },
    onError: (e: Error) => message.error(e.message),
  });
  const s = q.data;
  const card = (key: VisitSettingKey, body: React.ReactNode) => (
    <Card
      size="small"
      key={key}
      title={VISIT_SETTING_LABELS[key]}
      extra={
        s && (
          <Space>
            <Tag color={s[key].own ? 'blue' : 'default'}>
              {s[key].own ? '本级设置' : `继承自：${s[key].sourceName}`}
            </Tag>
            {s[key].own && (
              <Button size="small" onClick={() => save.mutate({ key, value: null })}>
                恢复继承
              </Button>
            )}
          </Space>
        )
      }
    >
      {body}
    </Card>
  );
  return (
    <div style={{ maxWidth: 820 }}>
      <Typography.Title level={4}>探访设置</Typography.Title>
      <Space direction="vertical" style={{ width: '100%' }}>
        <Space wrap>
          <span>设置范围：</span>
          <TreeSelect
            allowClear
            aria-label="全区（系统默认之上）"
            placeholder="全区（系统默认之上）"
            style={{ width: 260 }}
            treeData={toTreeData(areas.data ?? [])}
            value={areaId ?? undefined}
            onChange={(v) => setAreaId(v ?? null)}
            treeDefaultExpandAll
          />
        </Space>
        <Alert
          type="info"
          showIcon
          message="下级辖区未单独设置时沿用上级设置；频次变更从下一期起生效，已生成的本期任务保持不变。"
        />
        {s && (
          <>
            {card(
              'visits.frequency',
              <Form
                key={`f-${areaId}-${JSON.stringify(s['visits.frequency'].value)}`}
                layout="inline"
                initialValues={s['visits.frequency'].value}
                onFinish={(v) => save.mutate({ key: 'visits.frequency', value: v })}
              >
                <Form.Item name="general" label="普遍探访（自理）">
                  <Select
                    style={{ width: 130 }}
                    options={FREQUENCIES.map((f) => ({ value: f, label: FREQUENCY_LABELS[f] }))}
                  />
                </Form.Item>
                <Form.Item name="key" label="重点探访（半失能、失能）">
                  <Select
                    style={{ width: 130 }}
                    options={FREQUENCIES.map((f) => ({ value: f, label: FREQUENCY_LABELS[f] }))}
                  />
                </Form.Item>
                <Button htmlType="submit" type="primary">
                  保存
                </Button>
              </Form>,
            )}
            {card(
              'visits.inPersonEvery',
              <NumberSetting
                label="每几期须上门探访一次"
                value={s['visits.inPersonEvery'].value}
                min={0}
                max={12}
                hint="0 表示不要求；例如 3 表示电话/视频探访连续不超过 2 期，第 3 期须上门"
                onSave={(v) => save.mutate({ key: 'visits.inPersonEvery', value: v })}
              />,
            )}
            {card(
              'visits.followUpHours',
              <Form
                key={`fu-${areaId}-${JSON.stringify(s['visits.followUpHours'].value)}`}
                layout="inline"
                initialValues={s['visits.followUpHours'].value}
                onFinish={(v) => save.mutate({ key: 'visits.followUpHours', value: v })}
              >
                <Form.Item name="critical" label="紧急事件后（小时）">
                  <InputNumber min={1} max={168} />
                </Form.Item>
                <Form.Item name="normal" label="其他情况（小时）">
                  <InputNumber min={1} max={720} />
                </Form.Item>
                <Button htmlType="submit" type="primary">
                  保存
                </Button>
              </Form>,
            )}
            {card(
              'visits.seasons',
              <Form
                key={`s-${areaId}-${JSON.stringify(s['visits.seasons'].value)}`}
                layout="inline"
                initialValues={s['visits.seasons'].value}
                onFinish={(v) => save.mutate({ key: 'visits.seasons', value: v })}
              >
                <Form.Item label="供暖期">
                  <Space.Compact>
                    <Form.Item name={['heating', 'from']} noStyle>
                      <Input style={{ width: 80 }} placeholder="10-15" />
                    </Form.Item>
                    <Form.Item name={['heating', 'to']} noStyle>
                      <Input style={{ width: 80 }} placeholder="04-15" />
                    </Form.Item>
                  </Space.Compact>
                </Form.Item>
                <Form.Item label="汛期">
                  <Space.Compact>
                    <Form.Item name={['flood', 'from']} noStyle>
                      <Input style={{ width: 80 }} placeholder="06-15" />
                    </Form.Item>
                    <Form.Item name={['flood', 'to']} noStyle>
                      <Input style={{ width: 80 }} placeholder="09-30" />
                    </Form.Item>
                  </Space.Compact>
                </Form.Item>
                <Button htmlType="submit" type="primary">
                  保存
                </Button>
              </Form>,
            )}
            {card(
              'visits.reminderDays',
              <NumberSetting
                label="到期前提醒天数"
                value={s['visits.reminderDays'].value}
                min={0}
                max={15}
                hint="任务到期前几天提醒探访责任人"
                onSave={(v) => save.mutate({ key: 'visits.reminderDays', value: v })}
              />,
            )}
          </>
        )}
      </Space>
    </div>
  );
}

function NumberSetting(p: {
  label: string;
  value: number;
  min: number;
  max: number;
  hint: string;
  onSave: (v: number) => void;
}) {
  const [v, setV] = useState<number | null>(null);
  return (
    <Space wrap>
      <InputNumber aria-label={p.label} min={p.min} max={p.max} value={v ?? p.value} onChange={setV} />
      <Button type="primary" onClick={() => p.onSave(v ?? p.value)}>
        保存
      </Button>
      <Typography.Text type="secondary">{p.hint}</Typography.Text>
    </Space>
  );
}

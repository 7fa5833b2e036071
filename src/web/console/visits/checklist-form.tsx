import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { Button, Card, Checkbox, Input, InputNumber, Radio, Select, Space, Typography } from 'antd';
import {
  type ChecklistAnswers,
  type ChecklistDefinition,
  type ChecklistItem,
  type ChecklistSection,
  type ItemAnswer,
  itemApplies,
  itemRequired,
  needsNote,
  REQUEST_CATEGORIES,
  REQUEST_CATEGORY_LABELS,
  RISK_CODES,
  RISK_LABELS,
  type VisitMethod,
  type VisitRequest,
  type VisitRisk,
} from '../../../shared/checklist';

interface Props {
  def: ChecklistDefinition;
  method: VisitMethod;
  seasons: { heating: boolean; flood: boolean };
  value: ChecklistAnswers;
  onChange: (v: ChecklistAnswers) => void;
  /** Errors by field ('answers.D.house'), from validateChecklist or the server. */
  errors: Record<string, string>;
}

/**
 * The visit checklist form, rendered from the shared definition (shared/checklist.ts): one card per
 * section, seasonal items only in season, a description box whenever an answer is "bad". Works on a
 * 360 px wide phone: options wrap, inputs take the full width.
 */
export function ChecklistForm({ def, method, seasons, value, onChange, errors }: Props) {
  const set = (s: ChecklistSection, item: ChecklistItem, a: ItemAnswer | undefined) => {
    const sec = { ...(value[s.key] ?? {}) };
    if (a === undefined) delete sec[item.key];
    else sec[item.key] = a;
    onChange({ ...value, [s.key]: sec });
  };
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      {def.sections.map((s) => {
        const items = s.items.filter((i) => itemApplies(i, { seasons }));
        if (items.length === 0) return null;
        const optional = s.requiredFor && !s.requiredFor.includes(method);
        return (
          <Card
            key={s.key}
            size="small"
            title={
              <span style={{ whiteSpace: 'normal' }}>
                {s.key}. {s.label}
                {optional && <Typography.Text type="secondary">（此探访方式可不填）</Typography.Text>}
              </span>
            }
          >
            <Space direction="vertical" style={{ width: '100%' }} size="middle">
              {items.map((item) => {
                const field = `answers.${s.key}.${item.key}`;
                const a = value[s.key]?.[item.key];
                const required = itemRequired(s, item, { method, seasons });
                const err = Object.entries(errors).find(
                  ([k]) => k === field || k.startsWith(`${field}.`),
                )?.[1];
                return (
                  <div key={item.key} data-field={field}>
                    <div style={{ marginBottom: 4 }}>
                      {required && <span style={{ color: '#ff4d4f' }}>* </span>}
                      {item.label}
                      {item.hint && <Typography.Text type="secondary">（{item.hint}）</Typography.Text>}
                    </div>
                    <ItemInput item={item} a={a} onChange={(x) => set(s, item, x)} />
                    {(item.type === 'choice' || item.type === 'multi' || item.type === 'number') &&
                      needsNote(item, a) && (
                        <Input.TextArea
                          style={{ marginTop: 6 }}
                          rows={2}
                          maxLength={2000}
                          placeholder="异常情况，请说明（必填）"
                          value={a?.note ?? ''}
                          onChange={(e) => set(s, item, { ...(a as ItemAnswer), note: e.target.value })}
                        />
                      )}
                    {err && <div style={{ color: '#ff4d4f', marginTop: 4 }}>{err}</div>}
                  </div>
                );
              })}
            </Space>
          </Card>
        );
      })}
    </Space>
  );
}

function ItemInput({
  item,
  a,
  onChange,
}: {
  item: ChecklistItem;
  a: ItemAnswer | undefined;
  onChange: (a: ItemAnswer | undefined) => void;
}) {
  switch (item.type) {
    case 'choice':
      return (
        <Radio.Group
          style={{ display: 'flex', flexWrap: 'wrap', gap: 4 }}
          value={a?.value ?? undefined}
          onChange={(e) => onChange({ value: e.target.value, note: a?.note })}
          optionType="button"
          options={item.options?.map((o) => ({
            value: o.value,
            label: o.bad ? <span style={{ color: '#cf1322' }}>{o.label}</span> : o.label,
          }))}
        />
      );
    case 'multi':
      return (
        <Checkbox.Group
          style={{ display: 'flex', flexWrap: 'wrap', gap: 8 }}
          value={(a?.value as string[]) ?? []}
          onChange={(v) => onChange(v.length ? { value: v as string[], note: a?.note } : undefined)}
          options={item.options?.map((o) => ({ value: o.value, label: o.label }))}
        />
      );
    case 'number':
      return (
        <InputNumber
          style={{ width: 160 }}
          min={item.min}
          max={item.max}
          addonAfter={item.unit}
          value={(a?.value as number) ?? null}
          onChange={(v) => onChange(v == null ? undefined : { value: v, note: a?.note })}
        />
      );
    case 'text':
      return (
        <Input.TextArea
          rows={2}
          maxLength={2000}
          value={(a?.value as string) ?? ''}
          onChange={(e) => onChange(e.target.value ? { value: e.target.value } : undefined)}
        />
      );
    case 'risks': {
      const risks = (a?.value as VisitRisk[]) ?? [];
      const update = (next: VisitRisk[]) => onChange(next.length ? { value: next } : undefined);
      return (
        <Space direction="vertical" style={{ width: '100%' }}>
          {RISK_CODES.map((code) => {
            const r = risks.find((x) => x.code === code);
            return (
              <div key={code}>
                <Checkbox
                  checked={!!r}
                  onChange={(e) =>
                    update(
                      e.target.checked
                        ? [...risks, { code, note: '' }]
                        : risks.filter((x) => x.code !== code),
                    )
                  }
                >
                  <span style={{ color: r ? '#cf1322' : undefined }}>{RISK_LABELS[code]}</span>
                </Checkbox>
                {r && (
                  <Input.TextArea
                    rows={2}
                    style={{ marginTop: 4 }}
                    placeholder="请说明情况（提交后将启动应急处置）"
                    value={r.note}
                    onChange={(e) =>
                      update(risks.map((x) => (x.code === code ? { ...x, note: e.target.value } : x)))
                    }
                  />
                )}
              </div>
            );
          })}
        </Space>
      );
    }
    case 'requests': {
      const reqs = (a?.value as VisitRequest[]) ?? [];
      const update = (next: VisitRequest[]) => onChange(next.length ? { value: next } : undefined);
      return (
        <Space direction="vertical" style={{ width: '100%' }}>
          {reqs.map((r, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity until saved
            <Space.Compact key={i} style={{ width: '100%' }}>
              <Select
                style={{ width: 110 }}
                value={r.category}
                onChange={(c) => update(reqs.map((x, j) => (j === i ? { ...x, category: c } : x)))}
                options={REQUEST_CATEGORIES.map((c) => ({ value: c, label: REQUEST_CATEGORY_LABELS[c] }))}
              />
              <Input
                placeholder="诉求内容"
                value={r.note}
                onChange={(e) => update(reqs.map((x, j) => (j === i ? { ...x, note: e.target.value } : x)))}
              />
              <Button icon={<DeleteOutlined />} onClick={() => update(reqs.filter((_, j) => j !== i))} />
            </Space.Compact>
          ))}
          <Button icon={<PlusOutlined />} onClick={() => update([...reqs, { category: 'living', note: '' }])}>
            添加诉求
          </Button>
        </Space>
      );
    }
  }
}

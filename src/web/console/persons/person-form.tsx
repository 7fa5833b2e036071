import { useQuery } from '@tanstack/react-query';
import {
  Alert,
  App,
  Checkbox,
  Col,
  DatePicker,
  Form,
  Input,
  Modal,
  Row,
  Select,
  Tag,
  TreeSelect,
} from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useState } from 'react';
import * as personsApi from '../../../shared/api/persons';
import { PERSON_LIMITS as L, PERSON_CHOICES, type PersonFile } from '../../../shared/api/persons';
import { chinaDate } from '../../../shared/china-time';
import { parseIdNumber } from '../../../shared/id-card';
import {
  BENEFIT_CARD_LABELS,
  deriveSelfCare,
  PERSON_FLAG_LABELS,
  SELF_CARE_INDICATORS,
  SELF_CARE_LABELS,
  type SelfCareIndicators,
  TIER_LABELS,
  tierOf,
} from '../../../shared/person';
import { AREA_LEVEL_LABELS } from '../../../shared/roles';
import { call, HttpError } from '../../lib/api';
import { type AreaNode, useAreaTree } from '../../lib/areas';

/** Tree data where only villages can be picked. */
function villageTree(nodes: AreaNode[]): any[] {
  return nodes.map((n) => ({
    value: n.id,
    title: n.name,
    selectable: n.level === 'village',
    children: villageTree(n.children),
  }));
}

/** The six indicators as checkboxes with the level and tier they imply, computed by the shared rule. */
export function IndicatorsInput(props: {
  value?: SelfCareIndicators;
  onChange?: (v: SelfCareIndicators) => void;
}) {
  const v =
    props.value ?? (Object.fromEntries(SELF_CARE_INDICATORS.map((i) => [i.key, true])) as SelfCareIndicators);
  const level = deriveSelfCare(v);
  return (
    <div>
      {SELF_CARE_INDICATORS.map((i) => (
        <Checkbox
          key={i.key}
          checked={v[i.key]}
          onChange={(e) => props.onChange?.({ ...v, [i.key]: e.target.checked })}
          data-testid={`indicator-${i.key}`}
        >
          {i.label}
        </Checkbox>
      ))}
      <div style={{ marginTop: 6 }} data-testid="derived-level">
        评估结果：
        <Tag color={level === 'capable' ? 'green' : level === 'partial' ? 'orange' : 'red'}>
          {SELF_CARE_LABELS[level]}
        </Tag>
        → {TIER_LABELS[tierOf(level)]}
        <span style={{ color: '#595959', marginLeft: 8 }}>（勾选表示能独立完成）</span>
      </div>
    </div>
  );
}

const ALL_MET = Object.fromEntries(SELF_CARE_INDICATORS.map((i) => [i.key, true])) as SelfCareIndicators;

/** What the form's inputs hold (the request is built from them field by field, see `bodyOf`). */
interface FormValues {
  name: string;
  idNumber?: string;
  ethnicity?: string | null;
  phone?: string;
  villageId: number;
  supportStart: Dayjs;
  registeredAddress?: string | null;
  currentAddress?: string | null;
  flags?: personsApi.PersonBody['flags'];
  certificateNo?: string | null;
  benefitCard?: personsApi.PersonBody['benefitCard'];
  cardCustodian?: string | null;
  cardCustodianReason?: string | null;
  indicators?: personsApi.PersonBody['indicators'];
  visitorId?: number | null;
  note?: string | null;
}

/**
 * The request from the form's inputs, typed by the contract's body: a field the schema makes required
 * does not compile here until the form has an input for it (test/contract-reach-persons.test.ts).
 */
const bodyOf = (v: FormValues): personsApi.PersonBody => ({
  name: v.name,
  idNumber: v.idNumber ?? '',
  ethnicity: v.ethnicity,
  phone: v.phone || null,
  villageId: v.villageId,
  supportStart: v.supportStart.format('YYYY-MM-DD'),
  registeredAddress: v.registeredAddress,
  currentAddress: v.currentAddress,
  flags: v.flags,
  certificateNo: v.certificateNo,
  benefitCard: v.benefitCard,
  cardCustodian: v.cardCustodian,
  cardCustodianReason: v.cardCustodianReason,
  indicators: v.indicators,
  visitorId: v.visitorId,
  note: v.note,
});

/**
 * The edit's request from the form's values: an ID number left masked (or blank) and a blank phone
 * mean "unchanged" (the stored ones are only shown masked); what only a new file takes is left out.
 */
function editOf(
  body: personsApi.PersonBody,
  phone: string | undefined,
  person?: PersonFile,
): { params: { id: number }; body: personsApi.PersonPatchBody } {
  const { selfCare, indicators, assessedOn, visitorId, allowSimilar, ...rest } = body;
  const patch: personsApi.PersonPatchBody = { ...rest, version: person!.version };
  if (patch.idNumber === person!.idNumberMasked || !patch.idNumber) delete patch.idNumber;
  if (!phone) delete patch.phone;
  return { params: { id: person!.id }, body: patch };
}

/** Create (no `person`) or edit a person file. */
export function PersonFormModal(props: {
  open: boolean;
  person?: PersonFile;
  onClose: () => void;
  onSaved: (id: number) => void;
}) {
  const { message, modal } = App.useApp();
  const [form] = Form.useForm<FormValues>();
  const [busy, setBusy] = useState(false);
  const areas = useAreaTree();
  const editing = !!props.person;
  const villageId = Form.useWatch('villageId', form);
  const idNumber = Form.useWatch('idNumber', form) as string | undefined;
  const card = Form.useWatch('benefitCard', form);
  const visitors = useQuery({
    queryKey: ['visitors', villageId ?? ''],
    queryFn: () => call(personsApi.listVisitors, { query: { areaId: villageId } }),
    enabled: props.open && !editing && !!villageId,
  });
  // Checked against today (China time), as the server does: a birth date after today is an error.
  const idCheck = idNumber && idNumber.length >= 15 ? parseIdNumber(idNumber, chinaDate(new Date())) : null;

  const save = async (allowSimilar = false) => {
    const v = await form.validateFields();
    const body = bodyOf(v);
    if (allowSimilar) body.allowSimilar = true;
    setBusy(true);
    try {
      const r = editing
        ? await call(personsApi.updatePerson, editOf(body, v.phone, props.person))
        : await call(personsApi.createPerson, { body });
      message.success('已保存');
      form.resetFields();
      props.onSaved(r.id);
    } catch (e) {
      if (e instanceof HttpError && e.body.code === 'POSSIBLE_DUPLICATE') {
        modal.confirm({
          title: '可能重复建档',
          content: e.body.message,
          okText: '不是同一人，继续保存',
          cancelText: '返回检查',
          onOk: () => save(true),
        });
      } else if (e instanceof HttpError && e.body.field) {
        const name = e.body.field.replace(/^body\./, '') as keyof FormValues;
        if (form.getFieldInstance(name)) form.setFields([{ name, errors: [e.body.message] }]);
        else message.error(e.body.message);
      } else message.error((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const p = props.person;
  return (
    <Modal
      title={editing ? `修改档案：${p!.name}` : '新建对象档案'}
      open={props.open}
      onCancel={props.onClose}
      onOk={() => save()}
      okButtonProps={{ loading: busy }}
      width={820}
      destroyOnHidden
      forceRender={false}
    >
      <Form
        form={form}
        layout="vertical"
        preserve={false}
        initialValues={
          p
            ? {
                name: p.name,
                idNumber: p.idNumberMasked,
                ethnicity: p.ethnicity,
                villageId: p.villageId,
                registeredAddress: p.registeredAddress,
                currentAddress: p.currentAddress,
                supportStart: dayjs(p.supportStart),
                certificateNo: p.certificateNo,
                flags: p.flags.filter((f) => f !== 'aged_80'),
                flagNote: p.flagNote,
                benefitCard: p.benefitCard,
                cardCustodian: p.cardCustodian,
                cardCustodianReason: p.cardCustodianReason,
                note: p.note,
              }
            : { benefitCard: 'self', flags: [], indicators: ALL_MET, ethnicity: '汉族' }
        }
      >
        <Row gutter={16}>
          <Col span={8}>
            <Form.Item name="name" label="姓名" rules={[{ required: true, message: '请填写姓名' }]}>
              <Input maxLength={L.name} />
            </Form.Item>
          </Col>
          <Col span={10}>
            <Form.Item
              name="idNumber"
              label="身份证号码"
              rules={[{ required: !editing, message: '请填写身份证号码' }]}
              extra={
                idCheck &&
                (idCheck.ok ? (
                  <span style={{ color: '#237804' }}>
                    出生日期 {idCheck.birthDate}，{idCheck.sex === 'male' ? '男' : '女'}
                  </span>
                ) : (
                  <span style={{ color: '#cf1322' }}>{idCheck.message}</span>
                ))
              }
            >
              <Input maxLength={L.idNumber} placeholder={editing ? '如需更正请输入完整号码' : ''} />
            </Form.Item>
          </Col>
          <Col span={6}>
            <Form.Item name="ethnicity" label="民族">
              <Input maxLength={L.ethnicity} />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item
              name="phone"
              label="联系电话"
              extra={editing ? `现为 ${p!.phoneMasked ?? '无'}，不改请留空` : undefined}
            >
              <Input maxLength={L.phone} />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item
              name="villageId"
              label={AREA_LEVEL_LABELS.village}
              rules={[{ required: true, message: `请选择${AREA_LEVEL_LABELS.village}` }]}
            >
              <TreeSelect treeData={villageTree(areas.data ?? [])} showSearch treeNodeFilterProp="title" />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item
              name="supportStart"
              label="供养开始日期"
              rules={[{ required: true, message: '请选择日期' }]}
            >
              <DatePicker style={{ width: '100%' }} disabledDate={(d) => d.isAfter(dayjs())} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="registeredAddress" label="户籍地址">
              <Input maxLength={L.address} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="currentAddress" label="现居住地址">
              <Input maxLength={L.address} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="flags" label="标识（80 岁以上由出生日期自动得出）">
              <Select
                mode="multiple"
                maxCount={L.flags}
                options={PERSON_CHOICES.flags.map((f) => ({ value: f, label: PERSON_FLAG_LABELS[f] }))}
              />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="certificateNo" label="供养证编号">
              <Input maxLength={L.certificateNo} />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item name="benefitCard" label="一卡通">
              <Select
                options={PERSON_CHOICES.benefitCard.map((s) => ({ value: s, label: BENEFIT_CARD_LABELS[s] }))}
              />
            </Form.Item>
          </Col>
          {card === 'custodian' && (
            <>
              <Col span={8}>
                <Form.Item
                  name="cardCustodian"
                  label="代管人"
                  rules={[{ required: true, message: '请填写代管人' }]}
                >
                  <Input maxLength={L.cardCustodian} />
                </Form.Item>
              </Col>
              <Col span={8}>
                <Form.Item name="cardCustodianReason" label="代管原因">
                  <Input maxLength={L.cardCustodianReason} />
                </Form.Item>
              </Col>
            </>
          )}
        </Row>
        {!editing && (
          <>
            <Form.Item name="indicators" label="生活自理能力评估（六项指标）">
              <IndicatorsInput />
            </Form.Item>
            <Form.Item name="visitorId" label="探访责任人">
              <Select
                allowClear
                placeholder={villageId ? '选择本村或本镇的探访责任人' : '请先选择村（社区）'}
                options={(visitors.data?.items ?? [])
                  .filter((v) => !v.disabled)
                  .map((v) => ({ value: v.id, label: `${v.displayName}（现负责 ${v.activePersons} 人）` }))}
              />
            </Form.Item>
          </>
        )}
        <Form.Item name="note" label="备注">
          <Input.TextArea maxLength={L.note} rows={2} />
        </Form.Item>
        {editing && (
          <Alert
            type="info"
            showIcon
            message="自理能力请在“自理能力评估”中重新评估；供养状态请用页面上方的暂停、终止、恢复按钮。"
          />
        )}
      </Form>
    </Modal>
  );
}

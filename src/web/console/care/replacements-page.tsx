import { useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Checkbox, Select, Space, Steps, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import * as careApi from '../../../shared/api/care';
import type { BodyOf } from '../../../shared/api/contract';
import {
  REPLACEMENT_CAUSE_LABELS,
  REPLACEMENT_STATUS_LABELS,
  REPLACEMENT_STATUSES,
} from '../../../shared/care';
import { can } from '../../../shared/roles';
import { call } from '../../lib/api';
import { useSession } from '../../lib/session';
import { EmptyState } from '../common/empty-state';
import { CaregiverSelect, ReplacementStatusTag } from './shared';

type Replacement = careApi.Replacement;
type ReplacementChange = Omit<BodyOf<typeof careApi.updateReplacement>, 'version'>;

/** 更换照料服务人: each case with its three steps, the new caregiver and the legal-referral flag. */
export function ReplacementsPage() {
  const { me } = useSession();
  const canWrite = !!me && can(me.roles, 'care.write');
  const { message, modal } = App.useApp();
  const qc = useQueryClient();
  const [status, setStatus] = useState<Replacement['status'] | undefined>('open');
  const list = useQuery({
    queryKey: ['care-replacements', status],
    queryFn: () => call(careApi.listReplacements, { query: { limit: 500, status } }),
  });
  const patch = async (r: Replacement, body: ReplacementChange) => {
    try {
      await call(careApi.updateReplacement, { params: { id: r.id }, body: { version: r.version, ...body } });
      qc.invalidateQueries({ queryKey: ['care-replacements'] });
      message.success('已保存');
    } catch (e) {
      message.error((e as Error).message);
    }
  };
  const terminate = (r: Replacement) =>
    modal.confirm({
      title: `解除 ${r.personName} 与 ${r.oldCaregiverName} 的照料协议？`,
      content: r.detail,
      okText: '解除',
      okButtonProps: { danger: true },
      onOk: async () => {
        try {
          const id = r.oldAgreementId!;
          const a = await call(careApi.getAgreement, { params: { id } });
          await call(careApi.terminateAgreement, {
            params: { id },
            body: { version: a.version, reason: r.detail ?? '更换照料服务人' },
          });
          qc.invalidateQueries({ queryKey: ['care-replacements'] });
          message.success('原协议已解除');
        } catch (e) {
          message.error((e as Error).message);
        }
      },
    });
  return (
    <div>
      <Space style={{ marginBottom: 16, justifyContent: 'space-between', width: '100%' }}>
        <Typography.Title level={4} style={{ margin: 0 }}>
          更换照料服务人
        </Typography.Title>
        <Select
          allowClear
          aria-label="全部"
          placeholder="全部"
          style={{ width: 140 }}
          value={status}
          onChange={setStatus}
          options={REPLACEMENT_STATUSES.map((s) => ({ value: s, label: REPLACEMENT_STATUS_LABELS[s] }))}
        />
      </Space>
      <Table<Replacement>
        locale={{
          emptyText: (
            <EmptyState
              title="没有进行中的更换"
              hint="照料考核不合格、照料人严重失职或协议解除时在这里更换照料服务人；探访中发现问题也会自动启动。"
            />
          ),
        }}
        rowKey="id"
        size="middle"
        loading={list.isLoading}
        dataSource={list.data?.items}
        pagination={{ pageSize: 20 }}
        columns={[
          { title: '特困人员', render: (_, r) => `${r.personName}（${r.townName}）` },
          {
            title: '原因',
            render: (_, r) => (
              <Space direction="vertical" size={0}>
                <Tag color={r.cause === 'serious_infringement' ? 'red' : 'orange'}>
                  {REPLACEMENT_CAUSE_LABELS[r.cause]}
                </Tag>
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {r.detail}
                </Typography.Text>
              </Space>
            ),
          },
          {
            title: '原照料服务人',
            render: (_, r) => (
              <Space direction="vertical" size={0}>
                {r.oldCaregiverName ?? '—'}
                {canWrite && r.status === 'open' && !r.steps.terminated && r.oldAgreementId && (
                  <a style={{ color: '#cf1322' }} onClick={() => terminate(r)}>
                    解除原协议
                  </a>
                )}
              </Space>
            ),
          },
          {
            title: '办理进度',
            width: 380,
            render: (_, r) => (
              <Steps
                size="small"
                current={
                  [r.steps.terminated, r.steps.caregiverChosen, r.steps.newAgreementSigned].filter(Boolean)
                    .length
                }
                items={[
                  { title: '解除原协议' },
                  { title: r.newCaregiverName ? `选定 ${r.newCaregiverName}` : '选定新照料人' },
                  { title: '签订新协议' },
                ]}
              />
            ),
          },
          {
            title: '新照料服务人',
            width: 200,
            render: (_, r) =>
              r.status === 'open' && canWrite ? (
                <CaregiverSelect
                  value={r.newCaregiverId ?? undefined}
                  onChange={(v) => patch(r, { newCaregiverId: v })}
                />
              ) : (
                (r.newCaregiverName ?? '—')
              ),
          },
          {
            title: '追究法律责任',
            render: (_, r) => (
              <Checkbox
                checked={r.legalReferral}
                disabled={!canWrite || r.status !== 'open'}
                onChange={(e) => patch(r, { legalReferral: e.target.checked })}
              >
                {r.legalReferral ? <Tag color="red">已移交</Tag> : '移交'}
              </Checkbox>
            ),
          },
          { title: '状态', render: (_, r) => <ReplacementStatusTag s={r.status} /> },
          { title: '启动时间', render: (_, r) => r.openedAt.slice(0, 10) },
        ]}
      />
      <Typography.Paragraph type="secondary" style={{ marginTop: 12 }}>
        考核评价不合格、或探访中发现照料服务人严重侵害特困人员权益时自动启动。解除原协议后，在“照料协议”页与新的照料服务人签订协议，事项即办结。
      </Typography.Paragraph>
    </div>
  );
}

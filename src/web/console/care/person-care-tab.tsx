import { useQuery } from '@tanstack/react-query';
import { Empty, Space, Table, Tag, Typography } from 'antd';
import type { Agreement, Review } from '../../../shared/api/care';
import * as careApi from '../../../shared/api/care';
import { listPersonPayments } from '../../../shared/api/money';
import { PAYMENT_KIND_LABELS } from '../../../shared/care';
import { can } from '../../../shared/roles';
import { call } from '../../lib/api';
import { useSession } from '../../lib/session';
import { PrintLinks } from './print-links';
import { AgreementStatusTag, chinaToday, ReplacementStatusTag } from './shared';

/**
 * The person page's 照料与资金 tab: agreements (with their printable documents), replacement cases,
 * reviews and the last year's payments of one person.
 */
export function PersonCareTab({ personId }: { personId: number }) {
  const { me } = useSession();
  const canCare = !!me && can(me.roles, 'care.read');
  const canMoney = !!me && can(me.roles, 'money.read');
  const agreements = useQuery({
    queryKey: ['care-agreements', 'person', personId],
    enabled: canCare,
    queryFn: () => call(careApi.listAgreements, { query: { personId, limit: 50 } }),
  });
  const reviews = useQuery({
    queryKey: ['caregiver-reviews', 'person', personId],
    enabled: canCare,
    queryFn: () => call(careApi.listReviews, { query: { personId, limit: 50 } }),
  });
  const cases = useQuery({
    queryKey: ['care-replacements', 'person', personId],
    enabled: canCare,
    queryFn: () => call(careApi.listReplacements, { query: { personId } }),
  });
  const payments = useQuery({
    queryKey: ['payments', 'person', personId],
    enabled: canMoney,
    queryFn: () => call(listPersonPayments, { params: { personId }, query: { months: 12 } }),
  });
  const today = chinaToday();
  return (
    <Space direction="vertical" style={{ width: '100%' }} size="large">
      {canCare && (
        <div>
          <Typography.Title level={5}>照料协议</Typography.Title>
          <Table<Agreement>
            rowKey="id"
            size="small"
            pagination={false}
            loading={agreements.isLoading}
            dataSource={agreements.data?.items}
            locale={{ emptyText: <Empty description="没有照料协议" /> }}
            columns={[
              { title: '照料服务人', render: (_, a) => `${a.caregiverName}（${a.relation}）` },
              { title: '电话', dataIndex: 'caregiverPhoneMasked' },
              { title: '期限', render: (_, a) => `${a.startDate} 至 ${a.endDate}` },
              { title: '月护理费', render: (_, a) => a.monthlyFee.toFixed(2) },
              { title: '状态', render: (_, a) => <AgreementStatusTag a={a} today={today} /> },
              {
                title: '文书',
                render: (_, a) => (
                  <Space>
                    <PrintLinks agreementId={a.id} short />
                  </Space>
                ),
              },
            ]}
          />
        </div>
      )}
      {canCare && (cases.data?.items.length ?? 0) > 0 && (
        <div>
          <Typography.Title level={5}>更换照料服务人</Typography.Title>
          {cases.data?.items.map((c) => (
            <div key={c.id}>
              <ReplacementStatusTag s={c.status} /> {c.detail}
              {c.legalReferral && <Tag color="red">已移交追究法律责任</Tag>}
            </div>
          ))}
        </div>
      )}
      {canCare && (
        <div>
          <Typography.Title level={5}>考核评价</Typography.Title>
          <Table<Review>
            rowKey="id"
            size="small"
            pagination={false}
            loading={reviews.isLoading}
            dataSource={reviews.data?.items}
            locale={{ emptyText: <Empty description="没有考核记录" /> }}
            columns={[
              { title: '期间', render: (_, r) => `${r.periodFrom} 至 ${r.periodTo}` },
              { title: '照料服务人', dataIndex: 'caregiverName' },
              { title: '得分', dataIndex: 'score' },
              {
                title: '结果',
                render: (_, r) => (r.passed ? <Tag color="green">合格</Tag> : <Tag color="red">不合格</Tag>),
              },
            ]}
          />
        </div>
      )}
      {canMoney && (
        <div>
          <Typography.Title level={5}>资金发放（近 12 个月）</Typography.Title>
          <Table
            rowKey={(p) => `${p.month}-${p.kind}`}
            size="small"
            pagination={false}
            loading={payments.isLoading}
            dataSource={payments.data?.items}
            locale={{ emptyText: <Empty description="没有发放记录" /> }}
            columns={[
              { title: '月份', dataIndex: 'month' },
              { title: '类别', render: (_, p) => PAYMENT_KIND_LABELS[p.kind] },
              { title: '应发', render: (_, p) => p.amountDue.toFixed(2) },
              {
                title: '实发',
                render: (_, p) => (
                  <span style={{ color: p.amountPaid < p.amountDue ? '#cf1322' : undefined }}>
                    {p.amountPaid.toFixed(2)}
                  </span>
                ),
              },
              { title: '发放日期', dataIndex: 'paidOn' },
            ]}
          />
        </div>
      )}
    </Space>
  );
}

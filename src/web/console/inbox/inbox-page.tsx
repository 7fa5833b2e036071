import { useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Badge, Button, Card, Form, Input, List, Segmented, Space, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useNavigate } from 'react-router';
import type { InboxItem } from '../../../shared/api/notifications';
import * as notificationsApi from '../../../shared/api/notifications';
import { notificationKindLabel } from '../../../shared/labels';
import { call } from '../../lib/api';
import { schemaRule } from '../../lib/form-rules';
import { fmt } from '../incidents/shared';

/** Where a notification's record opens in the console. */
const REF_PATHS: Record<string, (id: string) => string> = {
  incident: (id) => `/incidents?id=${id}`,
  concern: (id) => `/concerns?id=${id}`,
  referral: (id) => `/referrals?id=${id}`,
  visit_task: () => '/visit-tasks',
  care_agreement: () => '/care-agreements',
  person: (id) => `/persons/${id}`,
};

export function InboxPage() {
  const qc = useQueryClient();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const [unreadOnly, setUnreadOnly] = useState(false);
  const list = useQuery({
    queryKey: ['inbox', unreadOnly],
    queryFn: () =>
      call(notificationsApi.listInbox, { query: { limit: 100, unread: unreadOnly ? '1' : undefined } }),
  });
  const reload = () => {
    qc.invalidateQueries({ queryKey: ['inbox'] });
    qc.invalidateQueries({ queryKey: ['inbox-unread'] });
  };
  const open = async (n: InboxItem) => {
    if (!n.read) await call(notificationsApi.markRead, { params: { id: n.id } }).catch(() => {});
    reload();
    const path = n.ref && REF_PATHS[n.ref.entity]?.(n.ref.id);
    if (path) navigate(path);
  };
  return (
    <div>
      <Space style={{ marginBottom: 16, justifyContent: 'space-between', width: '100%' }} wrap>
        <Typography.Title level={4} style={{ margin: 0 }}>
          消息通知 {list.data ? <Badge count={list.data.unread} /> : null}
        </Typography.Title>
        <Space>
          <Segmented
            value={unreadOnly ? 'unread' : 'all'}
            onChange={(v) => setUnreadOnly(v === 'unread')}
            options={[
              { value: 'all', label: '全部' },
              { value: 'unread', label: '未读' },
            ]}
          />
          <Button
            disabled={!list.data?.unread}
            onClick={async () => {
              await call(notificationsApi.markAllRead);
              message.success('已全部标为已读');
              reload();
            }}
          >
            全部已读
          </Button>
        </Space>
      </Space>
      <Card>
        <List
          loading={list.isLoading}
          dataSource={list.data?.items}
          locale={{ emptyText: '暂无消息' }}
          data-testid="inbox"
          renderItem={(n) => (
            <List.Item
              onClick={() => open(n)}
              style={{ cursor: 'pointer', background: n.read ? undefined : '#f0f7ff', paddingLeft: 12 }}
            >
              <List.Item.Meta
                title={
                  <Space>
                    {!n.read && <Badge status="processing" />}
                    <Tag
                      color={
                        n.kind.startsWith('incident') ? 'red' : n.kind.includes('overdue') ? 'orange' : 'blue'
                      }
                    >
                      {notificationKindLabel(n.kind)}
                    </Tag>
                    <span style={{ fontWeight: n.read ? 400 : 600 }}>{n.title}</span>
                  </Space>
                }
                description={n.body}
              />
              <Typography.Text type="secondary">{fmt(n.createdAt)}</Typography.Text>
            </List.Item>
          )}
        />
      </Card>
      <EmailSetting />
    </div>
  );
}

function EmailSetting() {
  const { message } = App.useApp();
  const [form] = Form.useForm();
  const q = useQuery({
    queryKey: ['inbox-settings'],
    queryFn: () => call(notificationsApi.getInboxSettings),
  });
  useEffect(() => {
    if (q.data) form.setFieldsValue({ email: q.data.email ?? '', phone: q.data.phone ?? '' });
  }, [q.data, form]);
  return (
    <Card size="small" title="邮件与短信提醒" style={{ marginTop: 16 }}>
      <Form
        form={form}
        layout="inline"
        onFinish={async (v) => {
          try {
            await call(notificationsApi.putInboxSettings, {
              body: { email: v.email || null, phone: v.phone || null },
            });
            message.success('已保存');
          } catch (e) {
            message.error((e as Error).message);
          }
        }}
      >
        <Form.Item name="email" label="接收邮箱" rules={[schemaRule(notificationsApi.NotifyEmailInput)]}>
          <Input style={{ width: 260 }} placeholder="留空则只在系统内提醒" />
        </Form.Item>
        <Form.Item
          name="phone"
          label="短信手机号"
          rules={[{ pattern: /^(1\d{10})?$/, message: '手机号应为 11 位数字，以 1 开头' }]}
        >
          <Input style={{ width: 160 }} placeholder="留空则不发短信" inputMode="numeric" />
        </Form.Item>
        <Button htmlType="submit">保存</Button>
      </Form>
    </Card>
  );
}

import { useIsFetching } from '@tanstack/react-query';
import { Card, Col, Descriptions, Row, Typography } from 'antd';
import { lazy, Suspense, useEffect, useState } from 'react';
import { chinaDate } from '../../../shared/china-time';
import { can, ROLE_LABELS } from '../../../shared/roles';
import { useSession } from '../../lib/session';
import { DepartmentWork } from '../incidents/department-work';
import { OversightDashboard } from '../oversight/dashboard';

/**
 * The landing page: each role lands on its dashboard (bureau: all towns; town: villages and visitors;
 * visitor: own progress); a department liaison lands on the incidents and referrals waiting for the
 * department. Anyone else sees their account.
 */
/** Loaded after the dashboard's own figures, like its charts: the first screen stays within its budget. */
const SignalFiguresCard = lazy(() =>
  import('../signals/figures-card').then((m) => ({ default: m.SignalFiguresCard })),
);

/**
 * Shows the signals card once nothing has been loading for 2 s: the dashboard's figures and table come
 * first (test/e2e/delivery.test.ts holds them to 450 KB of script), the card's chunk after them.
 */
function LaterSignalFigures() {
  const fetching = useIsFetching();
  const [ready, setReady] = useState(false);
  useEffect(() => {
    if (fetching === 0 && !ready) {
      const t = setTimeout(() => setReady(true), 2000);
      return () => clearTimeout(t);
    }
  }, [fetching, ready]);
  if (!ready) return null;
  return (
    <div style={{ marginTop: 16 }}>
      <Suspense fallback={null}>
        <SignalFiguresCard />
      </Suspense>
    </div>
  );
}

export function HomePage() {
  const { me } = useSession();
  if (!me) return null;
  if (can(me.roles, 'oversight.read'))
    return (
      <>
        <OversightDashboard />
        {can(me.roles, 'signals.read') && <LaterSignalFigures />}
      </>
    );
  const departments = me.grants.flatMap((g) => (g.department ? [g.department] : []));
  if (departments.length) return <DepartmentWork departments={departments} />;
  return (
    <div>
      <Typography.Title level={4} data-testid="dashboard-title">
        工作台
      </Typography.Title>
      <Row gutter={16}>
        <Col xs={24} md={12}>
          <Card title="我的账户">
            <Descriptions column={1} size="small">
              <Descriptions.Item label="姓名">{me.displayName}</Descriptions.Item>
              <Descriptions.Item label="角色">
                {me.roles.map((r) => ROLE_LABELS[r]).join('、')}
              </Descriptions.Item>
              <Descriptions.Item label="辖区">{me.areas.map((a) => a.name).join('、')}</Descriptions.Item>
              <Descriptions.Item label="今日（北京时间）">{chinaDate(new Date())}</Descriptions.Item>
            </Descriptions>
          </Card>
        </Col>
      </Row>
    </div>
  );
}

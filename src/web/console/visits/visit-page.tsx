import { useQuery } from '@tanstack/react-query';
import { Alert, Card, Descriptions, Empty, Image, Space, Spin, Tag, Typography } from 'antd';
import { Link, useParams } from 'react-router';
import { getVisit } from '../../../shared/api/visits';
import { checklistVersion, formatAnswer, isBadAnswer } from '../../../shared/checklist';
import { call } from '../../lib/api';
import { chinaDateTimeOf, OutcomeTag, TaskStatusTag } from './tags';

/** One visit: who, when, how, the checklist answers (problems in red), photos, signature, tasks done. */
export function VisitPage() {
  const id = Number(useParams().id);
  const q = useQuery({ queryKey: ['visit', id], queryFn: () => call(getVisit, { params: { id } }) });
  if (q.isLoading) return <Spin />;
  if (q.error || !q.data) return <Alert type="error" message={(q.error as Error)?.message ?? '无法加载'} />;
  const v = q.data;
  const def = checklistVersion(v.checklistVersion);
  return (
    <div style={{ maxWidth: 900 }}>
      <Typography.Title level={4}>
        探访记录：<Link to={`/persons/${v.personId}`}>{v.personName}</Link>
      </Typography.Title>
      <Space direction="vertical" style={{ width: '100%' }}>
        <Descriptions bordered size="small" column={{ xs: 1, sm: 2 }}>
          <Descriptions.Item label="探访时间">{chinaDateTimeOf(v.at)}</Descriptions.Item>
          <Descriptions.Item label="方式与结果">
            <OutcomeTag method={v.method} outcome={v.outcome} />
          </Descriptions.Item>
          <Descriptions.Item label="探访责任人">{v.visitorName}</Descriptions.Item>
          <Descriptions.Item label="时长">
            {v.durationMinutes != null ? `${v.durationMinutes} 分钟` : '—'}
          </Descriptions.Item>
          <Descriptions.Item label="录入时间">{chinaDateTimeOf(v.recordedAt)}</Descriptions.Item>
          <Descriptions.Item label="位置">
            {v.location
              ? `${v.location.latitude.toFixed(5)}, ${v.location.longitude.toFixed(5)}（经本人同意）`
              : '未记录'}
          </Descriptions.Item>
          <Descriptions.Item label="完成的任务" span={2}>
            {v.completedTasks.length
              ? v.completedTasks.map((t) => (
                  <span key={t.id} style={{ marginRight: 8 }}>
                    {t.periodLabel} <TaskStatusTag t={t} />
                  </span>
                ))
              : v.qualifying
                ? '无（该时间没有待完成的任务）'
                : '未见到本人，不完成任务'}
          </Descriptions.Item>
          <Descriptions.Item label="备注" span={2}>
            {v.notes ?? '—'}
          </Descriptions.Item>
        </Descriptions>
        {v.qualifying && def && (
          <Card size="small" title="探访检查表">
            {def.sections.map((s) => {
              const answered = s.items.filter((i) => v.answers[s.key]?.[i.key] !== undefined);
              return (
                <div key={s.key} style={{ marginBottom: 12 }}>
                  <Typography.Text strong>
                    {s.key}. {s.label}
                  </Typography.Text>
                  {answered.length === 0 ? (
                    <Typography.Text type="secondary">　未填写</Typography.Text>
                  ) : (
                    <Descriptions size="small" column={{ xs: 1, sm: 2 }}>
                      {answered.map((i) => {
                        const a = v.answers[s.key]?.[i.key];
                        const bad = isBadAnswer(i, a);
                        return (
                          <Descriptions.Item key={i.key} label={i.label}>
                            {bad ? <Tag color="red">{formatAnswer(i, a)}</Tag> : formatAnswer(i, a)}
                          </Descriptions.Item>
                        );
                      })}
                    </Descriptions>
                  )}
                </div>
              );
            })}
          </Card>
        )}
        <Card size="small" title="照片与签字">
          {v.photos.length === 0 && !v.signatureUrl ? (
            <Empty description="没有照片" />
          ) : (
            <Space wrap>
              <Image.PreviewGroup>
                {v.photos.map((p) => (
                  <Image key={p.id} src={p.url} width={120} height={120} style={{ objectFit: 'cover' }} />
                ))}
              </Image.PreviewGroup>
              {v.signatureUrl && (
                <div>
                  <div>本人签字</div>
                  <img src={v.signatureUrl} alt="签字" style={{ width: 240, border: '1px solid #eee' }} />
                </div>
              )}
            </Space>
          )}
        </Card>
      </Space>
    </div>
  );
}

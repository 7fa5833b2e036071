import { CameraOutlined } from '@ant-design/icons';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  Card,
  Checkbox,
  DatePicker,
  Input,
  InputNumber,
  Segmented,
  Select,
  Space,
  Spin,
  Typography,
  Upload,
} from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { getPerson } from '../../../shared/api/persons';
import * as visitsApi from '../../../shared/api/visits';
import { VISIT_LIMITS } from '../../../shared/api/visits';
import {
  type ChecklistAnswers,
  isQualifying,
  OUTCOMES_BY_METHOD,
  roundChecksText,
  roundErrorMessage,
  roundsAt,
  seasonsWithRounds,
  VISIT_METHOD_LABELS,
  VISIT_METHODS,
  VISIT_OUTCOME_LABELS,
  type VisitMethod,
  type VisitOutcome,
  validateChecklist,
} from '../../../shared/checklist';
import { call, HttpError } from '../../lib/api';
import { ChecklistForm } from './checklist-form';
import { SignaturePad } from './signature-pad';

const MAX_PHOTOS = VISIT_LIMITS.photosMax;
const MAX_PHOTO_MB = VISIT_LIMITS.photoBytesMax / 1048576;

/** China calendar date of a dayjs value (the form's clock is the browser's). */
const chinaDateOf = (d: Dayjs) => new Date(d.valueOf() + 8 * 3600000).toISOString().slice(0, 10);

/**
 * 记录探访: method and outcome first; when the person was reached, the checklist (rendered from the
 * shared definition for the visit date and the person's area seasons); notes, photos, location with
 * consent and the person's signature for in-person visits. One clientId per form, so a retry after a
 * network error never stores the visit twice.
 */
export function VisitFormPage() {
  const [params] = useSearchParams();
  const personId = Number(params.get('personId'));
  const navigate = useNavigate();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const clientId = useRef(crypto.randomUUID());
  const [at, setAt] = useState<Dayjs>(dayjs());
  const [method, setMethod] = useState<VisitMethod>('in_person');
  const [outcome, setOutcome] = useState<VisitOutcome>('reached');
  const [duration, setDuration] = useState<number | null>(30);
  const [notes, setNotes] = useState('');
  const [answers, setAnswers] = useState<ChecklistAnswers>({});
  const [photos, setPhotos] = useState<{ id: string; name: string; data: string }[]>([]);
  const [consent, setConsent] = useState(false);
  const [location, setLocation] = useState<{ latitude: number; longitude: number } | null>(null);
  const [signature, setSignature] = useState<string | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [serverError, setServerError] = useState<{ message: string; field?: string } | null>(null);
  const [saving, setSaving] = useState(false);

  const person = useQuery({
    queryKey: ['person', personId],
    enabled: personId > 0,
    queryFn: () => call(getPerson, { params: { id: personId } }),
  });
  const date = chinaDateOf(at);
  const checklist = useQuery({
    queryKey: ['checklist', personId, date],
    enabled: personId > 0,
    queryFn: () => call(visitsApi.getChecklist, { query: { personId, at: date } }),
  });
  useEffect(() => {
    if (!OUTCOMES_BY_METHOD[method].includes(outcome)) setOutcome('reached');
  }, [method, outcome]);
  const qualifying = isQualifying(outcome);
  // The special rounds whose tasks this visit completes ask their checks whatever the season (the
  // server's rule, shared/checklist.ts roundsAt): the form shows and requires those items too.
  const rounds = useMemo(() => roundsAt(checklist.data?.rounds ?? [], at.toDate()), [checklist.data, at]);
  const seasons = useMemo(
    () => (checklist.data ? seasonsWithRounds(checklist.data.seasons, rounds) : null),
    [checklist.data, rounds],
  );
  const localErrors = useMemo(
    () =>
      checklist.data && seasons && qualifying
        ? validateChecklist(checklist.data.definition, answers, { method, seasons }).map((e) => ({
            ...e,
            message: roundErrorMessage(checklist.data.definition, e, checklist.data.seasons, rounds),
          }))
        : [],
    [checklist.data, answers, method, qualifying, seasons, rounds],
  );

  if (!personId) return <Alert type="warning" message="请从任务列表或对象档案进入“记录探访”" />;
  if (person.isLoading || checklist.isLoading) return <Spin />;
  if (person.error) return <Alert type="error" message={(person.error as Error).message} />;

  const addPhoto = (file: File) => {
    if (photos.length >= MAX_PHOTOS) message.error(`照片最多 ${MAX_PHOTOS} 张`);
    else if (file.size > MAX_PHOTO_MB * 1048576) message.error(`${file.name} 超过 ${MAX_PHOTO_MB} MB`);
    else {
      const reader = new FileReader();
      reader.onload = () =>
        setPhotos((p) => [...p, { id: crypto.randomUUID(), name: file.name, data: String(reader.result) }]);
      reader.readAsDataURL(file);
    }
    return false;
  };

  const locate = () =>
    navigator.geolocation?.getCurrentPosition(
      (pos) => setLocation({ latitude: pos.coords.latitude, longitude: pos.coords.longitude }),
      () => message.error('无法获取位置，请检查定位权限'),
      { timeout: 10000 },
    );

  const submit = async () => {
    setServerError(null);
    const body: visitsApi.RecordVisitInput = {
      clientId: clientId.current,
      personId,
      at: at.toISOString(),
      method,
      outcome,
      durationMinutes: duration,
      notes: notes || null,
      answers: qualifying ? answers : undefined,
      location: method === 'in_person' && consent && location ? { consent: true, ...location } : undefined,
      photos:
        method !== 'phone' && photos.length ? photos.map((p) => ({ data: p.data, name: p.name })) : undefined,
      signature: method === 'in_person' && signature ? { data: signature } : undefined,
    };
    // The contract's own limits (duration, notes, photos, time), with the server's messages.
    const draftErrors = visitsApi.visitDraftErrors(body, new Date());
    if (draftErrors.length) {
      setErrors(Object.fromEntries(draftErrors.map((e) => [e.field, e.message])));
      message.error(draftErrors[0].message);
      return;
    }
    if (localErrors.length) {
      setErrors(Object.fromEntries(localErrors.map((e) => [e.field, e.message])));
      document
        .querySelector(`[data-field="${localErrors[0].field}"]`)
        ?.scrollIntoView({ behavior: 'smooth' });
      message.error(localErrors[0].message);
      return;
    }
    setErrors({});
    setSaving(true);
    try {
      const v = await call(visitsApi.recordVisit, { body });
      qc.invalidateQueries({ queryKey: ['visit-tasks'] });
      qc.invalidateQueries({ queryKey: ['person-visits', personId] });
      if (v.notice) message.warning(v.notice, 8);
      else
        message.success(
          v.completedTasks.length
            ? `已保存，完成任务：${v.completedTasks.map((t) => t.periodLabel).join('、')}`
            : '已保存',
        );
      navigate(`/visits/${v.id}`);
    } catch (e) {
      const body = e instanceof HttpError ? e.body : { message: (e as Error).message, field: undefined };
      setServerError({ message: body.message, field: body.field });
      if (body.field?.startsWith('answers.')) setErrors({ [body.field]: body.message });
    } finally {
      setSaving(false);
    }
  };

  return (
    <div style={{ maxWidth: 760, margin: '0 auto' }}>
      <Typography.Title level={4}>记录探访：{person.data?.name}</Typography.Title>
      <Space direction="vertical" style={{ width: '100%' }}>
        <Card size="small">
          <Space direction="vertical" style={{ width: '100%' }}>
            <div>
              <div>探访时间</div>
              <DatePicker
                showTime={{ format: 'HH:mm' }}
                format="YYYY-MM-DD HH:mm"
                value={at}
                allowClear={false}
                disabledDate={(d) => d.isAfter(dayjs(), 'day')}
                onChange={(d) => d && setAt(d)}
                style={{ width: '100%', maxWidth: 260 }}
              />
            </div>
            <div>
              <div>探访方式</div>
              <Segmented
                value={method}
                onChange={(v) => setMethod(v as VisitMethod)}
                options={VISIT_METHODS.map((m) => ({ value: m, label: VISIT_METHOD_LABELS[m] }))}
              />
            </div>
            <div>
              <div>结果</div>
              <Select
                style={{ width: '100%', maxWidth: 260 }}
                value={outcome}
                onChange={setOutcome}
                options={OUTCOMES_BY_METHOD[method].map((o) => ({
                  value: o,
                  label: VISIT_OUTCOME_LABELS[o],
                }))}
              />
              {!qualifying && (
                <Typography.Paragraph type="secondary" style={{ marginTop: 4, marginBottom: 0 }}>
                  未见到或未联系到本人：记为一次尝试，不完成探访任务。
                </Typography.Paragraph>
              )}
            </div>
            <div>
              <div>时长（分钟）</div>
              <InputNumber
                min={VISIT_LIMITS.durationMinutes.min}
                max={VISIT_LIMITS.durationMinutes.max}
                value={duration}
                onChange={setDuration}
                status={errors.durationMinutes ? 'error' : undefined}
              />
              {errors.durationMinutes && (
                <Typography.Text type="danger" style={{ display: 'block' }}>
                  {errors.durationMinutes}
                </Typography.Text>
              )}
            </div>
          </Space>
        </Card>
        {rounds.map((r) => (
          <Alert
            key={`${r.name}-${r.windowStart}`}
            type="warning"
            showIcon
            data-testid="round-checks"
            message={`本次探访完成专项探访「${r.name}」：${roundChecksText(r.checks)}`}
          />
        ))}
        {qualifying && checklist.data && seasons && (
          <ChecklistForm
            def={checklist.data.definition}
            method={method}
            seasons={seasons}
            value={answers}
            onChange={setAnswers}
            errors={errors}
          />
        )}
        <Card size="small" title="备注与附件">
          <Space direction="vertical" style={{ width: '100%' }}>
            <Input.TextArea
              rows={3}
              maxLength={4000}
              placeholder="探访情况备注"
              value={notes}
              onChange={(e) => setNotes(e.target.value)}
            />
            {method !== 'phone' && (
              <div>
                <Upload
                  accept="image/jpeg,image/png,image/webp"
                  showUploadList={false}
                  beforeUpload={addPhoto}
                  multiple
                >
                  <Button icon={<CameraOutlined />}>添加照片（最多 {MAX_PHOTOS} 张，每张 5 MB 以内）</Button>
                </Upload>
                <div style={{ display: 'flex', flexWrap: 'wrap', gap: 8, marginTop: 8 }}>
                  {photos.map((p, i) => (
                    <div key={p.id} style={{ position: 'relative' }}>
                      <img src={p.data} alt={p.name} style={{ width: 80, height: 80, objectFit: 'cover' }} />
                      <Button
                        size="small"
                        danger
                        style={{ position: 'absolute', top: 0, right: 0 }}
                        onClick={() => setPhotos(photos.filter((_, j) => j !== i))}
                      >
                        ×
                      </Button>
                    </div>
                  ))}
                </div>
              </div>
            )}
            {method === 'in_person' && (
              <>
                <div>
                  <Checkbox checked={consent} onChange={(e) => setConsent(e.target.checked)}>
                    本人同意记录本次探访位置
                  </Checkbox>
                  {consent && (
                    <Button size="small" onClick={locate} style={{ marginLeft: 8 }}>
                      {location
                        ? `已定位 ${location.latitude.toFixed(4)}, ${location.longitude.toFixed(4)}`
                        : '获取位置'}
                    </Button>
                  )}
                </div>
                <div>
                  <div>本人签字（可选）</div>
                  <SignaturePad value={signature} onChange={setSignature} />
                </div>
              </>
            )}
          </Space>
        </Card>
        {serverError && (
          <Alert
            type="error"
            showIcon
            message={serverError.message}
            description={serverError.field ? `字段：${serverError.field}` : undefined}
          />
        )}
        <Button type="primary" size="large" block loading={saving} onClick={submit}>
          保存探访记录
        </Button>
      </Space>
    </div>
  );
}

import { useEffect, useMemo, useState } from 'react';
import { isAheadOfNow, VISIT_LIMITS } from '../../../shared/api/limits';
import {
  type ChecklistAnswers,
  type ChecklistItem,
  type ChecklistSection,
  checklistFor,
  fineAnswers,
  type ItemAnswer,
  itemApplies,
  itemRequired,
  needsNote,
  OUTCOMES_BY_METHOD,
  REQUEST_CATEGORIES,
  REQUEST_CATEGORY_LABELS,
  RISK_CODES,
  RISK_LABELS,
  roundChecksText,
  roundErrorMessage,
  roundsAt,
  SEASON_LABELS,
  seasonsWithRounds,
  VISIT_METHOD_LABELS,
  VISIT_METHODS,
  VISIT_OUTCOME_LABELS,
  type VisitMethod,
  type VisitOutcome,
  type VisitRequest,
  type VisitRisk,
  validateChecklist,
} from '../../../shared/checklist';
import { chinaDateTime } from '../../../shared/china-time';
import { DEFAULT_SEASONS, seasonFlags } from '../../../shared/schedule';
import { type PhotoMetaRead, readPhotoMeta } from '../exif';
import { downscalePhoto } from '../photo';
import { navigate } from '../router';
import { enqueue, getState, toast, useApp } from '../state';
import type { QueuedVisit } from '../types';
import { serverNow } from '../util';
import { Loading } from './tasks';

/** A v4 UUID also where crypto.randomUUID is missing (plain http on a LAN address is not "secure"). */
export function newClientId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** 'YYYY-MM-DDTHH:mm' in China time, whatever zone the phone is set to. */
const toLocalInput = (d: Date) => chinaDateTime(d).replace(' ', 'T');
const fromLocalInput = (s: string) => new Date(`${s}:00+08:00`);

const sectionShown = (s: ChecklistSection, method: VisitMethod) =>
  !s.requiredFor || s.requiredFor.includes(method);

/**
 * The visit form, rendered from the shared checklist (shared/checklist.ts) and checked with its
 * `validateChecklist` before it is queued, so the phone refuses what the server would refuse.
 */
export function VisitScreen({ personId, editClientId }: { personId: number; editClientId: string | null }) {
  const s = useApp();
  const editing = editClientId ? s.queue.find((q) => q.clientId === editClientId) : undefined;
  const [method, setMethod] = useState<VisitMethod>(editing?.draft.method ?? 'in_person');
  const [outcome, setOutcome] = useState<VisitOutcome>(editing?.draft.outcome ?? 'reached');
  const [at, setAt] = useState(() => toLocalInput(editing ? new Date(editing.draft.at) : serverNow()));
  const [duration, setDuration] = useState<string>(editing?.draft.durationMinutes?.toString() ?? '');
  const [notes, setNotes] = useState(editing?.draft.notes ?? '');
  const [answers, setAnswers] = useState<ChecklistAnswers>(editing?.draft.answers ?? {});
  const [photos, setPhotos] = useState<Blob[]>(editing?.photos ?? []);
  const [photoMeta, setPhotoMeta] = useState<PhotoMetaRead[]>(editing?.photoMeta ?? []);
  // When the form was opened (the phone's clock): the "too short" signal compares it with the save.
  const [openedAt] = useState(() => editing?.draft.openedAt ?? new Date().toISOString());
  const [location, setLocation] = useState<QueuedVisit['location']>(editing?.location ?? null);
  const [locating, setLocating] = useState<'idle' | 'busy' | 'failed'>('idle');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const person = s.bundle?.persons.find((p) => p.id === personId);

  const day = at.slice(0, 10);
  const def = checklistFor(day);
  // A refused visit may be for a person no longer on the list: it can still be corrected and resent.
  const daySeasons = seasonFlags(day, person?.seasons ?? DEFAULT_SEASONS);
  // The special rounds this visit settles (their tasks are in the bundle, so offline too) ask their
  // section G checks whatever the season: the same rule the server applies.
  const when0 = fromLocalInput(at);
  const rounds = Number.isNaN(when0.getTime())
    ? []
    : roundsAt(
        // A bundle stored before the rounds carried checks has none (`?? []`): nothing to add then.
        (s.bundle?.tasks ?? [])
          .filter((t) => t.personId === personId)
          .map((t) => ({ ...t, checks: t.checks ?? [] })),
        when0,
      ).map((t) => ({ ...t, name: t.reason }));
  const seasons = seasonsWithRounds(daySeasons, rounds);
  const personName = person?.name ?? editing?.personName ?? '';
  const sections = def.sections.filter(
    (sec) => sectionShown(sec, method) && sec.items.some((i) => itemApplies(i, { seasons })),
  );
  const urls = useMemo(() => photos.map((p) => URL.createObjectURL(p)), [photos]);
  useEffect(
    () => () => {
      for (const u of urls) URL.revokeObjectURL(u);
    },
    [urls],
  );

  if (!s.bundle) return <Loading />;
  if (!person && !editing) return <p className="empty">该对象不在您的负责名单中。</p>;

  const setAnswer = (sk: string, ik: string, a: ItemAnswer | undefined) => {
    setAnswers((prev) => {
      const sec = { ...((prev as Record<string, Record<string, ItemAnswer>>)[sk] ?? {}) };
      if (a) sec[ik] = a;
      else delete sec[ik];
      return { ...prev, [sk]: sec };
    });
    const f = `answers.${sk}.${ik}`;
    if (Object.keys(errors).some((k) => k.startsWith(f)))
      setErrors((e) => Object.fromEntries(Object.entries(e).filter(([k]) => !k.startsWith(f))));
  };

  const fillFine = () => {
    const fine = fineAnswers(def, seasons) as Record<string, Record<string, ItemAnswer>>;
    setAnswers((prev) => {
      const out: Record<string, Record<string, ItemAnswer>> = {};
      for (const sec of sections)
        out[sec.key] = {
          ...(fine[sec.key] ?? {}),
          ...((prev as Record<string, Record<string, ItemAnswer>>)[sec.key] ?? {}),
        };
      return out as ChecklistAnswers;
    });
    setErrors({});
  };

  /** Only what the form shows for this method and season, without empty answers. */
  const cleaned = (): ChecklistAnswers => {
    if (outcome !== 'reached') return {};
    const out: Record<string, Record<string, ItemAnswer>> = {};
    for (const sec of sections) {
      const given = (answers as Record<string, Record<string, ItemAnswer>>)[sec.key] ?? {};
      const keep: Record<string, ItemAnswer> = {};
      for (const item of sec.items) {
        const a = given[item.key];
        if (!itemApplies(item, { seasons }) || !a) continue;
        const empty = a.value == null || a.value === '' || (Array.isArray(a.value) && a.value.length === 0);
        if (empty && !a.note && item.type !== 'risks' && item.type !== 'requests') continue;
        keep[item.key] = a.note ? a : { value: a.value };
      }
      out[sec.key] = keep;
    }
    return out as ChecklistAnswers;
  };

  const save = async () => {
    const ans = cleaned();
    const errs: Record<string, string> = {};
    const when = fromLocalInput(at);
    if (Number.isNaN(when.getTime())) errs.at = '请填写探访时间';
    else if (isAheadOfNow(when, serverNow())) errs.at = '探访时间不能晚于当前时间';
    const { min, max } = VISIT_LIMITS.durationMinutes;
    if (
      duration &&
      !(Number.isInteger(Number(duration)) && Number(duration) >= min && Number(duration) <= max)
    )
      errs.durationMinutes = `时长应为 ${min}–${max} 分钟`;
    if (notes.trim().length > VISIT_LIMITS.notesMax) errs.notes = `备注不超过 ${VISIT_LIMITS.notesMax} 字`;
    if (outcome === 'reached')
      for (const e of validateChecklist(def, ans, { method, seasons }))
        errs[e.field] ??= roundErrorMessage(def, e, daySeasons, rounds);
    setErrors(errs);
    if (Object.keys(errs).length) {
      toast(`还有 ${Object.keys(errs).length} 处需要填写或修改`);
      requestAnimationFrame(() =>
        document.querySelector('.field.has-error')?.scrollIntoView({ block: 'center', behavior: 'smooth' }),
      );
      return;
    }
    setBusy(true);
    try {
      const session = getState().session!;
      const item: QueuedVisit = {
        clientId: editing?.clientId ?? newClientId(),
        userId: session.user.id,
        userName: session.user.displayName,
        personName: personName,
        createdAt: editing?.createdAt ?? new Date().toISOString(),
        draft: {
          personId,
          at: when.toISOString(),
          method,
          outcome,
          durationMinutes: duration ? Number(duration) : null,
          notes: notes.trim(),
          checklistVersion: def.version,
          answers: ans,
          openedAt,
          submittedAt: editing?.draft.submittedAt ?? new Date().toISOString(),
        },
        photos: method === 'in_person' ? photos : [],
        photoMeta: method === 'in_person' ? photoMeta : [],
        location: method === 'in_person' ? location : null,
        status: 'pending',
        attempts: 0,
        nextAttemptAt: 0,
      };
      await enqueue(item);
      toast('已保存到手机，将自动上传');
      navigate(`/p/${personId}`, { replace: true });
    } finally {
      setBusy(false);
    }
  };

  const addPhotos = async (files: FileList | null) => {
    if (!files) return;
    const room = VISIT_LIMITS.photosMax - photos.length;
    const picked = [...files].slice(0, room);
    try {
      // EXIF and the hash from the original, before compression drops them.
      const metas = await Promise.all(picked.map((f) => readPhotoMeta(f)));
      const small = await Promise.all(picked.map((f) => downscalePhoto(f)));
      setPhotos((p) => [...p, ...small]);
      setPhotoMeta((m) => [...m, ...metas]);
    } catch {
      toast('无法读取照片，请重拍');
    }
  };

  return (
    <section className="visit-form">
      <div className="card head">
        <button type="button" className="back" onClick={() => history.back()} aria-label="返回">
          ‹
        </button>
        <h2>
          {editing ? '修改探访记录' : '记录探访'} · {personName}
        </h2>
        {editing?.rejection && (
          <p className="notice bad" data-testid="rejection">
            被服务器退回：{editing.rejection.message}
          </p>
        )}
      </div>

      <div className="card">
        <Field label="探访方式" error={errors.method}>
          <Choice
            name="method"
            options={VISIT_METHODS.map((m) => ({ value: m, label: VISIT_METHOD_LABELS[m] }))}
            value={method}
            onChange={(m) => {
              setMethod(m as VisitMethod);
              if (!OUTCOMES_BY_METHOD[m as VisitMethod].includes(outcome)) setOutcome('reached');
            }}
          />
        </Field>
        <Field label="结果" error={errors.outcome}>
          <Choice
            name="outcome"
            options={OUTCOMES_BY_METHOD[method].map((o) => ({ value: o, label: VISIT_OUTCOME_LABELS[o] }))}
            value={outcome}
            onChange={(o) => setOutcome(o as VisitOutcome)}
          />
        </Field>
        <Field label="探访时间" error={errors.at}>
          <input
            type="datetime-local"
            value={at}
            onChange={(e) => setAt(e.target.value)}
            aria-label="探访时间"
          />
        </Field>
        <Field label="时长（分钟）" error={errors.durationMinutes}>
          <input
            type="number"
            inputMode="numeric"
            value={duration}
            onChange={(e) => setDuration(e.target.value)}
            aria-label="时长（分钟）"
          />
        </Field>
        {(daySeasons.heating || daySeasons.flood) && (
          <p className="muted">
            当前处于
            {[daySeasons.heating && SEASON_LABELS.heating, daySeasons.flood && SEASON_LABELS.flood]
              .filter(Boolean)
              .join('、')}
            ，请完成季节性检查。
          </p>
        )}
        {rounds.map((r) => (
          <p key={`${r.id}`} className="notice warn" data-testid="round-checks">
            专项探访「{r.reason}」{roundChecksText(r.checks)}
          </p>
        ))}
      </div>

      {outcome === 'reached' ? (
        <>
          <div className="fill-fine">
            <button type="button" className="secondary block" data-testid="fill-fine" onClick={fillFine}>
              未填项全部按“正常”填写
            </button>
          </div>
          {sections.map((sec) => (
            <fieldset key={sec.key} className="card section" data-section={sec.key}>
              <legend>
                {sec.key} {sec.label}
              </legend>
              {sec.items
                .filter((i) => itemApplies(i, { seasons }))
                .map((item) => (
                  <ItemField
                    key={item.key}
                    section={sec}
                    item={item}
                    required={itemRequired(sec, item, { method, seasons })}
                    answer={(answers as Record<string, Record<string, ItemAnswer>>)[sec.key]?.[item.key]}
                    errors={errors}
                    onChange={(a) => setAnswer(sec.key, item.key, a)}
                  />
                ))}
            </fieldset>
          ))}
        </>
      ) : (
        <p className="notice warn">未见到或未联系到本人：本次记为一次尝试，不完成任务。</p>
      )}

      <div className="card">
        <Field label="备注" error={errors.notes}>
          <textarea value={notes} onChange={(e) => setNotes(e.target.value)} rows={3} aria-label="备注" />
        </Field>
        {method === 'in_person' && (
          <Field label="位置（须经本人同意）">
            <label className="consent">
              <input
                type="checkbox"
                data-testid="location-consent"
                checked={!!location || locating === 'busy'}
                onChange={(e) => {
                  if (!e.target.checked) {
                    setLocation(null);
                    setLocating('idle');
                    return;
                  }
                  if (!navigator.geolocation) {
                    setLocating('failed');
                    return;
                  }
                  setLocating('busy');
                  navigator.geolocation.getCurrentPosition(
                    (pos) => {
                      setLocation({
                        latitude: pos.coords.latitude,
                        longitude: pos.coords.longitude,
                        accuracy: Number.isFinite(pos.coords.accuracy)
                          ? Math.round(pos.coords.accuracy)
                          : null,
                      });
                      setLocating('idle');
                    },
                    () => setLocating('failed'),
                    { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 },
                  );
                }}
              />{' '}
              本人同意记录本次探访的位置
            </label>
            {locating === 'busy' && <span className="muted">正在定位…（不影响保存）</span>}
            {locating === 'failed' && <span className="muted">无法定位，可不带位置保存</span>}
            {location && (
              <span className="muted" data-testid="location-read">
                已定位（精度约 {location.accuracy ?? '?'} 米）
              </span>
            )}
          </Field>
        )}
        {method === 'in_person' && (
          <Field label={`照片（${photos.length}/${VISIT_LIMITS.photosMax}，自动压缩）`}>
            <div className="photos">
              {urls.map((u, i) => (
                <span key={u} className="thumb">
                  <img src={u} alt={`照片 ${i + 1}`} />
                  <button
                    type="button"
                    onClick={() => {
                      setPhotos((p) => p.filter((_, k) => k !== i));
                      setPhotoMeta((m) => m.filter((_, k) => k !== i));
                    }}
                    aria-label="删除照片"
                  >
                    ×
                  </button>
                </span>
              ))}
              {photos.length < VISIT_LIMITS.photosMax && (
                <label className="add-photo">
                  ＋ 拍照
                  <input
                    type="file"
                    accept="image/*"
                    capture="environment"
                    multiple
                    data-testid="photo-input"
                    onChange={(e) => {
                      void addPhotos(e.target.files);
                      e.target.value = '';
                    }}
                  />
                </label>
              )}
            </div>
          </Field>
        )}
      </div>

      <div className="actions sticky">
        <button
          type="button"
          className="primary block"
          data-testid="save-visit"
          disabled={busy}
          onClick={save}
        >
          {busy ? '正在保存…' : '保存（离线也可保存）'}
        </button>
      </div>
    </section>
  );
}

function Field({ label, error, children }: { label: string; error?: string; children: React.ReactNode }) {
  return (
    <div className={error ? 'field has-error' : 'field'}>
      <span className="field-label">{label}</span>
      {children}
      {error && <span className="error">{error}</span>}
    </div>
  );
}

function Choice({
  name,
  options,
  value,
  onChange,
}: {
  name: string;
  options: { value: string; label: string; bad?: boolean }[];
  value: string | undefined;
  onChange: (v: string) => void;
}) {
  return (
    <div className="choice" role="radiogroup" data-name={name}>
      {options.map((o) => (
        <label key={o.value} className={`opt${value === o.value ? ' on' : ''}${o.bad ? ' bad' : ''}`}>
          <input type="radio" name={name} checked={value === o.value} onChange={() => onChange(o.value)} />
          {o.label}
        </label>
      ))}
    </div>
  );
}

function ItemField({
  section,
  item,
  required,
  answer,
  errors,
  onChange,
}: {
  section: ChecklistSection;
  item: ChecklistItem;
  required: boolean;
  answer: ItemAnswer | undefined;
  errors: Record<string, string>;
  onChange: (a: ItemAnswer | undefined) => void;
}) {
  const f = `answers.${section.key}.${item.key}`;
  const error = Object.entries(errors).find(([k]) => k === f || k.startsWith(`${f}.`))?.[1];
  const label = `${item.label}${item.unit ? `（${item.unit}）` : ''}${required ? '' : '（选填）'}`;
  const noteBox = needsNote(item, answer) && (
    <textarea
      className="note"
      placeholder="请说明情况（必填）"
      value={answer?.note ?? ''}
      rows={2}
      aria-label={`${item.label}说明`}
      onChange={(e) => onChange({ ...answer!, note: e.target.value })}
    />
  );
  let input: React.ReactNode;
  switch (item.type) {
    case 'choice':
      input = (
        <Choice
          name={f}
          options={item.options!}
          value={answer?.value as string | undefined}
          onChange={(v) => onChange({ value: v, note: answer?.note })}
        />
      );
      break;
    case 'multi': {
      const vals = (answer?.value as string[] | undefined) ?? [];
      input = (
        <div className="choice">
          {item.options!.map((o) => (
            <label key={o.value} className={`opt${vals.includes(o.value) ? ' on' : ''}`}>
              <input
                type="checkbox"
                checked={vals.includes(o.value)}
                onChange={(e) => {
                  const next = e.target.checked ? [...vals, o.value] : vals.filter((v) => v !== o.value);
                  onChange({ value: next, note: answer?.note });
                }}
              />
              {o.label}
            </label>
          ))}
        </div>
      );
      break;
    }
    case 'number':
      input = (
        <input
          type="number"
          inputMode="decimal"
          aria-label={item.label}
          value={answer?.value == null ? '' : String(answer.value)}
          placeholder={item.hint}
          onChange={(e) =>
            onChange(
              e.target.value === '' ? undefined : { value: Number(e.target.value), note: answer?.note },
            )
          }
        />
      );
      break;
    case 'text':
      input = (
        <textarea
          rows={2}
          aria-label={item.label}
          value={(answer?.value as string | undefined) ?? ''}
          onChange={(e) => onChange(e.target.value ? { value: e.target.value } : undefined)}
        />
      );
      break;
    case 'risks': {
      const risks = (answer?.value as VisitRisk[] | undefined) ?? [];
      input = (
        <div className="risks">
          {RISK_CODES.map((code) => {
            const r = risks.find((x) => x.code === code);
            return (
              <div key={code}>
                <label className={`opt${r ? ' on bad' : ''}`}>
                  <input
                    type="checkbox"
                    checked={!!r}
                    onChange={(e) =>
                      onChange({
                        value: e.target.checked
                          ? [...risks, { code, note: '' }]
                          : risks.filter((x) => x.code !== code),
                      })
                    }
                  />
                  {RISK_LABELS[code]}
                </label>
                {r && (
                  <textarea
                    className="note"
                    rows={2}
                    placeholder={`请说明“${RISK_LABELS[code]}”的情况（将启动应急处置）`}
                    value={r.note}
                    onChange={(e) =>
                      onChange({
                        value: risks.map((x) => (x.code === code ? { ...x, note: e.target.value } : x)),
                      })
                    }
                  />
                )}
              </div>
            );
          })}
        </div>
      );
      break;
    }
    case 'requests': {
      const reqs = (answer?.value as VisitRequest[] | undefined) ?? [];
      const put = (next: VisitRequest[]) => onChange({ value: next });
      input = (
        <div className="requests">
          {reqs.map((r, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: requests have no id; rows are only appended or removed
            <div key={i} className="request">
              <select
                value={r.category}
                aria-label="诉求类别"
                onChange={(e) =>
                  put(
                    reqs.map((x, k) =>
                      k === i ? { ...x, category: e.target.value as VisitRequest['category'] } : x,
                    ),
                  )
                }
              >
                {REQUEST_CATEGORIES.map((c) => (
                  <option key={c} value={c}>
                    {REQUEST_CATEGORY_LABELS[c]}
                  </option>
                ))}
              </select>
              <textarea
                rows={2}
                placeholder="诉求内容"
                value={r.note}
                onChange={(e) => put(reqs.map((x, k) => (k === i ? { ...x, note: e.target.value } : x)))}
              />
              <button type="button" className="link" onClick={() => put(reqs.filter((_, k) => k !== i))}>
                删除
              </button>
            </div>
          ))}
          <button
            type="button"
            className="secondary"
            onClick={() => put([...reqs, { category: 'living', note: '' }])}
          >
            ＋ 添加诉求
          </button>
        </div>
      );
      break;
    }
  }
  return (
    <div className={error ? 'field has-error' : 'field'} data-field={f}>
      <span className="field-label">{label}</span>
      {input}
      {noteBox}
      {error && <span className="error">{error}</span>}
    </div>
  );
}

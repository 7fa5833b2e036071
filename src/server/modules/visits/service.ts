import { createHash } from 'node:crypto';
import { isAheadOfNow } from '../../../shared/api/visits.js';
import { answersCanon, mirroredTravel, type PhotoMeta } from '../../../shared/authenticity.js';
import {
  type ChecklistAnswers,
  checklistFor,
  isQualifying,
  OUTCOMES_BY_METHOD,
  ROUND_CHECKS,
  roundErrorMessage,
  roundsAt,
  type Season,
  seasonsWithRounds,
  VISIT_METHOD_LABELS,
  VISIT_OUTCOME_LABELS,
  type VisitMethod,
  type VisitOutcome,
  validateChecklist,
} from '../../../shared/checklist.js';
import {
  addDays,
  chinaDate,
  chinaDateTime,
  chinaDayBounds,
  chinaDayStart,
  chinaMonthBounds,
} from '../../../shared/china-time.js';
import {
  DUE_SOON_DAYS,
  loosens,
  periodWindow,
  previousPeriod,
  seasonFlags,
  VISIT_SETTING_DEFAULTS,
  VISIT_SETTING_LABELS,
  type VisitSettingKey,
  type VisitSettings,
} from '../../../shared/schedule.js';
import type { Ctx } from '../../context.js';
import type { Queryable } from '../../db/db.js';
import { AppError, badRequest, conflict, notFound } from '../../http/errors.js';
import { type Actor, inScope } from '../../http/scope.js';
import { getArea } from '../areas/index.js';
import { appendAudit, auditChainOf } from '../audit/index.js';
import { fileBytes, type KeptFile, keepFile } from '../files/index.js';
import { assertVisitorFor } from '../persons/index.js';
import { putSetting, settingRows } from '../settings/index.js';
import { emitVisitRecorded, type RecordedVisit, visitHandlersAct } from './events.js';
import {
  base64Bytes,
  decodeImage,
  MAX_PHOTO_BYTES,
  MAX_PHOTOS,
  MAX_SIGNATURE_BYTES,
  MAX_VISIT_FILES_BYTES,
} from './files.js';
import * as repo from './repo.js';
import { ensurePersonTasks, visitSettings, visitSettingsFrom, visitSettingsWithSource } from './schedule.js';

export interface RecordVisitInput {
  clientId: string;
  personId: number;
  at: Date;
  method: VisitMethod;
  outcome: VisitOutcome;
  durationMinutes?: number | null;
  notes?: string | null;
  answers?: ChecklistAnswers;
  location?: { consent: boolean; latitude: number; longitude: number; accuracy?: number | null } | null;
  /** Each photo inline (base64) or sent ahead and named by its SHA-256 (uploadVisitPhoto). */
  photos?: { data?: string; upload?: string; name?: string; meta?: Omit<PhotoMeta, 'serverSha256'> }[];
  /** The phone's clock when the form was opened and saved (the "too short" rule). */
  openedAt?: Date | null;
  submittedAt?: Date | null;
  signature?: { data: string } | null;
  /** An officer entering a paper record names the visitor; a visitor records as themself. */
  visitorId?: number;
}

/**
 * What `recordVisit` answers. A new visit also says which tasks it completed and how many files it
 * stored, so the answer can skip reading parts it knows are empty (`getVisit`'s `known`).
 */
export interface RecordedVisitResult {
  visitId: number;
  repeated: boolean;
  notice: string | null;
  known?: VisitPartsKnown;
  /** The stored visit as `getVisit` reads it, when the writing statement gave all of it (no files). */
  view?: VisitView;
}

/** A visit with its files and the tasks it completed: what `getVisit` answers. */
export interface VisitView {
  visit: repo.VisitRow;
  files: repo.VisitFileRow[];
  tasks: repo.TaskRow[];
}

/** Parts of a visit known to be empty: skip their reads. */
export interface VisitPartsKnown {
  completedTaskIds: number[];
  fileCount: number;
}

const personNotFound = () => new AppError(404, 'NOT_FOUND', '探访对象不存在或不在您的辖区内', 'personId');

/**
 * Records one visit. A repeat of the same clientId stores nothing and answers the stored visit
 * (`repeated: true`). Qualifying visits complete the person's open (or already missed) tasks whose
 * window contains the visit time; attempts complete nothing. Everything — visit, files, tasks,
 * timeline, audit and the registered visit-recorded handlers — commits in one transaction.
 */
export async function recordVisit(
  ctx: Ctx,
  actor: Actor,
  input: RecordVisitInput,
): Promise<RecordedVisitResult> {
  const now = ctx.clock.now();
  // One read: a stored visit of this clientId, the person, the settings of their village, and
  // whether their tasks are settled (the statements of a visit are what limits visits per second).
  // The chain a visit's audit row goes to when it is written by the visit's own statement (below).
  const auditChain = auditChainOf(`visit:${input.clientId}`);
  // The authenticity lookups ride on the same read (modules/authenticity through the registry).
  const assessor = ctx.registry.visitAssessor;
  const probe = authenticityProbe(actor, input);
  const context = await repo.visitContext(ctx.db, {
    personId: input.personId,
    clientId: input.clientId,
    scope: actor.scope,
    now,
    auditChain,
    at: input.at,
    assess: assessor && {
      settingKeys: assessor.settingKeys,
      sqlOf: (params) =>
        assessor.inputsSql(
          params,
          Object.assign({}, probe.query, {
            personExpr: 'p.id',
            visitorExpr: once(
              () =>
                `coalesce(${push(params, probe.visitorParam)}::int, p.visitor_id, ${push(params, actor.userId)}::int)`,
            ),
          }),
        ),
    },
  });
  if (context.existingVisitId != null) return repeatOf(ctx, actor, context.existingVisitId);

  if (isAheadOfNow(input.at, now)) throw badRequest('探访时间不能晚于当前时间', 'at');
  if (!OUTCOMES_BY_METHOD[input.method].includes(input.outcome))
    throw badRequest(
      `${VISIT_METHOD_LABELS[input.method]}不能选择结果「${VISIT_OUTCOME_LABELS[input.outcome]}」`,
      'outcome',
    );
  const qualifying = isQualifying(input.outcome);
  const answers = input.answers ?? {};
  if (!qualifying && Object.keys(answers).length > 0)
    throw badRequest('未见到或未联系到本人时不填写探访检查表', 'answers');
  if (input.location && !input.location.consent)
    throw badRequest('未经本人同意不得记录位置，请勾选“本人同意记录位置”或不提交位置', 'location.consent');
  if (input.method !== 'in_person' && input.location) throw badRequest('只有上门探访才记录位置', 'location');
  if (input.method !== 'in_person' && input.signature)
    throw badRequest('只有上门探访才有本人签字', 'signature');
  if (input.method === 'phone' && input.photos?.length) throw badRequest('电话探访不能附照片', 'photos');
  if ((input.photos?.length ?? 0) > MAX_PHOTOS) throw badRequest(`照片最多 ${MAX_PHOTOS} 张`, 'photos');
  // Photos sent ahead (PUT /api/visit-photos/:sha256) are named by hash: only the uploader's count.
  const uploadShas = (input.photos ?? []).flatMap((p) => (p.upload ? [p.upload] : []));
  const uploads = await repo.findUploads(ctx.db, actor.userId, uploadShas);
  const fileBytes =
    (input.photos ?? []).reduce(
      (n, p) => n + (p.upload ? (uploads.get(p.upload)?.size ?? 0) : base64Bytes(p.data ?? '')),
      0,
    ) + (input.signature ? base64Bytes(input.signature.data) : 0);
  if (fileBytes > MAX_VISIT_FILES_BYTES) {
    throw new AppError(
      413,
      'FILES_TOO_LARGE',
      `一次探访的照片和签字合计不能超过 ${MAX_VISIT_FILES_BYTES / 1048576} MB（现为 ${(fileBytes / 1048576).toFixed(1)} MB），请减少照片或压缩后再传`,
      'photos',
    );
  }
  // Decode and check files before any write, so a bad photo leaves nothing behind.
  const photos = (input.photos ?? []).map((p, i): { mime: string; content?: Buffer; kept?: KeptFile } => {
    if (p.upload === undefined)
      return decodeImage(p.data ?? '', `photos.${i}`, `第 ${i + 1} 张照片`, MAX_PHOTO_BYTES);
    const u = uploads.get(p.upload);
    if (!u)
      throw new AppError(
        409,
        'UPLOAD_MISSING',
        `第 ${i + 1} 张照片尚未上传或已过期，请重新上传`,
        `photos.${i}`,
      );
    const content = u.content == null ? null : Buffer.from(u.content);
    return { mime: u.mime, kept: { sha256: u.sha256, size: u.size, content, stored: u.stored } };
  });
  const signature = input.signature
    ? decodeImage(input.signature.data, 'signature', '签字图片', MAX_SIGNATURE_BYTES)
    : null;

  const { person } = context;
  if (!person) throw personNotFound();
  const settings = visitSettingsFrom(context.settings);
  const atDate = chinaDate(input.at);
  if (input.at < chinaDayStart(person.support_start))
    throw badRequest(`探访时间早于该对象的供养开始日期（${person.support_start}）`, 'at');
  if (person.status === 'ended' && person.status_since && input.at >= chinaDayStart(person.status_since))
    throw badRequest(`该对象已于 ${person.status_since} 终止供养，不能记录此后的探访`, 'at');

  let visitorId = actor.userId;
  if (input.visitorId != null && input.visitorId !== actor.userId) {
    if (!actor.roles.some((r) => r === 'town_officer' || r === 'village_officer'))
      throw badRequest('只能以本人名义记录探访', 'visitorId');
    // A paper record goes to a visitor who may visit this person (their village's or town's, not
    // disabled): the visit would otherwise put the person into a stranger's phone bundle.
    await assertVisitorFor(ctx.db, input.visitorId, { villageId: person.village_id, townId: person.town_id });
    visitorId = input.visitorId;
  } else if (!actor.roles.includes('visitor') && person.visitor_id) {
    // An officer typing in a paper record without naming the visitor: it was the responsible visitor's.
    visitorId = input.visitorId ?? person.visitor_id;
  }

  if (photos.length || signature)
    await assertDailyFileQuota(ctx, actor, photos.length + (signature ? 1 : 0), fileBytes, now);

  const seasons = seasonFlags(atDate, settings['visits.seasons']);
  const def = checklistFor(atDate);
  if (qualifying) {
    // The rounds this visit settles ask their checks whatever the season (a cold-wave round in March).
    const rounds = roundsAt(context.rounds, input.at);
    const asked = seasonsWithRounds(seasons, rounds);
    const errors = validateChecklist(def, answers, { method: input.method, seasons: asked });
    if (errors.length) throw badRequest(roundErrorMessage(def, errors[0], seasons, rounds), errors[0].field);
  }

  const signals = assessor
    ? assessor.assess(
        context.assessInputs,
        {
          at: input.at,
          recordedAt: now,
          method: input.method,
          qualifying,
          openedAt: input.openedAt ?? null,
          submittedAt: input.submittedAt ?? null,
          location: input.location
            ? {
                latitude: input.location.latitude,
                longitude: input.location.longitude,
                accuracy: input.location.accuracy ?? null,
              }
            : null,
          photos: probe.metas,
          answersHash: probe.query.answersHash,
        },
        context.settings,
      )
    : [];

  // What is stored and what the visit-recorded handlers receive.
  const visit = {
    clientId: input.clientId,
    personId: person.id,
    visitorId,
    townId: person.town_id,
    villageId: person.village_id,
    at: input.at,
    method: input.method,
    outcome: input.outcome,
    qualifying,
    answers: qualifying ? answers : {},
    notes: input.notes?.trim() || null,
    recordedBy: actor.userId,
  } satisfies Omit<RecordedVisit, 'id' | 'completedTaskIds'>;

  // Object.assign, not `{ ...visit, … }`: on this Node (V8 11.3) every property written after a spread
  // costs about a microsecond, and this runs for every visit (ARCHITECTURE.md "Things that bite";
  // test/hot-paths.test.ts).
  const row = Object.assign({}, visit, {
    durationMinutes: input.durationMinutes ?? null,
    checklistVersion: def.version,
    seasons: (Object.keys(seasons) as ('heating' | 'flood')[]).filter((k) => seasons[k]),
    locationConsent: !!input.location?.consent,
    latitude: input.location?.latitude ?? null,
    longitude: input.location?.longitude ?? null,
    photoCount: photos.length,
    hasSignature: !!signature,
    recordedAt: now,
    auth: {
      locationAccuracy: input.location?.accuracy ?? null,
      openedAt: input.openedAt ?? null,
      submittedAt: input.submittedAt ?? null,
      photoMeta: probe.metas.length ? probe.metas : null,
      photoHashes: probe.query.photoHashes.length ? probe.query.photoHashes : null,
      answersHash: probe.query.answersHash,
      signals: signals.length ? signals : null,
    },
  });
  // Its row on the person's timeline, written by the same statement as the visit.
  const event = {
    kind: qualifying ? 'visit' : 'visit_attempt',
    title: `${VISIT_METHOD_LABELS[input.method]}：${VISIT_OUTCOME_LABELS[input.outcome]}`,
    detail: { method: input.method, outcome: input.outcome },
    actorId: actor.userId,
  };
  const audit = {
    at: now,
    actorId: actor.userId,
    action: 'visit.record',
    entity: 'visit',
    areaId: person.village_id,
    detail: {
      personId: person.id,
      method: input.method,
      outcome: input.outcome,
      ...(signals.length ? { signals: signals.map((x) => x.rule) } : {}),
    },
  };
  const everyN = settings['visits.inPersonEvery'];
  const needsTasks = qualifying && person.status === 'active' && !context.settled;
  const needsInPersonCheck = qualifying && everyN > 0 && input.method !== 'in_person';

  // The common visit (no files, the period's tasks in place, no in-person rule to check, nothing for
  // another module to open) is one statement: visit, task completion, timeline row and audit row
  // together, atomic without BEGIN and COMMIT — two round trips and a statement fewer than the
  // transaction below, which is what limits visits per second (bench/RESULTS.md).
  const oneStatement =
    photos.length === 0 &&
    !signature &&
    !needsTasks &&
    !needsInPersonCheck &&
    context.auditTail &&
    !visitHandlersAct(ctx, visit);

  // Files go to the store (when there is one) before the transaction that names them: a committed
  // row always has its file; a failed transaction leaves an object the sweeper removes later.
  const keptPhotos = await Promise.all(photos.map((p) => p.kept ?? keepFile(ctx, p.content!)));
  const keptSignature = signature ? await keepFile(ctx, signature.content) : null;

  const result = oneStatement
    ? await (async () => {
        const stored = await repo.insertVisit(
          ctx.db,
          row,
          qualifying ? {} : null,
          event,
          Object.assign({}, audit, { chain: auditChain }),
        );
        if (stored == null) return null; // the same clientId committed meanwhile
        const completed = stored.completed.map((t) => Number(t.id));
        return { visitId: Number(stored.visit.id), notice: null, completed, stored };
      })()
    : await ctx.db.tx(async (q) => {
        let notice: string | null = null;
        let kinds: string[] | undefined;
        // The task of the current period may not exist yet (the job has not run since midnight).
        if (needsTasks) await ensurePersonTasks(q, person.id, now);
        if (needsInPersonCheck) {
          const task = await repo.regularTaskAt(q, person.id, input.at);
          if (task) {
            let p = task.period;
            for (let i = 1; i < everyN; i++) p = previousPeriod(p);
            if (!(await repo.hasInPersonSince(q, person.id, periodWindow(p).start))) {
              kinds = ['follow_up', 'campaign'];
              notice = `本辖区要求每 ${everyN} 期至少上门探访一次：本期常规任务需上门探访才能完成`;
            }
          }
        }
        const stored = await repo.insertVisit(q, row, qualifying ? { kinds } : null, event);
        if (stored == null) return null; // the same clientId committed meanwhile
        const visitId = Number(stored.visit.id);
        const completed = stored.completed.map((t) => Number(t.id));
        for (const [i, p] of photos.entries())
          await repo.insertVisitFile(q, {
            visitId,
            kind: 'photo',
            seq: i,
            mime: p.mime,
            file: keptPhotos[i],
          });
        await repo.deleteUploads(q, actor.userId, uploadShas);
        if (signature && keptSignature)
          await repo.insertVisitFile(q, {
            visitId,
            kind: 'signature',
            seq: 0,
            mime: signature.mime,
            file: keptSignature,
          });

        await emitVisitRecorded(
          q,
          ctx,
          Object.assign({}, visit, { id: visitId, completedTaskIds: completed }),
        );
        // Last: the audit append takes the chain's lock, held until commit; the hooks run before it.
        await appendAudit(
          q,
          Object.assign({}, audit, {
            entityId: visitId,
            detail: Object.assign({}, audit.detail, { completedTasks: completed }),
          }),
        );
        return { visitId, notice, completed, stored };
      });
  if (!result) {
    const again = await repo.findVisitIdByClientId(ctx.db, input.clientId);
    if (!again) throw new AppError(409, 'CONFLICT', '探访记录保存冲突，请重试', 'clientId');
    return repeatOf(ctx, actor, again.id);
  }
  // A pair rule (travel) flags the other visit too: it was stored before this one arrived.
  for (const sig of signals) {
    const m = mirroredTravel(sig, result.visitId);
    if (m) await repo.addSignal(ctx.db, m.visitId, m.signal, now);
  }
  const fileCount = photos.length + (signature ? 1 : 0);
  return {
    visitId: result.visitId,
    repeated: false,
    notice: result.notice,
    known: { completedTaskIds: result.completed, fileCount },
    view:
      fileCount === 0 ? { visit: result.stored.visit, files: [], tasks: result.stored.completed } : undefined,
  };
}

/** The value of `f`, computed at the first call. */
function once<T>(f: () => T): () => T {
  let v: { x: T } | undefined;
  return () => {
    v ??= { x: f() };
    return v.x;
  };
}

/** Adds a parameter; returns its placeholder. */
function push(params: unknown[], v: unknown) {
  params.push(v);
  return `$${params.length}`;
}

/**
 * What the authenticity lookups ask, from the submitted visit alone: its China day and month, the
 * photos' hashes (the phone's of the originals, the server's of the bytes received), the answers'
 * fingerprint (only when there is free text: shared/authenticity.ts `answersCanon`).
 */
function authenticityProbe(actor: Actor, input: RecordVisitInput) {
  const day = chinaDayBounds(input.at);
  const month = chinaMonthBounds(input.at);
  const metas: PhotoMeta[] = (input.photos ?? []).map((p) => ({
    sha256: p.meta?.sha256 ?? null,
    takenAt: p.meta?.takenAt ?? null,
    latitude: p.meta?.latitude ?? null,
    longitude: p.meta?.longitude ?? null,
    // A photo sent ahead is named by the SHA-256 of the bytes the server received (uploadVisitPhoto).
    serverSha256:
      p.upload ??
      createHash('sha256')
        .update(Buffer.from(p.data ?? '', 'base64'))
        .digest('hex'),
  }));
  const hashes = [
    ...new Set(metas.flatMap((x) => [x.sha256, x.serverSha256]).filter((x): x is string => !!x)),
  ];
  const canon = isQualifying(input.outcome) ? answersCanon(input.answers ?? {}, input.notes) : null;
  return {
    metas,
    // A visitor records as themself; an officer names the visitor or it is the person's (p.visitor_id).
    visitorParam: input.visitorId ?? (actor.roles.includes('visitor') ? actor.userId : null),
    query: {
      at: input.at,
      inPerson: input.method === 'in_person',
      hasLocation: !!input.location,
      photoHashes: hashes,
      answersHash: canon ? createHash('sha256').update(canon).digest('hex') : null,
      dayStart: day.start,
      dayEnd: day.end,
      monthStart: month.start,
      monthEnd: month.end,
    },
  };
}

/**
 * What one user may upload with visits in a China day (`config.visitFilesPerDay`): counted in the
 * database (any server process), refused with 429 and Retry-After until China midnight. The phone
 * keeps a refused visit queued and sends it again later.
 */
/**
 * A photo sent ahead of its visit (the phone's per-file upload): checked as a visit's photo is
 * (type from the bytes, size, the daily quota over uploads), named by its hash — a body whose bytes
 * do not hash to the name in the path is refused — and kept for the uploader.
 */
export async function uploadVisitPhoto(ctx: Ctx, actor: Actor, sha256: string, data: string) {
  const photo = decodeImage(data, 'data', '照片', MAX_PHOTO_BYTES);
  if (photo.sha256 !== sha256)
    throw badRequest('照片内容与地址中的 SHA-256 不符（上传不完整或已损坏）', 'data');
  const now = ctx.clock.now();
  await assertDailyFileQuota(ctx, actor, 1, photo.content.length, now, 'uploads');
  const file = await keepFile(ctx, photo.content);
  await repo.putUpload(ctx.db, { userId: actor.userId, mime: photo.mime, file, now });
  return { sha256, size: photo.content.length };
}

/** Job `visits.uploads`: removes photos sent ahead that no visit named within 7 days. */
export async function sweepUploads(ctx: Pick<Ctx, 'db' | 'clock'>) {
  const removed = await repo.sweepUploads(ctx.db, new Date(ctx.clock.now().getTime() - 7 * 86400_000));
  return { removed };
}

async function assertDailyFileQuota(
  ctx: Ctx,
  actor: Actor,
  files: number,
  bytes: number,
  now: Date,
  of: 'visits' | 'uploads' = 'visits',
) {
  const today = chinaDate(now);
  const used =
    of === 'uploads'
      ? await repo.uploadsSince(ctx.db, actor.userId, chinaDayStart(today))
      : await repo.filesRecordedSince(ctx.db, actor.userId, chinaDayStart(today));
  const quota = ctx.config.visitFilesPerDay;
  if (used.files + files > quota.count || used.bytes + bytes > quota.megabytes * 1048576) {
    const seconds = Math.max(
      60,
      Math.ceil((chinaDayStart(addDays(today, 1)).getTime() - now.getTime()) / 1000),
    );
    throw new AppError(
      429,
      'QUOTA',
      `今日上传的探访照片已达上限（${quota.count} 个文件或 ${quota.megabytes} MB），请明天再上传；未带照片的探访记录不受影响`,
      'photos',
      { 'retry-after': String(seconds) },
    );
  }
}

async function repeatOf(ctx: Ctx, actor: Actor, visitId: number) {
  const v = await repo.getVisit(ctx.db, visitId, actor.scope);
  if (!v) throw new AppError(409, 'CONFLICT', '该 clientId 已被另一条探访记录使用', 'clientId');
  return { visitId, repeated: true, notice: null };
}

/** One visit with its files and completed tasks; the view is audited (sensitive personal data). */
export async function getVisit(
  ctx: Ctx,
  actor: Actor,
  id: number,
  audit = true,
  known?: VisitPartsKnown,
): Promise<VisitView> {
  const v = await repo.getVisit(ctx.db, id, actor.scope);
  if (!v) throw notFound('探访记录');
  const [files, tasks] = await Promise.all([
    known?.fileCount === 0 ? [] : repo.listVisitFiles(ctx.db, id),
    known?.completedTaskIds.length === 0 ? [] : repo.tasksOfVisit(ctx.db, id, v.person_id),
  ]);
  if (audit)
    await appendAudit(ctx.db, {
      at: ctx.clock.now(),
      actorId: actor.userId,
      action: 'visit.view',
      entity: 'visit',
      entityId: id,
      areaId: v.village_id,
    });
  return { visit: v, files, tasks };
}

export async function getVisitFile(ctx: Ctx, actor: Actor, visitId: number, fileId: number) {
  const v = await repo.getVisit(ctx.db, visitId, actor.scope);
  if (!v) throw notFound('探访记录');
  const f = await repo.getVisitFile(ctx.db, visitId, fileId);
  if (!f) throw notFound('文件');
  await appendAudit(ctx.db, {
    at: ctx.clock.now(),
    actorId: actor.userId,
    action: 'visit.file.view',
    entity: 'visit',
    entityId: visitId,
    areaId: v.village_id,
    detail: { fileId },
  });
  return { mime: f.mime, content: await fileBytes(ctx, f) };
}

export async function listPersonVisits(
  ctx: Ctx,
  actor: Actor,
  personId: number,
  o: { cursor?: string; limit: number },
) {
  const person = await repo.getPersonBrief(ctx.db, personId, actor.scope);
  if (!person) throw notFound('探访对象');
  const before = o.cursor ? decodeVisitCursor(o.cursor) : undefined;
  const rows = await repo.listPersonVisits(ctx.db, personId, { before, limit: o.limit + 1 });
  const more = rows.length > o.limit;
  const items = rows.slice(0, o.limit);
  const last = items[items.length - 1];
  return {
    items,
    nextCursor:
      more && last ? Buffer.from(`${last.at.toISOString()}|${last.id}`).toString('base64url') : null,
  };
}

function decodeVisitCursor(c: string): { at: Date; id: number } {
  const [at, id] = Buffer.from(c, 'base64url').toString().split('|');
  const d = new Date(at);
  if (Number.isNaN(d.getTime()) || !/^\d+$/.test(id ?? '')) throw badRequest('分页游标无效', 'cursor');
  return { at: d, id: Number(id) };
}

export interface ListTasksQuery {
  assignee?: string;
  areaId?: number;
  personId?: number;
  status?: repo.TaskFilter['status'];
  kind?: repo.TaskFilter['kind'];
  from?: string;
  to?: string;
  cursor?: string;
  limit: number;
  desc?: boolean;
}

/** Work lists: a visitor's own tasks, a town's or the bureau's lists; keyset-paged on (due date, id). */
export async function listTasks(ctx: Ctx, actor: Actor, query: ListTasksQuery) {
  const f: repo.TaskFilter = {
    status: query.status,
    kind: query.kind,
    from: query.from,
    to: query.to,
    personId: query.personId,
    today: chinaDate(ctx.clock.now()),
    dueSoonDays: DUE_SOON_DAYS,
    limit: query.limit + 1,
    desc: query.desc,
  };
  if (query.assignee === 'me') f.visitorId = actor.userId;
  else if (query.assignee) {
    if (!/^\d+$/.test(query.assignee)) throw badRequest('assignee 应为 me 或用户编号', 'assignee');
    f.visitorId = Number(query.assignee);
  }
  if (query.areaId != null) {
    const area = await getArea(ctx.db, query.areaId);
    if (!area || (!inScope(actor.scope, area.id) && !actor.scope.visitor)) throw notFound('辖区');
    if (area.level === 'town') f.townId = area.id;
    else if (area.level === 'village') f.villageId = area.id;
  }
  if (query.cursor) {
    const [due, id] = Buffer.from(query.cursor, 'base64url').toString().split('|');
    if (!/^\d{4}-\d{2}-\d{2}$/.test(due ?? '') || !/^\d+$/.test(id ?? ''))
      throw badRequest('分页游标无效', 'cursor');
    f.after = { due, id: Number(id) };
  }
  const rows = await repo.listTasks(ctx.db, actor.scope, f);
  const more = rows.length > query.limit;
  const items = rows.slice(0, query.limit);
  const last = items[items.length - 1];
  return {
    items,
    today: f.today,
    nextCursor: more && last ? Buffer.from(`${last.due_date}|${last.id}`).toString('base64url') : null,
  };
}

export async function listPersonTasks(
  ctx: Ctx,
  actor: Actor,
  personId: number,
  o: { cursor?: string; limit: number; status?: repo.TaskFilter['status'] },
) {
  const person = await repo.getPersonBrief(ctx.db, personId, actor.scope);
  if (!person) throw notFound('探访对象');
  return listTasks(ctx, actor, { personId, limit: o.limit, cursor: o.cursor, status: o.status, desc: true });
}

const toIso = (t: string) => new Date(t).toISOString();

/** The checklist in force on a China day, with the season flags for a person's (or an area's) settings. */
export async function checklistAt(
  ctx: Ctx,
  actor: Actor,
  o: { at?: string; personId?: number; areaId?: number },
) {
  const date = o.at ?? chinaDate(ctx.clock.now());
  let areaId: number | null = o.areaId ?? null;
  // The person's rounds with checks still open on that day: the form picks those its time falls in.
  let rounds: repo.RoundTaskRow[] = [];
  if (o.personId != null) {
    const p = await repo.getPersonBrief(ctx.db, o.personId, actor.scope);
    if (!p) throw personNotFound();
    areaId = p.village_id;
    rounds = await repo.roundTasksOf(ctx.db, p.id, chinaDayStart(date));
  }
  const settings = await visitSettings(ctx.db, areaId);
  return {
    date,
    definition: checklistFor(date),
    seasons: seasonFlags(date, settings['visits.seasons']),
    rounds: rounds.map((r) => ({ ...r, windowStart: toIso(r.windowStart), windowEnd: toIso(r.windowEnd) })),
  };
}

// ---------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------

export async function readSettings(ctx: Ctx, actor: Actor, areaId: number | null) {
  if (areaId != null) {
    const area = await getArea(ctx.db, areaId);
    if (!area || !inScope(actor.scope, areaId)) throw notFound('辖区');
  }
  const values = await visitSettingsWithSource(ctx.db, areaId);
  const sourceIds = [...new Set(Object.values(values).map((v) => v.source))].filter(
    (s): s is number => typeof s === 'number',
  );
  const names = new Map<number, string>();
  for (const id of sourceIds) names.set(id, (await getArea(ctx.db, id))?.name ?? String(id));
  return Object.fromEntries(
    Object.entries(values).map(([k, v]) => [
      k,
      {
        value: v.value,
        source: v.source,
        sourceName:
          v.source === 'default' ? '系统默认' : v.source === null ? '全区设置' : (names.get(v.source) ?? ''),
        own: v.source === areaId,
      },
    ]),
  ) as {
    [K in VisitSettingKey]: {
      value: VisitSettings[K];
      source: number | null | 'default';
      sourceName: string;
      own: boolean;
    };
  };
}

/**
 * The floor rule (shared/schedule.ts loosens): a value may not be looser than the one an area above
 * has set (the system row counts as the root's), and may not leave an area below with its own, looser
 * value. Built-in defaults are no floor: nobody set them.
 */
async function assertWithinFloor<K extends VisitSettingKey>(
  q: Queryable,
  key: K,
  value: VisitSettings[K],
  area: { id: number; parent_id: number | null; path: string; name: string } | null,
) {
  if (area) {
    const above = (await visitSettingsWithSource(q, area.parent_id))[key];
    const source = above.source;
    const why = source === 'default' ? null : loosens(key, value, above.value as VisitSettings[K]);
    if (why && source !== 'default') {
      const by = source === null ? '全辖区设置' : ((await getArea(q, source))?.name ?? '上级');
      throw badRequest(
        `${by}规定了${VISIT_SETTING_LABELS[key]}的底线，下级只能更严、不能放宽（${why}）`,
        'value',
      );
    }
  }
  for (const r of await settingRows(q, [key])) {
    if (r.area_id == null || r.area_id === area?.id) continue;
    const below = await getArea(q, r.area_id);
    if (!below || (area && !below.path.startsWith(area.path))) continue;
    const why = loosens(key, r.value as VisitSettings[K], value);
    if (why)
      throw badRequest(
        `${below.name}自行设置的${VISIT_SETTING_LABELS[key]}比此设置宽松（${why}）：请先调整或清除${below.name}的设置`,
        'value',
      );
  }
}

/** Sets (or with value null clears, so it inherits again) one setting for an area or the system. */
export async function writeSetting(
  ctx: Ctx,
  actor: Actor,
  s: { areaId: number | null; key: VisitSettingKey; value: unknown | null },
) {
  if (!(s.key in VISIT_SETTING_DEFAULTS)) throw badRequest('未知的设置项', 'key');
  const area = s.areaId != null ? await getArea(ctx.db, s.areaId) : null;
  if (s.areaId != null && (!area || !inScope(actor.scope, s.areaId))) throw notFound('辖区');
  const now = ctx.clock.now();
  await ctx.db.tx(async (q) => {
    if (s.value != null) await assertWithinFloor(q, s.key, s.value as never, area ?? null);
    await putSetting(q, { areaId: s.areaId, key: s.key, value: s.value, by: actor.userId, now });
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: s.value == null ? 'setting.clear' : 'setting.set',
      entity: 'setting',
      entityId: s.key,
      areaId: s.areaId,
      detail: { key: s.key, value: s.value as never },
    });
  });
  return readSettings(ctx, actor, s.areaId);
}

// ---------------------------------------------------------------------------------------------
// Campaigns
// ---------------------------------------------------------------------------------------------

export async function openCampaign(
  ctx: Ctx,
  actor: Actor,
  c: {
    name: string;
    kind: string;
    areaId: number;
    deadline: string;
    selection: repo.CampaignSelection;
    note?: string;
    /** Section G checks its visits carry whatever the season (default none). */
    checks?: Season[];
  },
) {
  const area = await getArea(ctx.db, c.areaId);
  if (!area || !inScope(actor.scope, c.areaId))
    throw new AppError(404, 'NOT_FOUND', '辖区不存在或不在您的辖区内', 'areaId');
  const now = ctx.clock.now();
  const today = chinaDate(now);
  checkCampaignDeadline(c.deadline, today);
  return ctx.db.tx(async (q) => {
    const { id } = await openCampaignIn(q, {
      ...c,
      checks: c.checks ?? [],
      areaPath: area.path,
      userId: actor.userId,
      now,
    });
    return (await repo.getCampaign(q, id))!;
  });
}

/**
 * Opens a campaign inside the caller's transaction: the row, its tasks, the audit row. The console's
 * route (above) and the signals module (a weather warning, `userId` null: a machine client) use it;
 * the caller has checked the area and the deadline.
 */
export async function openCampaignIn(
  q: Queryable,
  c: {
    name: string;
    kind: string;
    areaId: number;
    areaPath: string;
    deadline: string;
    selection: repo.CampaignSelection;
    note?: string;
    /** Section G checks its visits carry whatever the season (shared/checklist.ts ROUND_CHECKS). */
    checks: readonly Season[];
    userId: number | null;
    now: Date;
    auditDetail?: Record<string, unknown>;
  },
): Promise<{ id: number; tasks: number }> {
  // One of each, in ROUND_CHECKS order: the stored array reads the same however it was asked for.
  const checks = ROUND_CHECKS.filter((k) => c.checks.includes(k));
  const id = await repo.insertCampaign(q, {
    name: c.name,
    kind: c.kind,
    areaId: c.areaId,
    selection: c.selection,
    opensAt: c.now,
    deadline: c.deadline,
    note: c.note,
    checks,
    userId: c.userId,
  });
  const created = await repo.insertCampaignTasks(q, {
    campaignId: id,
    areaPath: c.areaPath,
    selection: c.selection,
    start: c.now,
    end: chinaDayStart(addDays(c.deadline, 1)),
    due: c.deadline,
    today: chinaDate(c.now),
    reason: c.name,
    now: c.now,
  });
  await appendAudit(q, {
    at: c.now,
    actorId: c.userId,
    action: 'campaign.open',
    entity: 'visit_campaign',
    entityId: id,
    areaId: c.areaId,
    detail: {
      name: c.name,
      deadline: c.deadline,
      selection: c.selection as never,
      ...(checks.length ? { checks } : {}),
      tasks: created,
      ...c.auditDetail,
    },
  });
  return { id, tasks: created };
}

export async function listCampaigns(ctx: Ctx, actor: Actor) {
  return repo.listCampaigns(ctx.db, actor.scope);
}

/** The campaign if it is in the actor's scope (its area), else 404 — the same as a campaign that does not exist. */
async function campaignInScope(q: Queryable, actor: Actor, id: number) {
  const c = await repo.getCampaign(q, id);
  if (!c || !inScope(actor.scope, c.area_id)) throw notFound('专项探访');
  return c;
}

/** One rule for a campaign deadline, on open and on edit: not before today, at most three months ahead. */
function checkCampaignDeadline(deadline: string, today: string) {
  if (deadline < today) throw badRequest('截止日期不能早于今天', 'deadline');
  if (deadline > addDays(today, 92)) throw badRequest('截止日期不能晚于三个月后', 'deadline');
}

/**
 * Edits a campaign's name, deadline and note. The open (and missed) tasks follow: their due date and
 * window end move to the new deadline (a missed task is open again while the new window lasts) and
 * their reason to the new name. A closed campaign cannot be edited.
 */
export async function editCampaign(
  ctx: Ctx,
  actor: Actor,
  id: number,
  e: { version: number; name?: string; deadline?: string; note?: string | null },
) {
  const now = ctx.clock.now();
  const today = chinaDate(now);
  return ctx.db.tx(async (q) => {
    const c = await campaignInScope(q, actor, id);
    if (c.closed_at) throw conflict('该专项探访已结束，不能再修改', 'id');
    if (e.version !== c.version) throw conflict('记录已被他人修改，请刷新后重试', 'version');
    const next = {
      name: e.name ?? c.name,
      deadline: e.deadline ?? c.deadline,
      note: e.note === undefined ? c.note : e.note || null,
    };
    if (next.deadline !== c.deadline) checkCampaignDeadline(next.deadline, today);
    if (!(await repo.updateCampaign(q, id, e.version, { ...next, now })))
      throw conflict('记录已被他人修改，请刷新后重试', 'version');
    const moved = await repo.syncCampaignTasks(q, {
      campaignId: id,
      due: next.deadline,
      end: chinaDayStart(addDays(next.deadline, 1)),
      reason: next.name,
      now,
    });
    const changed = (['name', 'deadline', 'note'] as const).filter((k) => next[k] !== c[k]);
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'campaign.edit',
      entity: 'visit_campaign',
      entityId: id,
      areaId: c.area_id,
      detail: {
        changed: [...changed],
        before: Object.fromEntries(changed.map((k) => [k, c[k]])),
        after: Object.fromEntries(changed.map((k) => [k, next[k]])),
        tasks: moved,
      },
    });
    return (await repo.getCampaign(q, id))!;
  });
}

/**
 * Closes a campaign: its open tasks are cancelled with the reason (done and missed ones stay), and a
 * closed campaign makes no new tasks (campaign tasks are only made when it opens; the schedule
 * reopens only regular tasks).
 */
export async function closeCampaign(
  ctx: Ctx,
  actor: Actor,
  id: number,
  c: { version: number; reason: string },
) {
  const now = ctx.clock.now();
  return ctx.db.tx(async (q) => {
    const before = await campaignInScope(q, actor, id);
    if (before.closed_at) throw conflict('该专项探访已经结束', 'id');
    const cancelled = await repo.closeCampaign(q, {
      id,
      version: c.version,
      reason: c.reason,
      userId: actor.userId,
      now,
    });
    if (cancelled === null) throw conflict('记录已被他人修改，请刷新后重试', 'version');
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'campaign.close',
      entity: 'visit_campaign',
      entityId: id,
      areaId: before.area_id,
      detail: { reason: c.reason, cancelledTasks: cancelled, doneTasks: before.done_count },
    });
    return (await repo.getCampaign(q, id))!;
  });
}

// ---------------------------------------------------------------------------------------------
// Reminders
// ---------------------------------------------------------------------------------------------

type NotifyFn = (
  q: Queryable,
  n: {
    recipients: number[];
    kind: string;
    title: string;
    body?: string;
    ref?: { entity: string; id: string | number };
    dedupeKey: string;
    now: Date;
  },
) => Promise<unknown>;

/**
 * Reminds each visitor once per task of open tasks due within the configured days (default 3), through
 * the notifications module's in-app inbox. Idempotent: reminded tasks are marked.
 */
export async function remindDueTasks(ctx: Ctx, notify: NotifyFn) {
  const now = ctx.clock.now();
  const today = chinaDate(now);
  const days = (await visitSettings(ctx.db, null))['visits.reminderDays'];
  const groups = await repo.tasksToRemind(ctx.db, today, addDays(today, days));
  let sent = 0;
  for (const g of groups) {
    await ctx.db.tx(async (q) => {
      await notify(q, {
        recipients: [g.visitor_id],
        kind: 'visit.due_soon',
        title: `您有 ${g.n} 个探访任务将在 ${days} 天内到期`,
        body: `最早的截止日期为 ${g.first_due}，请尽快完成探访。`,
        ref: { entity: 'visit_task', id: g.ids[0] },
        dedupeKey: `visit.due_soon:${g.visitor_id}:${g.ids.join(',')}`,
        now,
      });
      await repo.markReminded(q, g.ids, now);
    });
    sent++;
  }
  return { visitorsReminded: sent, at: chinaDateTime(now) };
}

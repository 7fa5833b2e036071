/**
 * The visitor app's state: the session, the offline bundle and the queue, mirrored from IndexedDB,
 * plus the sender that empties the queue. A visit is written to IndexedDB before anything else
 * happens to it, and leaves the queue only when the server has stored it (2xx, also for a repeat of
 * the same clientId) or when the visitor discards it; a 4xx keeps it with the reason.
 */
import { useSyncExternalStore } from 'react';
import {
  type AnswerOf,
  type CallInput,
  type EndpointDef,
  type OperationOf,
  requestOf,
} from '../../shared/api/contract';
import type * as notifications from '../../shared/api/notifications';
import type { getBundle as GetBundle } from '../../shared/api/visitor-app';
import type {
  recordVisit as RecordVisit,
  RecordVisitInput,
  uploadVisitPhoto as UploadVisitPhoto,
} from '../../shared/api/visits';
import { CHANGE_OWN_PASSWORD, LOGIN, LOGIN_TOTP, LOGOUT } from '../lib/auth-ops';
import { idb } from './idb';
import type { Bundle, InboxItem, QueuedVisit, Session } from './types';

export interface AppState {
  ready: boolean;
  session: Session | null;
  /** The session was refused by the server (expired or ended): log in again; nothing is lost. */
  sessionExpired: boolean;
  /**
   * An administrator reset the password: the server answers every request but the password change
   * with 403 PASSWORD_CHANGE_REQUIRED until it is changed. Queued visits wait (they are not refused).
   */
  passwordChangeRequired: boolean;
  bundle: Bundle | null;
  bundleFetchedAt: string | null;
  queue: QueuedVisit[];
  online: boolean;
  syncing: boolean;
  refreshing: boolean;
  lastSyncError: string | null;
  inbox: { items: InboxItem[]; unread: number; fetchedAt: string } | null;
  toast: string | null;
}

/**
 * Whether a session is kept in IndexedDB, known synchronously: without one the login screen shows at
 * once instead of after IndexedDB opens (on a slow phone's first start, a second). IndexedDB stays the
 * truth: `start()` corrects the hint either way.
 */
const SIGNED_IN = 'tanfang-visitor-signed-in';
function signedInHint(value?: boolean): boolean {
  try {
    if (value === true) localStorage.setItem(SIGNED_IN, '1');
    else if (value === false) localStorage.removeItem(SIGNED_IN);
    return localStorage.getItem(SIGNED_IN) === '1';
  } catch {
    return true; // storage unavailable: wait for IndexedDB as before
  }
}

let state: AppState = {
  ready: typeof localStorage !== 'undefined' && !signedInHint(),
  session: null,
  sessionExpired: false,
  passwordChangeRequired: false,
  bundle: null,
  bundleFetchedAt: null,
  queue: [],
  online: typeof navigator === 'undefined' ? true : navigator.onLine,
  syncing: false,
  refreshing: false,
  lastSyncError: null,
  inbox: null,
  toast: null,
};
const listeners = new Set<() => void>();

function set(patch: Partial<AppState>) {
  state = { ...state, ...patch };
  for (const l of listeners) l();
}
export const getState = () => state;
export function useApp(): AppState {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => state,
  );
}

let toastTimer: ReturnType<typeof setTimeout> | undefined;
export function toast(message: string) {
  clearTimeout(toastTimer);
  set({ toast: message });
  toastTimer = setTimeout(() => set({ toast: null }), 3000);
}

/** Queue entries of the signed-in user (others' stay on the phone until they log in). */
export function myQueue(s: AppState = state): QueuedVisit[] {
  return s.session ? s.queue.filter((q) => q.userId === s.session!.user.id) : [];
}

// ---------------------------------------------------------------------------------------------
// Network
// ---------------------------------------------------------------------------------------------

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** fetch with the bearer token; throws ApiFailure (status 0 = no connection). */
async function call(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (state.session) headers.set('authorization', `Bearer ${state.session.token}`);
  let res: Response;
  try {
    res = await fetch(path, { ...init, headers, credentials: 'omit', cache: 'no-store' });
  } catch {
    throw new ApiFailure(0, '网络连接失败');
  }
  if (res.status === 401 && state.session) set({ sessionExpired: true });
  if (res.status === 403 && state.session) {
    const body = await res
      .clone()
      .json()
      .catch(() => null);
    if (body?.code === 'PASSWORD_CHANGE_REQUIRED') set({ passwordChangeRequired: true });
  }
  return res;
}

/** A contract call (the endpoint's method and path, typed by the contract) with the bearer token. */
function request<E extends EndpointDef>(op: OperationOf<E>, input: CallInput<E>): Promise<Response> {
  const r = requestOf(op, input);
  if (r.body === undefined) return call(r.url, { method: r.method });
  return call(r.url, {
    method: r.method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(r.body),
  });
}

/** The JSON answer of a call, typed by its endpoint; a refusal throws ApiFailure. */
async function answerOf<E extends EndpointDef>(_op: OperationOf<E>, res: Response): Promise<AnswerOf<E>> {
  if (!res.ok) throw await failure(res);
  return res.json();
}

async function failure(res: Response): Promise<ApiFailure> {
  const body = await res.json().catch(() => null);
  return new ApiFailure(res.status, body?.message ?? `服务器返回 ${res.status}`, body?.field);
}

// ---------------------------------------------------------------------------------------------
// Start, login, logout
// ---------------------------------------------------------------------------------------------

export async function start() {
  const [session, bundle, fetchedAt, inbox, queue] = await Promise.all([
    idb.get<Session>('kv', 'session'),
    idb.get<Bundle>('kv', 'bundle'),
    idb.get<string>('kv', 'bundleFetchedAt'),
    idb.get<AppState['inbox']>('kv', 'inbox'),
    idb.getAll<QueuedVisit>('queue'),
  ]);
  signedInHint(!!session);
  set({
    ready: true,
    session: session ?? null,
    bundle: bundle ?? null,
    bundleFetchedAt: fetchedAt ?? null,
    inbox: inbox ?? null,
    queue: sortQueue(queue),
  });
  window.addEventListener('online', () => {
    set({ online: true });
    void syncNow({ force: true });
  });
  window.addEventListener('offline', () => set({ online: false }));
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && navigator.onLine) void syncNow();
  });
  if (session && navigator.onLine) void syncNow({ force: true });
}

const sortQueue = (q: QueuedVisit[]) => [...q].sort((a, b) => a.createdAt.localeCompare(b.createdAt));

export async function login(username: string, password: string, totp?: { challenge: string; code: string }) {
  const body = totp
    ? await answerOf(LOGIN_TOTP, await request(LOGIN_TOTP, { body: totp }))
    : await answerOf(LOGIN, await request(LOGIN, { body: { username, password } }));
  if ('totpRequired' in body) return { totpChallenge: body.challenge };
  const session: Session = { token: body.token, expiresAt: body.expiresAt, user: body.user };
  const previous = state.session ?? (await idb.get<Session>('kv', 'session'));
  // Cached cards belong to one visitor: another user starts clean (their queued visits stay, unsent).
  if (previous && previous.user.id !== session.user.id) {
    await Promise.all([
      idb.delete('kv', 'bundle'),
      idb.delete('kv', 'inbox'),
      idb.delete('kv', 'bundleFetchedAt'),
    ]);
    set({ bundle: null, inbox: null, bundleFetchedAt: null });
  }
  await idb.put('kv', session, 'session');
  signedInHint(true);
  set({ session, sessionExpired: false, passwordChangeRequired: false });
  await syncNow({ force: true });
  return {};
}

/** Ends the session and wipes everything on the phone: cards, inbox and queue (the UI warns first). */
export async function logout() {
  if (state.session && navigator.onLine) await request(LOGOUT, {}).catch(() => undefined);
  await Promise.all([idb.clear('kv'), idb.clear('queue')]);
  signedInHint(false);
  clearTimeout(retryTimer);
  set({
    session: null,
    sessionExpired: false,
    passwordChangeRequired: false,
    bundle: null,
    bundleFetchedAt: null,
    queue: [],
    inbox: null,
  });
}

/** Sets a new password after an administrator's reset; then the waiting visits go out. */
export async function changeOwnPassword(currentPassword: string, newPassword: string) {
  const res = await request(CHANGE_OWN_PASSWORD, { body: { currentPassword, newPassword } });
  if (!res.ok) throw await failure(res);
  set({ passwordChangeRequired: false });
  await syncNow({ force: true });
}

// ---------------------------------------------------------------------------------------------
// Bundle and inbox
// ---------------------------------------------------------------------------------------------

const GET_BUNDLE: OperationOf<typeof GetBundle> = {
  method: 'GET',
  path: '/api/visitor/bundle',
  operationId: 'getVisitorBundle',
};

export async function refreshBundle(): Promise<void> {
  if (!state.session || state.sessionExpired) return;
  set({ refreshing: true });
  try {
    const headers: Record<string, string> = {};
    if (state.bundle?.etag && state.bundle.user.id === state.session.user.id)
      headers['if-none-match'] = state.bundle.etag;
    const res = await call(requestOf(GET_BUNDLE, {}).url, { headers });
    const fetchedAt = new Date().toISOString();
    if (res.status === 304) {
      await idb.put('kv', fetchedAt, 'bundleFetchedAt');
      set({ bundleFetchedAt: fetchedAt });
      return;
    }
    if (!res.ok) throw await failure(res);
    const bundle: Bundle = await res.json();
    await idb.put('kv', bundle, 'bundle');
    await idb.put('kv', fetchedAt, 'bundleFetchedAt');
    set({ bundle, bundleFetchedAt: fetchedAt });
  } finally {
    set({ refreshing: false });
  }
}

const LIST_INBOX: OperationOf<typeof notifications.listInbox> = {
  method: 'GET',
  path: '/api/inbox',
  operationId: 'listInbox',
};
const MARK_READ: OperationOf<typeof notifications.markRead> = {
  method: 'POST',
  path: '/api/inbox/:id/read',
  operationId: 'markNotificationRead',
};

export async function refreshInbox(): Promise<void> {
  if (!state.session || state.sessionExpired) return;
  const body = await answerOf(LIST_INBOX, await request(LIST_INBOX, { query: { limit: 50 } }));
  const inbox = { items: body.items, unread: body.unread, fetchedAt: new Date().toISOString() };
  await idb.put('kv', inbox, 'inbox');
  set({ inbox });
}

export async function markRead(id: number) {
  const { unread } = await answerOf(MARK_READ, await request(MARK_READ, { params: { id } }));
  if (state.inbox) {
    const inbox = {
      ...state.inbox,
      unread,
      items: state.inbox.items.map((i) => (i.id === id ? { ...i, read: true } : i)),
    };
    await idb.put('kv', inbox, 'inbox');
    set({ inbox });
  }
}

// ---------------------------------------------------------------------------------------------
// The queue
// ---------------------------------------------------------------------------------------------

/** Saves a visit to IndexedDB first (returns when it is durable), then tries to send it. */
export async function enqueue(v: QueuedVisit) {
  await idb.put('queue', v);
  set({ queue: sortQueue([...state.queue.filter((q) => q.clientId !== v.clientId), v]) });
  void syncNow({ force: true });
}

export async function discard(clientId: string) {
  await idb.delete('queue', clientId);
  set({ queue: state.queue.filter((q) => q.clientId !== clientId) });
}

async function update(v: QueuedVisit) {
  await idb.put('queue', v);
  set({ queue: state.queue.map((q) => (q.clientId === v.clientId ? v : q)) });
}

const BACKOFF_BASE_MS = 2000;
const BACKOFF_MAX_MS = 5 * 60 * 1000;
/** Wait before retry n (1, 2, …): 2 s, 4 s, 8 s … at most 5 minutes, with ±20 % jitter. */
export function backoffMs(attempt: number): number {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

let running: Promise<void> | null = null;
let retryTimer: ReturnType<typeof setTimeout> | undefined;

/**
 * Sends what is due (all pending when `force`), one visit at a time, then refreshes the bundle so
 * task lists show what the server now knows. Safe to call any time: one run at a time.
 */
export function syncNow(o: { force?: boolean } = {}): Promise<void> {
  if (running) return running;
  running = runSync(!!o.force).finally(() => {
    running = null;
    scheduleRetry();
  });
  return running;
}

async function runSync(force: boolean) {
  if (!state.session || state.sessionExpired || state.passwordChangeRequired) return;
  // Known offline: wait for the 'online' event instead of spending attempts (and backoff) on nothing.
  if (!navigator.onLine) return;
  set({ syncing: true, lastSyncError: null });
  let sent = 0;
  try {
    const due = myQueue().filter((q) => q.status === 'pending' && (force || q.nextAttemptAt <= Date.now()));
    for (const item of due) {
      const outcome = await send(item);
      if (outcome === 'sent') sent++;
      if (outcome === 'stop') break;
    }
    if (sent > 0 || force) {
      await refreshBundle().catch((e) => set({ lastSyncError: (e as Error).message }));
      await refreshInbox().catch(() => undefined);
    }
  } finally {
    set({ syncing: false });
  }
  if (sent > 0) toast(`已上传 ${sent} 条探访记录`);
}

/**
 * Sends the visit's photos one by one ahead of it (PUT /api/visit-photos/:sha256, each retried on its
 * own: one that failed does not send the others again), recording each one the server has. Without
 * Web Crypto (a page not served over HTTPS or from localhost) the photos go inline with the visit.
 */
async function sendPhotos(
  item: QueuedVisit,
): Promise<{ photos: RecordVisitInput['photos'] } | 'kept' | 'stop'> {
  if (!globalThis.crypto?.subtle) {
    const data = await Promise.all(item.photos.map(blobToDataUrl));
    return { photos: data.map((d, i) => ({ data: d, name: `photo-${i + 1}.jpg` })) };
  }
  const shas = await Promise.all(item.photos.map(sha256Of));
  let current = item;
  for (const [i, photo] of item.photos.entries()) {
    if (current.uploaded?.includes(shas[i])) continue;
    let res: Response;
    try {
      res = await request(UPLOAD_PHOTO, {
        params: { sha256: shas[i] },
        body: { data: await blobToDataUrl(photo) },
      });
    } catch (e) {
      await retryLater(current, (e as Error).message);
      return 'stop';
    }
    if (!res.ok) {
      const outcome = await refused(current, res, `第 ${i + 1} 张照片：`);
      return outcome;
    }
    current = { ...current, uploaded: [...(current.uploaded ?? []), shas[i]] };
    await update(current);
  }
  return { photos: shas.map((sha, i) => ({ upload: sha, name: `photo-${i + 1}.jpg` })) };
}

/** What a refused request means for the queued visit: wait (session), retry later, or rejected. */
async function refused(item: QueuedVisit, res: Response, prefix = ''): Promise<'kept' | 'stop'> {
  // Not the visit's fault: the session ended, or the password must be changed first. It waits.
  if (res.status === 401 || state.passwordChangeRequired) return 'stop';
  const body = await res
    .clone()
    .json()
    .catch(() => null);
  const f = await failure(res);
  if (res.status >= 500 || res.status === 408 || res.status === 429 || body?.code === 'UPLOAD_MISSING') {
    // A photo the server no longer holds (swept after 7 days): sent again on the next attempt.
    await retryLater(body?.code === 'UPLOAD_MISSING' ? { ...item, uploaded: [] } : item, prefix + f.message);
    return 'kept';
  }
  await update({
    ...item,
    status: 'rejected',
    rejection: { status: f.status, message: prefix + f.message, field: f.field },
  });
  return 'kept';
}

async function send(item: QueuedVisit): Promise<'sent' | 'kept' | 'stop'> {
  const sent = await sendPhotos(item);
  if (sent === 'kept' || sent === 'stop') return sent;
  // The queue's copy (it now records the uploaded photos).
  item = state.queue.find((q) => q.clientId === item.clientId) ?? item;
  let res: Response;
  try {
    const r = requestOf(RECORD_VISIT, { body: visitBody(item, sent.photos) });
    res = await call(r.url, {
      method: r.method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(r.body),
    });
  } catch (e) {
    // No connection (or it dropped mid-upload): the server may or may not have the visit; the
    // clientId makes the next attempt safe either way.
    await retryLater(item, (e as Error).message);
    return 'stop';
  }
  if (res.ok) {
    await idb.delete('queue', item.clientId);
    set({ queue: state.queue.filter((q) => q.clientId !== item.clientId) });
    return 'sent';
  }
  return refused(item, res);
}

async function retryLater(item: QueuedVisit, message: string) {
  const attempts = item.attempts + 1;
  await update({ ...item, attempts, nextAttemptAt: Date.now() + backoffMs(attempts), lastError: message });
  set({ lastSyncError: message });
}

function scheduleRetry() {
  clearTimeout(retryTimer);
  const pending = myQueue().filter((q) => q.status === 'pending');
  if (!pending.length || !state.session || state.sessionExpired || state.passwordChangeRequired) return;
  const next = Math.min(...pending.map((q) => q.nextAttemptAt));
  retryTimer = setTimeout(() => void syncNow(), Math.max(1000, next - Date.now()));
}

/** POST /api/visits, checked against the contract (src/shared/api/visits.ts) by its literal types. */
const RECORD_VISIT: OperationOf<typeof RecordVisit> = {
  method: 'POST',
  path: '/api/visits',
  operationId: 'recordVisit',
};

/** PUT /api/visit-photos/:sha256 (src/shared/api/visits.ts). */
const UPLOAD_PHOTO: OperationOf<typeof UploadVisitPhoto> = {
  method: 'PUT',
  path: '/api/visit-photos/:sha256',
  operationId: 'uploadVisitPhoto',
};

async function sha256Of(b: Blob): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', await b.arrayBuffer()));
  return Array.from(d, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** The body of POST /api/visits: the contract's type, so a field the server adds reaches it here. */
function visitBody(item: QueuedVisit, photos: RecordVisitInput['photos']): RecordVisitInput {
  const d = item.draft;
  return {
    clientId: item.clientId,
    personId: d.personId,
    at: d.at,
    method: d.method,
    outcome: d.outcome,
    durationMinutes: d.durationMinutes,
    notes: d.notes || null,
    answers: d.answers,
    openedAt: d.openedAt ?? null,
    submittedAt: d.submittedAt ?? null,
    location: item.location ? { consent: true, ...item.location } : null,
    // Each photo (inline or sent ahead) with what the phone read of its original, in the same order.
    photos: photos?.map((p, i) => (item.photoMeta?.[i] ? { ...p, meta: item.photoMeta[i] } : p)),
  };
}

function blobToDataUrl(b: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(r.result as string);
    r.onerror = () => reject(r.error);
    r.readAsDataURL(b);
  });
}

import type { Session as StartedSession } from '../../shared/api/auth';
import type { RecordVisitInput } from '../../shared/api/visits';
import type { PhotoMetaRead } from './exif';

// The API's shapes come from the contract (src/shared/api), as types only: the phone does not load zod.
export type { Bundle, BundlePerson, BundleTask } from '../../shared/api/visitor-app';

/** The session the phone keeps: the contract's (POST /api/auth/login) without the console's CSRF token. */
export type Session = Pick<StartedSession, 'token' | 'expiresAt' | 'user'>;

/**
 * What the visitor entered: the body of POST /api/visits (the contract's `RecordVisitInput`) without
 * what is added at send time (clientId, photos), plus the checklist version the form showed.
 */
export type VisitDraft = Omit<
  RecordVisitInput,
  'clientId' | 'photos' | 'signature' | 'location' | 'visitorId'
> & {
  checklistVersion: number;
};

/** One visit waiting in IndexedDB. Kept until the server stores it or the visitor discards it. */
export interface QueuedVisit {
  clientId: string;
  userId: number;
  userName: string;
  personName: string;
  createdAt: string;
  draft: VisitDraft;
  /** JPEG within the photo budget (visitor/photo.ts: at most 1280 px and 250 KB). */
  photos: Blob[];
  /**
   * SHA-256 of the photos the server already has (PUT /api/visit-photos/:sha256): each photo is sent
   * on its own and not again after a failure of another one or of the visit; the queue shows how
   * many are up.
   */
  uploaded?: string[];
  /** Per photo, read from the original before compression (visitor/exif.ts): EXIF time, place, hash. */
  photoMeta?: PhotoMetaRead[];
  /** Taken with the person's consent at save time (in person only), with the reported accuracy. */
  location?: { latitude: number; longitude: number; accuracy: number | null } | null;
  status: 'pending' | 'rejected';
  attempts: number;
  /** Epoch ms: not retried before this (backoff after a network or server error). */
  nextAttemptAt: number;
  lastError?: string;
  rejection?: { status: number; message: string; field?: string };
}

/** A notification as kept for the inbox screen (GET /api/inbox). */
export type { InboxItem } from '../../shared/api/notifications';

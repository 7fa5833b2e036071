import type { ChecklistAnswers, VisitMethod, VisitOutcome } from '../../shared/checklist';
import type { SeasonRange } from '../../shared/schedule';

/** GET /api/visitor/bundle (src/server/modules/visitor-app/routes.ts). */
export interface Bundle {
  generatedAt: string;
  etag: string;
  today: string;
  user: { id: number; displayName: string };
  persons: BundlePerson[];
  tasks: BundleTask[];
  recentVisits: {
    id: number;
    clientId: string;
    personId: number;
    personName: string;
    at: string;
    method: VisitMethod;
    outcome: VisitOutcome;
    qualifying: boolean;
    photoCount: number;
  }[];
}

export interface BundlePerson {
  id: number;
  name: string;
  sex: 'male' | 'female';
  age: number;
  phone: string | null;
  address: string;
  villageId: number;
  villageName: string;
  status: 'active' | 'paused' | 'ended';
  selfCare: 'capable' | 'partial' | 'none';
  tier: 'general' | 'key';
  flags: string[];
  flagNote: string | null;
  benefitCard: 'self' | 'custodian' | 'lost' | 'none';
  cardCustodian: string | null;
  backup: boolean;
  seasons: { heating: SeasonRange; flood: SeasonRange };
  caregiver: { name: string; relation: string; phone: string | null } | null;
  lastVisit: {
    id: number;
    at: string;
    method: VisitMethod;
    visitorName: string;
    notes: string | null;
    findings: { label: string; answer: string }[];
  } | null;
  openConcerns: {
    id: number;
    category: string;
    description: string;
    status: string;
    deadline: string | null;
  }[];
}

export interface BundleTask {
  id: number;
  personId: number;
  kind: 'regular' | 'follow_up' | 'campaign';
  period: string;
  tier: 'general' | 'key' | null;
  windowStart: string;
  windowEnd: string;
  dueDate: string;
  status: 'open' | 'done' | 'missed' | 'cancelled';
  reason: string | null;
}

export interface Session {
  token: string;
  expiresAt: string;
  user: { id: number; username: string; displayName: string; roles: string[] };
}

/** What the visitor entered; sent as the body of POST /api/visits (photos added at send time). */
export interface VisitDraft {
  personId: number;
  at: string;
  method: VisitMethod;
  outcome: VisitOutcome;
  durationMinutes: number | null;
  notes: string;
  checklistVersion: number;
  answers: ChecklistAnswers;
}

/** One visit waiting in IndexedDB. Kept until the server stores it or the visitor discards it. */
export interface QueuedVisit {
  clientId: string;
  userId: number;
  userName: string;
  personName: string;
  createdAt: string;
  draft: VisitDraft;
  /** JPEG, downscaled to at most 1600 px on the long side. */
  photos: Blob[];
  status: 'pending' | 'rejected';
  attempts: number;
  /** Epoch ms: not retried before this (backoff after a network or server error). */
  nextAttemptAt: number;
  lastError?: string;
  rejection?: { status: number; message: string; field?: string };
}

export interface InboxItem {
  id: number;
  kind: string;
  title: string;
  body: string;
  createdAt: string;
  read: boolean;
}

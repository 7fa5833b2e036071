import type { BenefitCardState, EndReason, PersonStatus, SelfCare, Tier } from '../../../shared/person';
import type { VisitorType } from '../../../shared/roles';

/** Shapes of the persons API (src/server/modules/persons/routes.ts). */
export interface PersonListItem {
  id: number;
  name: string;
  idNumberMasked: string;
  sex: 'male' | 'female';
  birthDate: string;
  age: number;
  ethnicity: string | null;
  phoneMasked: string | null;
  townId: number;
  townName: string;
  villageId: number;
  villageName: string;
  status: PersonStatus;
  statusReason: string | null;
  statusSince: string | null;
  pausedUntil: string | null;
  endReason: EndReason | null;
  selfCare: SelfCare;
  tier: Tier;
  flags: string[];
  visitorId: number | null;
  visitorName: string | null;
  version: number;
}

export interface PersonFile extends PersonListItem {
  registeredAddress: string | null;
  currentAddress: string | null;
  latitude: number | null;
  longitude: number | null;
  supportStart: string;
  certificateNo: string | null;
  flagNote: string | null;
  benefitCard: BenefitCardState;
  cardCustodian: string | null;
  cardCustodianReason: string | null;
  note: string | null;
  createdAt: string;
  updatedAt: string;
  assessments: {
    id: number;
    assessedOn: string;
    indicators: Record<string, boolean>;
    level: SelfCare;
    assessorName: string | null;
    note: string | null;
  }[];
  assignments: {
    id: number;
    visitorId: number;
    visitorName: string;
    kind: 'responsible' | 'backup';
    fromAt: string;
    toAt: string | null;
    actorName: string | null;
  }[];
  canWrite: boolean;
  canRevealIdNumber: boolean;
}

export interface VisitorWorkload {
  id: number;
  displayName: string;
  username: string;
  visitorType: VisitorType | null;
  organization: string | null;
  disabled: boolean;
  areas: { id: number; name: string }[];
  activePersons: number;
  keyPersons: number;
  backupPersons: number;
}

export interface ImportResult {
  dryRun: boolean;
  total: number;
  created: number;
  updated: number;
  /** The first UPLOAD_LIMITS.rejectedShown rejected rows; `rejectedCount` counts them all. */
  rejected: { row: number; column: string; message: string }[];
  rejectedCount: number;
  badRowsToken: string | null;
}

/**
 * Section I of the visit checklist: life-safety risks; each ticked one opens an incident (stable codes).
 * Its own module so that the pages that only name risks (the dashboard, the incidents) do not load the
 * whole checklist definition; `checklist.ts` re-exports it.
 */
export const RISK_CODES = [
  'wandering',
  'infringement',
  'serious_illness',
  'severe_mental_illness',
  'death',
  'missing',
] as const;
export type RiskCode = (typeof RISK_CODES)[number];
export const RISK_LABELS: Record<RiskCode, string> = {
  wandering: '外出流浪乞讨',
  infringement: '遭受侵害',
  serious_illness: '发生重病',
  severe_mental_illness: '患有严重精神疾病',
  death: '死亡',
  missing: '失踪',
};

/**
 * ITU-T G.107 E-model, narrowband, with the Recommendation's default values for everything a
 * peer cannot measure (R0 − Is = 93.2, A = 0). Delay impairment uses the common reduction of
 * G.107's Id for default echo loss (Cole & Rosenbluth, 2001):
 *   Id = 0.024·Ta + 0.11·(Ta − 177.3)·H(Ta − 177.3).
 * Loss: Ie,eff = Ie + (95 − Ie)·Ppl / (Ppl/BurstR + Bpl)  (G.107 §7.4, Ppl in percent).
 * MOS from R: G.107 Annex B.
 */
export interface EModelInput {
  /** Mouth-to-ear one-way delay Ta in ms. */
  delayMs: number;
  /** Effective packet loss Ppl in percent (lost + discarded late). */
  lossPercent: number;
  /** 1 for random loss, above 1 for bursty loss. */
  burstRatio: number;
  ie: number;
  bpl: number;
}

export interface EModelResult {
  r: number;
  mos: number;
}

const R0_MINUS_IS = 93.2;

export function delayImpairment(ta: number): number {
  return 0.024 * ta + (ta > 177.3 ? 0.11 * (ta - 177.3) : 0);
}

export function effectiveEquipmentImpairment(ie: number, bpl: number, ppl: number, burstR: number): number {
  return ie + ((95 - ie) * ppl) / (ppl / burstR + bpl);
}

export function mosFromR(r: number): number {
  if (r <= 0) return 1;
  if (r >= 100) return 4.5;
  return 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6;
}

export function eModel(x: EModelInput): EModelResult {
  const burst = x.burstRatio > 0 ? x.burstRatio : 1;
  const r = R0_MINUS_IS - delayImpairment(Math.max(0, x.delayMs)) - effectiveEquipmentImpairment(x.ie, x.bpl, Math.max(0, x.lossPercent), burst);
  return { r, mos: mosFromR(r) };
}

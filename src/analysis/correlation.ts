// Similarity of two gradient vectors: Pearson correlation (the paper's eq. 3), cosine similarity
// (the L2 norm is in vector.ts), all accumulated in float64 whatever the precision.
import type { NumVec } from '../vector.ts';

function checkSameLength(aP: NumVec, bP: NumVec, what: string): void {
  if (aP.length !== bP.length) {
    throw new RangeError(`${what}: vectors differ in length (${aP.length} vs ${bP.length})`);
  }
}

/** The paper's SGD-vs-SGD reference: mean ρ between two mini-batches' gradients along an SGD run on cnn-3m. */
export const PAPER_SGD_VS_SGD = 0.3904;

/**
 * Centred sums of squares and products over the P components, two passes (means first), float64:
 * saa = Σ (a_i − mean a)², sbb = Σ (b_i − mean b)², sab = Σ (a_i − mean a)(b_i − mean b).
 */
export function centredSums(aP: NumVec, bP: NumVec): { saa: number; sbb: number; sab: number } {
  checkSameLength(aP, bP, 'centredSums');
  const n = aP.length;
  let sumA = 0,
    sumB = 0;
  for (let i = 0; i < n; i++) {
    sumA += aP[i]!;
    sumB += bP[i]!;
  }
  const meanA = sumA / n,
    meanB = sumB / n;
  let sab = 0,
    saa = 0,
    sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = aP[i]! - meanA,
      db = bP[i]! - meanB;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return { saa, sbb, sab };
}

/**
 * Pearson correlation over the P components (eq. 3):
 * sum (a_i - mean a)(b_i - mean b) / (sqrt(sum (a_i - mean a)^2) sqrt(sum (b_i - mean b)^2)).
 * NaN when either vector is constant or P = 0.
 */
export function pearson(aP: NumVec, bP: NumVec): number {
  const { saa, sbb, sab } = centredSums(aP, bP);
  return sab / (Math.sqrt(saa) * Math.sqrt(sbb));
}

/** Cosine similarity a.b / (|a| |b|) (Pearson without centring). NaN when either norm is 0. */
export function cosine(aP: NumVec, bP: NumVec): number {
  checkSameLength(aP, bP, 'cosine');
  let sab = 0,
    saa = 0,
    sbb = 0;
  for (let i = 0; i < aP.length; i++) {
    const a = aP[i]!,
      b = bP[i]!;
    sab += a * b;
    saa += a * a;
    sbb += b * b;
  }
  return sab / (Math.sqrt(saa) * Math.sqrt(sbb));
}

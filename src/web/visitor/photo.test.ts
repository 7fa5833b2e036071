import { describe, expect, it } from 'vitest';
import { fitToBudget, PHOTO_MAX_BYTES, PHOTO_MAX_PX, PHOTO_MIN_PX, qualitySteps } from './photo.js';

// A stand-in encoder: size grows with pixels and quality, as a JPEG's does (~bytes per pixel × q²).
const encoder = (bytesPerPixel: number) => {
  const calls: [number, number][] = [];
  const encode = async (px: number, q: number) => {
    calls.push([px, q]);
    return { size: Math.round(px * px * 0.75 * bytesPerPixel * q * q), px, q };
  };
  return { encode, calls };
};

describe('photo budget', () => {
  it('tries qualities from the start down to 0.4', () => {
    expect(qualitySteps(0.82)).toEqual([0.82, 0.74, 0.66, 0.58, 0.5, 0.42]);
  });

  it('keeps full size and the first quality when the photo already fits', async () => {
    const e = encoder(0.1);
    const r = await fitToBudget(e.encode, { maxPx: PHOTO_MAX_PX, quality: 0.82, maxBytes: PHOTO_MAX_BYTES });
    expect([r.px, r.quality]).toEqual([1280, 0.82]);
    expect(e.calls).toHaveLength(1);
  });

  it('lowers the quality first, then the size, and stops at the first result within the budget', async () => {
    const e = encoder(0.9);
    const r = await fitToBudget(e.encode, { maxPx: PHOTO_MAX_PX, quality: 0.82, maxBytes: PHOTO_MAX_BYTES });
    expect(r.result.size).toBeLessThanOrEqual(PHOTO_MAX_BYTES);
    expect(r.px).toBe(1280);
    expect(r.quality).toBeLessThan(0.82);
    const e2 = encoder(3);
    const r2 = await fitToBudget(e2.encode, {
      maxPx: PHOTO_MAX_PX,
      quality: 0.82,
      maxBytes: PHOTO_MAX_BYTES,
    });
    expect(r2.result.size).toBeLessThanOrEqual(PHOTO_MAX_BYTES);
    expect(r2.px).toBeLessThan(1280);
    expect(r2.px).toBeGreaterThanOrEqual(PHOTO_MIN_PX);
    // Every larger size was tried at every quality before it.
    expect(e2.calls.filter(([px]) => px === 1280)).toHaveLength(6);
  });

  it('returns the smallest result when nothing fits at the smallest size', async () => {
    const e = encoder(100);
    const r = await fitToBudget(e.encode, { maxPx: PHOTO_MAX_PX, quality: 0.82, maxBytes: PHOTO_MAX_BYTES });
    expect(r.px).toBe(PHOTO_MIN_PX);
    expect(r.quality).toBe(0.42);
    expect(Math.min(...e.calls.map(([px, q]) => px * px * q * q))).toBe(r.px * r.px * r.quality * r.quality);
  });
});

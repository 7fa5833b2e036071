/**
 * The photo budget (issue 33): what a visit photo may cost on a village connection. At 1280 px on the
 * long side a room's condition, a face and an A4 document stay legible (test/e2e/photo-budget.test.ts
 * encodes such scenes and keeps the results for a person to look at); 250 KB is ~5 s at 400 kbit/s.
 */
export const PHOTO_MAX_PX = 1280;
export const PHOTO_MAX_BYTES = 250 * 1024;
/** Below this long side the photo is not shrunk further: a busier scene keeps 640 px over the budget. */
export const PHOTO_MIN_PX = 640;

/** JPEG qualities tried in turn, from `start` down, before the photo is made smaller. */
export function qualitySteps(start = 0.82): number[] {
  const steps: number[] = [];
  for (let q = start; q >= 0.4 - 1e-9; q -= 0.08) steps.push(Math.round(q * 100) / 100);
  return steps.length ? steps : [start];
}

/**
 * Fits an encoding to the budget: the largest size (from `maxPx`, shrinking by a fifth) and, at that
 * size, the highest quality (from `quality` down) whose result is at most `maxBytes`. When nothing
 * fits at `PHOTO_MIN_PX`, the smallest result found is returned (a busy scene over the budget still
 * beats a photo nobody can read).
 */
export async function fitToBudget<T extends { size: number }>(
  encode: (px: number, quality: number) => Promise<T>,
  o: { maxPx: number; quality: number; maxBytes: number; minPx?: number },
): Promise<{ result: T; px: number; quality: number }> {
  const minPx = Math.min(o.maxPx, o.minPx ?? PHOTO_MIN_PX);
  let best: { result: T; px: number; quality: number } | null = null;
  for (let px = o.maxPx; ; px = Math.max(minPx, Math.round(px * 0.8))) {
    for (const q of qualitySteps(o.quality)) {
      const result = await encode(px, q);
      if (!best || result.size < best.result.size) best = { result, px, quality: q };
      if (result.size <= o.maxBytes) return { result, px, quality: q };
    }
    if (px === minPx) return best!;
  }
}

/**
 * Decodes a camera photo and re-encodes it as JPEG within the budget: at most `maxPx` on its long
 * side and `maxBytes`. Drawing on a canvas and encoding again keeps only pixels: EXIF (time, place,
 * camera) and every other metadata block of the original are gone from what is stored — read them
 * from the original before calling this when they are wanted.
 */
export async function downscalePhoto(
  file: Blob,
  maxPx = PHOTO_MAX_PX,
  quality = 0.82,
  maxBytes = PHOTO_MAX_BYTES,
): Promise<Blob> {
  const bmp = await createImageBitmap(file, { imageOrientation: 'from-image' });
  try {
    const canvas = document.createElement('canvas');
    const g = canvas.getContext('2d')!;
    let drawn = 0;
    const encode = (px: number, q: number) => {
      if (px !== drawn) {
        const scale = Math.min(1, px / Math.max(bmp.width, bmp.height));
        canvas.width = Math.max(1, Math.round(bmp.width * scale));
        canvas.height = Math.max(1, Math.round(bmp.height * scale));
        g.imageSmoothingQuality = 'high';
        g.drawImage(bmp, 0, 0, canvas.width, canvas.height);
        drawn = px;
      }
      return new Promise<Blob>((resolve, reject) =>
        canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('照片压缩失败'))), 'image/jpeg', q),
      );
    };
    return (await fitToBudget(encode, { maxPx, quality, maxBytes })).result;
  } finally {
    bmp.close();
  }
}

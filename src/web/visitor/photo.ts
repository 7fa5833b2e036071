/** Longest side of a queued photo: enough to see a crack in a wall, small enough for a weak signal. */
export const PHOTO_MAX_PX = 1600;

/** Decodes a camera photo and re-encodes it as JPEG, at most PHOTO_MAX_PX on its long side. */
export async function downscalePhoto(file: Blob, maxPx = PHOTO_MAX_PX, quality = 0.82): Promise<Blob> {
  const bmp = await createImageBitmap(file, { imageOrientation: 'from-image' });
  const scale = Math.min(1, maxPx / Math.max(bmp.width, bmp.height));
  const w = Math.max(1, Math.round(bmp.width * scale));
  const h = Math.max(1, Math.round(bmp.height * scale));
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  const g = canvas.getContext('2d')!;
  g.drawImage(bmp, 0, 0, w, h);
  bmp.close();
  return new Promise((resolve, reject) =>
    canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('照片压缩失败'))), 'image/jpeg', quality),
  );
}

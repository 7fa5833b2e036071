import { createHash } from 'node:crypto';
import { VISIT_LIMITS } from '../../../shared/api/visits.js';
import { badRequest } from '../../http/errors.js';

/** Per-photo limit and count: a phone photo is 2–4 MB; more than this is not a photo of a visit. */
export const MAX_PHOTO_BYTES = VISIT_LIMITS.photoBytesMax;
export const MAX_PHOTOS = VISIT_LIMITS.photosMax;
export const MAX_SIGNATURE_BYTES = VISIT_LIMITS.signatureBytesMax;
/**
 * All files of one visit together. The phone sends JPEGs of at most 1600 px (~0.3–1 MB); 6 such
 * photos and a signature fit with room to spare, 6 full-size 5 MB photos (31.5 MB a request) do not.
 */
export const MAX_VISIT_FILES_BYTES = VISIT_LIMITS.filesBytesMax;
/** Route body limit: the files of one visit in base64 (4/3) plus the answers. */
/** One photo sent ahead of its visit, as base64 JSON. */
export const PHOTO_BODY_LIMIT = Math.ceil((MAX_PHOTO_BYTES * 4) / 3) + 64 * 1024;
export const VISIT_BODY_LIMIT = Math.ceil((MAX_VISIT_FILES_BYTES * 4) / 3) + 2 * 1024 * 1024;

/** Bytes a base64 (or data: URL) string decodes to, from its length (before decoding it). */
export function base64Bytes(data: string): number {
  const b64 = data.startsWith('data:') ? data.slice(data.indexOf(',') + 1) : data;
  return Math.floor((b64.length * 3) / 4);
}

export type ImageMime = 'image/jpeg' | 'image/png' | 'image/webp';

/** The image type by its first bytes (never by name or declared type). */
export function sniffImage(b: Buffer): ImageMime | null {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return 'image/png';
  if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP')
    return 'image/webp';
  return null;
}

export interface DecodedImage {
  mime: ImageMime;
  content: Buffer;
  sha256: string;
}

/**
 * Decodes a base64 (or data: URL) image and checks its size and real type; errors name the field
 * ('photos.2', 'signature') in Chinese.
 */
export function decodeImage(data: string, field: string, label: string, maxBytes: number): DecodedImage {
  const b64 = data.startsWith('data:') ? data.slice(data.indexOf(',') + 1) : data;
  // Size from the base64 length first, so a huge upload is refused before it is decoded.
  const approx = Math.floor((b64.length * 3) / 4);
  if (approx > maxBytes + 3)
    throw badRequest(
      `${label}过大（${(approx / 1048576).toFixed(1)} MB），不能超过 ${maxBytes / 1048576} MB`,
      field,
    );
  if (!/^[A-Za-z0-9+/=\s_-]*$/.test(b64)) throw badRequest(`${label}不是有效的 base64 数据`, field);
  const content = Buffer.from(b64, 'base64');
  if (content.length === 0) throw badRequest(`${label}为空`, field);
  if (content.length > maxBytes) throw badRequest(`${label}过大，不能超过 ${maxBytes / 1048576} MB`, field);
  const mime = sniffImage(content);
  if (!mime) throw badRequest(`${label}不是 JPEG、PNG 或 WebP 图片`, field);
  return { mime, content, sha256: createHash('sha256').update(content).digest('hex') };
}

/**
 * What a camera photo says about itself, read on the phone BEFORE it is compressed (the canvas
 * re-encode drops EXIF): its capture time (DateTimeOriginal) and place (GPS), and the SHA-256 of the
 * original bytes (the same photo sent for two visits has the same hash). A minimal JPEG APP1/TIFF
 * reader — the two tags and the GPS IFD, nothing else — so the phone loads no library for it.
 * Nothing here ever blocks a visit: a photo without EXIF, a PNG, or a browser without crypto.subtle
 * (plain http on a LAN address) gives empty fields.
 */

/** What the phone sends with a photo (the contract's `photos[].meta`). */
export interface PhotoMetaRead {
  sha256: string | null;
  takenAt: string | null;
  latitude: number | null;
  longitude: number | null;
}

/** The photo's metadata; never throws. `tzOffsetMinutes`: EXIF local times are taken as China time. */
export async function readPhotoMeta(file: Blob, tzOffsetMinutes = 480): Promise<PhotoMetaRead> {
  let bytes: ArrayBuffer;
  try {
    bytes = await file.arrayBuffer();
  } catch {
    return { sha256: null, takenAt: null, latitude: null, longitude: null };
  }
  const exif = safeParse(bytes, tzOffsetMinutes);
  return { sha256: await sha256Hex(bytes), ...exif };
}

async function sha256Hex(bytes: ArrayBuffer): Promise<string | null> {
  try {
    if (!globalThis.crypto?.subtle) return null;
    const d = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
    return [...d].map((b) => b.toString(16).padStart(2, '0')).join('');
  } catch {
    return null;
  }
}

function safeParse(bytes: ArrayBuffer, tz: number): Omit<PhotoMetaRead, 'sha256'> {
  try {
    return parseExif(bytes, tz);
  } catch {
    return { takenAt: null, latitude: null, longitude: null };
  }
}

const TAG_EXIF_IFD = 0x8769;
const TAG_GPS_IFD = 0x8825;
const TAG_DATETIME_ORIGINAL = 0x9003;
const TAG_DATETIME = 0x0132;

/**
 * EXIF of a JPEG: walks the markers to APP1 "Exif\0\0", reads IFD0 (DateTime, the pointers to the
 * Exif and GPS IFDs), the Exif IFD (DateTimeOriginal) and the GPS IFD (latitude/longitude with their
 * N/S/E/W refs as degrees-minutes-seconds rationals). Any other file: all null.
 */
export function parseExif(buf: ArrayBuffer, tzOffsetMinutes = 480): Omit<PhotoMetaRead, 'sha256'> {
  const none = { takenAt: null, latitude: null, longitude: null };
  const v = new DataView(buf);
  if (v.byteLength < 4 || v.getUint16(0) !== 0xffd8) return none;
  let off = 2;
  while (off + 4 <= v.byteLength) {
    if (v.getUint8(off) !== 0xff) return none;
    const marker = v.getUint8(off + 1);
    if (marker === 0xda || marker === 0xd9) return none; // image data: no EXIF before it
    const len = v.getUint16(off + 2);
    if (marker === 0xe1 && len >= 8 && ascii(v, off + 4, 6) === 'Exif\0\0')
      return readTiff(v, off + 10, Math.min(v.byteLength, off + 2 + len), tzOffsetMinutes);
    off += 2 + len;
  }
  return none;
}

function ascii(v: DataView, at: number, n: number): string {
  let s = '';
  for (let i = 0; i < n && at + i < v.byteLength; i++) s += String.fromCharCode(v.getUint8(at + i));
  return s;
}

function readTiff(v: DataView, start: number, end: number, tz: number): Omit<PhotoMetaRead, 'sha256'> {
  const order = v.getUint16(start);
  const le = order === 0x4949;
  if (!le && order !== 0x4d4d) throw new Error('not TIFF');
  const u16 = (at: number) => {
    if (at + 2 > end) throw new Error('out of range');
    return v.getUint16(at, le);
  };
  const u32 = (at: number) => {
    if (at + 4 > end) throw new Error('out of range');
    return v.getUint32(at, le);
  };
  /** Tag → its entry's offset, for one IFD at tiff-relative offset `ifd`. */
  const entries = (ifd: number): Map<number, number> => {
    const m = new Map<number, number>();
    const at = start + ifd;
    const n = u16(at);
    if (n > 500) throw new Error('too many entries');
    for (let i = 0; i < n; i++) m.set(u16(at + 2 + i * 12), at + 2 + i * 12);
    return m;
  };
  const valueAt = (entry: number, size: number, count: number) =>
    size * count <= 4 ? entry + 8 : start + u32(entry + 8);
  const text = (entry?: number) => {
    if (entry == null) return null;
    const count = u32(entry + 4);
    const at = valueAt(entry, 1, count);
    if (at + count > end) return null;
    return ascii(v, at, count).replace(/\0.*$/, '');
  };
  const rationals = (entry?: number): number[] | null => {
    if (entry == null) return null;
    const count = u32(entry + 4);
    const at = valueAt(entry, 8, count);
    const out: number[] = [];
    for (let i = 0; i < count; i++) {
      const den = u32(at + i * 8 + 4);
      out.push(den ? u32(at + i * 8) / den : 0);
    }
    return out;
  };
  const ifd0 = entries(u32(start + 4));
  let taken: string | null = null;
  const exifPtr = ifd0.get(TAG_EXIF_IFD);
  if (exifPtr != null) taken = text(entries(u32(exifPtr + 8)).get(TAG_DATETIME_ORIGINAL));
  taken ??= text(ifd0.get(TAG_DATETIME));
  let latitude: number | null = null;
  let longitude: number | null = null;
  const gpsPtr = ifd0.get(TAG_GPS_IFD);
  if (gpsPtr != null) {
    const g = entries(u32(gpsPtr + 8));
    const lat = rationals(g.get(2));
    const lon = rationals(g.get(4));
    const latRef = g.has(1) ? ascii(v, g.get(1)! + 8, 1) : 'N';
    const lonRef = g.has(3) ? ascii(v, g.get(3)! + 8, 1) : 'E';
    const deg = (r: number[]) => r[0] + (r[1] ?? 0) / 60 + (r[2] ?? 0) / 3600;
    if (lat?.length && lon?.length) {
      latitude = deg(lat) * (latRef === 'S' ? -1 : 1);
      longitude = deg(lon) * (lonRef === 'W' ? -1 : 1);
      if (Math.abs(latitude) > 90 || Math.abs(longitude) > 180 || (latitude === 0 && longitude === 0))
        latitude = longitude = null;
    }
  }
  return { takenAt: exifTime(taken, tz), latitude, longitude };
}

/** 'YYYY:MM:DD HH:MM:SS' (the camera's local time, no zone) → ISO with the given offset. */
export function exifTime(s: string | null, tzOffsetMinutes: number): string | null {
  const m = s?.match(/^(\d{4}):(\d{2}):(\d{2}) (\d{2}):(\d{2}):(\d{2})/);
  if (!m || m[1] === '0000') return null;
  const utc = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) - tzOffsetMinutes * 60000;
  return Number.isNaN(utc) ? null : new Date(utc).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

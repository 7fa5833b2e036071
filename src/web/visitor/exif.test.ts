import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { exifTime, parseExif, readPhotoMeta } from './exif';

/**
 * A real JPEG's EXIF as a camera writes it: SOI, an APP0 (JFIF) first, APP1 "Exif\0\0" with a TIFF
 * header (either byte order), IFD0 (Make, DateTime, pointers to the Exif and GPS IFDs), the Exif IFD
 * (DateTimeOriginal), the GPS IFD (refs and DMS rationals), then a quantisation table and EOI.
 */
function jpegWithExif(o: {
  le: boolean;
  taken?: string;
  lat?: [number, number, number];
  lon?: [number, number, number];
  latRef?: string;
  lonRef?: string;
}): Buffer {
  const tiff: number[] = [];
  const u16 = (n: number) => (o.le ? [n & 255, n >> 8] : [n >> 8, n & 255]);
  const u32 = (n: number) =>
    o.le
      ? [n & 255, (n >> 8) & 255, (n >> 16) & 255, (n >>> 24) & 255]
      : [(n >>> 24) & 255, (n >> 16) & 255, (n >> 8) & 255, n & 255];
  const put = (at: number, bytes: number[]) => {
    for (const [i, b] of bytes.entries()) tiff[at + i] = b;
  };
  // Layout (tiff-relative): header 0..7, IFD0 at 8 (4 entries), Exif IFD at 70, GPS IFD at 100, data from 170.
  put(0, [...(o.le ? [0x49, 0x49] : [0x4d, 0x4d]), ...u16(42), ...u32(8)]);
  let data = 170;
  const blob = (bytes: number[]) => {
    const at = data;
    put(at, bytes);
    data += bytes.length + (bytes.length % 2);
    return at;
  };
  const str = (s: string) => [...Buffer.from(`${s}\0`, 'latin1')];
  const entry = (at: number, tag: number, type: number, count: number, value: number[]) =>
    put(at, [...u16(tag), ...u16(type), ...u32(count), ...value]);
  const ascii = (at: number, tag: number, s: string) => {
    const b = str(s);
    entry(at, tag, 2, b.length, b.length <= 4 ? [...b, 0, 0, 0, 0].slice(0, 4) : u32(blob(b)));
  };
  const rational3 = (at: number, tag: number, r: [number, number, number]) =>
    entry(
      at,
      tag,
      5,
      3,
      u32(blob([...u32(r[0]), ...u32(1), ...u32(r[1]), ...u32(1), ...u32(r[2] * 100), ...u32(100)])),
    );
  // IFD0
  put(8, u16(4));
  ascii(10, 0x010f, 'TestCam');
  ascii(22, 0x0132, '2020:01:01 00:00:00');
  entry(34, 0x8769, 4, 1, u32(70));
  entry(46, 0x8825, 4, 1, u32(100));
  put(58, u32(0));
  // Exif IFD
  put(70, u16(1));
  ascii(72, 0x9003, o.taken ?? '2026:11:10 10:30:05');
  put(84, u32(0));
  // GPS IFD
  const gps = o.lat && o.lon;
  put(100, u16(gps ? 4 : 0));
  if (gps) {
    ascii(102, 1, o.latRef ?? 'N');
    rational3(114, 2, o.lat!);
    ascii(126, 3, o.lonRef ?? 'E');
    rational3(138, 4, o.lon!);
  }
  put(150, u32(0));
  for (let i = 0; i < tiff.length; i++) tiff[i] ??= 0;
  const app1 = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), Buffer.from(tiff)]);
  const seg = (marker: number, body: Buffer) =>
    Buffer.concat([Buffer.from([0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 255]), body]);
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    seg(0xe0, Buffer.from('JFIF\0\x01\x01\0\0\x01\0\x01\0\0', 'latin1')),
    seg(0xe1, app1),
    seg(0xdb, Buffer.alloc(65, 1)),
    Buffer.from([0xff, 0xd9]),
  ]);
}
const ab = (b: Buffer) => b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer;

describe('EXIF on the phone', () => {
  it('reads DateTimeOriginal (as China time) and GPS from a big-endian JPEG', () => {
    const jpg = jpegWithExif({ le: false, lat: [40, 39, 25.56], lon: [109, 50, 25.08] });
    const r = parseExif(ab(jpg));
    expect(r.takenAt).toBe('2026-11-10T02:30:05Z');
    expect(r.latitude).toBeCloseTo(40 + 39 / 60 + 25.56 / 3600, 6);
    expect(r.longitude).toBeCloseTo(109 + 50 / 60 + 25.08 / 3600, 6);
  });

  it('reads a little-endian JPEG with south and west refs', () => {
    const jpg = jpegWithExif({ le: true, lat: [33, 52, 4], lon: [151, 12, 36], latRef: 'S', lonRef: 'W' });
    const r = parseExif(ab(jpg));
    expect(r.latitude).toBeCloseTo(-(33 + 52 / 60 + 4 / 3600), 6);
    expect(r.longitude).toBeCloseTo(-(151 + 12 / 60 + 36 / 3600), 6);
  });

  it('a photo without GPS has a time and no place; non-JPEG and broken files give nothing and never throw', async () => {
    expect(parseExif(ab(jpegWithExif({ le: true })))).toEqual({
      takenAt: '2026-11-10T02:30:05Z',
      latitude: null,
      longitude: null,
    });
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    expect(parseExif(ab(png))).toEqual({ takenAt: null, latitude: null, longitude: null });
    const cut = jpegWithExif({ le: false, lat: [40, 0, 0], lon: [109, 0, 0] }).subarray(0, 60);
    const meta = await readPhotoMeta(new Blob([ab(cut)]));
    expect(meta.takenAt).toBeNull();
    expect(exifTime('0000:00:00 00:00:00', 480)).toBeNull();
  });

  it('hashes the original bytes (SHA-256), the same as the server would', async () => {
    const jpg = jpegWithExif({ le: false, lat: [40, 39, 25.56], lon: [109, 50, 25.08] });
    const meta = await readPhotoMeta(new Blob([ab(jpg)]));
    expect(meta.sha256).toBe(createHash('sha256').update(jpg).digest('hex'));
    expect(meta.latitude).toBeCloseTo(40.657, 3);
  });
});

import { checkDigit } from '../../shared/id-card.js';

/** A valid-looking 18-digit ID number (correct check digit) for demo, test and bench data. */
export function fakeIdNumber(
  birthDate: string,
  sex: 'male' | 'female',
  serial: number,
  region = '150602',
): string {
  const seq = String(serial % 1000).padStart(3, '0');
  // The 17th digit carries the sex: odd for men.
  const last = Number(seq[2]);
  const fixed =
    sex === 'male' ? (last % 2 === 1 ? last : (last + 1) % 10) : last % 2 === 0 ? last : (last + 1) % 10;
  const first17 = `${region}${birthDate.replace(/-/g, '')}${seq.slice(0, 2)}${fixed}`;
  return first17 + checkDigit(first17);
}

import { FIN_ALPHABET } from '../formats';

/**
 * Synthetic identifiers in the formats of ../formats.ts. The generator derives each identifier
 * from an index through a bijection, so identifiers never collide.
 */

const FIN_SPACE = FIN_ALPHABET.length ** 7;
/** Foreigners' FİNs are drawn from a separate index range so they never meet citizens'. */
const FOREIGNER_FIN_OFFSET = 1_000_000_000;

/**
 * (a · b) mod m, exactly, in doubles: b is taken 12 bits at a time so no partial product
 * passes 2^53 while m stays below 2^40 (every modulus here does). BigInt gave the same values
 * several times slower, and a seed of ten million persons computes tens of millions of them.
 */
function mulMod(a: number, b: number, m: number): number {
  const x = a % m;
  const y = b % m;
  let result = 0;
  for (let unit = 4096 ** 3; unit >= 1; unit /= 4096) result = (result * 4096 + x * (Math.floor(y / unit) % 4096)) % m;
  return result;
}

/** Multiplying by a number coprime with the modulus permutes [0, modulus). */
function permute(index: number, modulus: number, multiplier: number, offset: number): number {
  return (mulMod(index, multiplier, modulus) + (offset % modulus)) % modulus;
}

function encode(value: number, alphabet: string, width: number): string {
  let s = '';
  let v = value;
  for (let i = 0; i < width; i++) {
    s = alphabet[v % alphabet.length] + s;
    v = Math.floor(v / alphabet.length);
  }
  return s;
}

/** Coprime with 33^7 = 3^7 · 11^7, so it permutes the FİN space; large, so neighbours look unrelated. */
const FIN_MULTIPLIER = 26_339_748_917;

export function finForCitizen(seed: number, index: number): string {
  return encode(permute(index, FIN_SPACE, FIN_MULTIPLIER, 1_234_567_891 + seed * 7919), FIN_ALPHABET, 7);
}

export function finForForeigner(seed: number, index: number): string {
  return finForCitizen(seed, FOREIGNER_FIN_OFFSET + index);
}

function numbered(index: number, digits: number, multiplier: number): string {
  const space = 10 ** digits;
  return String(permute(index, space, multiplier, multiplier % space)).padStart(digits, '0');
}

/** The identity card of a citizen (new format AA + 7 digits). */
export const identityCardNumber = (index: number) => `AA${numbered(index, 7, 3_000_017)}`;
/** An old identity card, replaced by the new one (AZE + 8 digits). */
export const oldIdentityCardNumber = (index: number) => `AZE${numbered(index, 8, 7_000_003)}`;
/** General biometric passport (C + 8 digits). */
export const passportNumber = (index: number) => `C${numbered(index, 8, 9_000_011)}`;
export const servicePassportNumber = (index: number) => `SP${numbered(index, 7, 1_234_577)}`;
export const diplomaticPassportNumber = (index: number) => `DP${numbered(index, 7, 2_345_681)}`;
export const seamanDocumentNumber = (index: number) => `SM${numbered(index, 7, 3_456_791)}`;
export const foreignPassportNumber = (index: number) => `FP${numbered(index, 7, 5_678_917)}`;
export const foreignerSystemNumber = (index: number) => `XS${numbered(index, 8, 6_789_013)}`;
/** A residence card of a foreigner (İAMAS 6.5: temporary or permanent residence). */
export const residenceCardNumber = (index: number) => `MYI${numbered(index, 7, 8_765_437)}`;

const PLATE_LETTERS = 'ABCDEFGHJKLMNPRSTUVXYZ';
/** Two-digit region codes, 76 of them: room for 36.8 M distinct plates, so a population of ten million keeps one plate per owner. */
const PLATE_REGIONS = [...Array.from({ length: 72 }, (_v, i) => String(i + 1).padStart(2, '0')), '77', '85', '90', '99'];
const PLATE_SPACE = PLATE_REGIONS.length * PLATE_LETTERS.length ** 2 * 1000;
/** Plates are unique below this many vehicle owners; the seed size is capped to it. */
export const MAX_UNIQUE_PLATES = PLATE_SPACE;

export function vehicleRegistrationNumber(index: number): string {
  const k = permute(index, PLATE_SPACE, 1_000_003, 0);
  const region = PLATE_REGIONS[k % PLATE_REGIONS.length];
  const rest = Math.floor(k / PLATE_REGIONS.length);
  const letters = encode(rest % PLATE_LETTERS.length ** 2, PLATE_LETTERS, 2);
  const digits = String(Math.floor(rest / PLATE_LETTERS.length ** 2)).padStart(3, '0');
  return `${region}-${letters}-${digits}`;
}

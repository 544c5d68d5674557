/**
 * The formats of the keys records are linked by (R10): FİN, document numbers, vehicle
 * numbers and the foreigner's system number. Subgraphs validate their arguments against them.
 */

/** FİN: 7 characters of digits and capital Latin letters except I, O and Q. */
export const FIN_ALPHABET = '0123456789ABCDEFGHJKLMNPRSTUVWXYZ';
export const FIN_PATTERN = /^[0-9ABCDEFGHJKLMNPRSTUVWXYZ]{7}$/;
export const FIN_FORMAT = '7 characters: digits and capital Latin letters except I, O and Q (e.g. 5ZR6K2T)';

/** Azerbaijani and foreign travel and identity documents: 1–3 capital letters and 7–8 digits. */
export const DOCUMENT_PATTERN = /^[A-Z]{1,3}[0-9]{7,8}$/;
export const DOCUMENT_FORMAT = '1 to 3 capital Latin letters followed by 7 or 8 digits (e.g. AA1234567, C12345678)';

/** Azerbaijani vehicle registration plates: region code, two letters, three digits. */
export const VEHICLE_PATTERN = /^[0-9]{2}-[A-Z]{2}-[0-9]{3}$/;
export const VEHICLE_FORMAT = 'NN-LL-NNN: a two-digit region code, two capital Latin letters and three digits (e.g. 10-AB-123)';

/** Foreigner's system number in the "Foreigners and stateless persons" resource (6.5). */
export const FOREIGNER_NUMBER_PATTERN = /^XS[0-9]{8}$/;
export const FOREIGNER_NUMBER_FORMAT = 'XS followed by 8 digits (e.g. XS00012345)';

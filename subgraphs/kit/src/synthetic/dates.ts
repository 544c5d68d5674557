import type { Rng } from './rng';

/** Dates are computed against this fixed day, never the clock, so the population never changes. */
export const REFERENCE_DAY = '2026-06-01';

export const pad = (n: number) => String(n).padStart(2, '0');
export const day = (year: number, month: number, dayOfMonth: number) => `${year}-${pad(month)}-${pad(dayOfMonth)}`;
export const addYears = (date: string, years: number) => `${Number(date.slice(0, 4)) + years}${date.slice(4)}`;
export const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
export function randomDay(rng: Rng, fromYear: number, toYear: number): string {
  return day(rng.int(fromYear, toYear), rng.int(1, 12), rng.int(1, 28));
}
export function randomTime(rng: Rng, fromYear: number, toYear: number): string {
  return `${randomDay(rng, fromYear, toYear)}T${pad(rng.int(0, 23))}:${pad(rng.int(0, 59))}:${pad(rng.int(0, 59))}Z`;
}
export function ageOn(birthDate: string, onDay: string): number {
  const years = Number(onDay.slice(0, 4)) - Number(birthDate.slice(0, 4));
  return onDay.slice(5) >= birthDate.slice(5) ? years : years - 1;
}

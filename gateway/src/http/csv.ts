/**
 * One cell of the auditors' console's CSV export (gateway/ui/console.tsx bundles this): quoted
 * when it holds a separator, a quote or a line break; a leading = + - @ (or tab, carriage
 * return) is neutralised with an apostrophe, since a user id or case number is the caller's
 * text and a spreadsheet would run it as a formula.
 */
export function csvCell(value: string | number | boolean | null): string {
  const text = value === null ? '' : String(value);
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

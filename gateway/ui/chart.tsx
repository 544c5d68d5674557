import { useTranslation } from 'react-i18next';
import { formatDateTime, formatHour } from './i18n';

/**
 * Requests per body per hour as stacked bars, and beside each hour's stack a red bar of that
 * hour's refusals: a series that reads at a glance even for a single hour (a line through one
 * point is a dot). Plain SVG, drawn from auditHourly; colours are SVG attributes, not inline
 * styles, so the CSP needs nothing more.
 */
export interface AuditHour {
  hour: string;
  agency: string | null;
  requests: number;
  refusals: number;
}

/** Blues, greens and violets only: red belongs to refusals. */
const PALETTE = ['#2f6fb3', '#3a9d5d', '#7a4fb0', '#1b9aaa', '#4a5fd0', '#2a8c7a', '#6b7d2a', '#5b6b8c', '#8a6fc0', '#3f7f3f'];
const REFUSED = '#c0392b';
const UNAUTHENTICATED = 'unauthenticated';
const HOUR_MS = 3_600_000;
/** Beyond this many hours only the hours that had requests get a bar. */
const MAX_CONTINUOUS_HOURS = 24 * 14;
const WIDTH = 900;
const HEIGHT = 260;
const PAD = { left: 44, right: 12, top: 16, bottom: 38 };

const agencyCode = (row: AuditHour) => row.agency ?? UNAUTHENTICATED;

function hoursOf(rows: AuditHour[]): number[] {
  const present = [...new Set(rows.map((r) => Date.parse(r.hour)))].sort((a, b) => a - b);
  const first = present[0];
  const last = present[present.length - 1];
  if (first === undefined || last === undefined || (last - first) / HOUR_MS > MAX_CONTINUOUS_HOURS) return present;
  return Array.from({ length: (last - first) / HOUR_MS + 1 }, (_, i) => first + i * HOUR_MS);
}

export function HourlyChart({ rows, agencyName }: { rows: AuditHour[]; agencyName: (code: string) => string }) {
  const { t } = useTranslation();
  if (rows.length === 0)
    return (
      <p className="hub-hint" data-testid="chart-empty">
        {t('chart.empty')}
      </p>
    );
  const label = (code: string) => (code === UNAUTHENTICATED ? t('chart.unauthenticated') : agencyName(code));
  const agencies = [...new Set(rows.map(agencyCode))].sort();
  const colour = new Map(agencies.map((a, i) => [a, PALETTE[i % PALETTE.length]!]));
  const hours = hoursOf(rows);
  const byHour = new Map<number, AuditHour[]>();
  for (const row of rows) byHour.set(Date.parse(row.hour), [...(byHour.get(Date.parse(row.hour)) ?? []), row]);
  const totals = hours.map((h) => (byHour.get(h) ?? []).reduce((sum, r) => sum + r.requests, 0));
  const refusals = hours.map((h) => (byHour.get(h) ?? []).reduce((sum, r) => sum + r.refusals, 0));
  const max = Math.max(1, ...totals);
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotWidth / hours.length;
  // Two bars per hour: the requests' stack and, right beside it, the refusals.
  const barWidth = Math.min(40, Math.max(1, slot * 0.4));
  const y = (value: number) => PAD.top + plotHeight - (value / max) * plotHeight;
  const labelEvery = Math.ceil(hours.length / 12);
  const title = t('console.chartTitle');

  return (
    <figure className="hub-figure">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={title} data-testid="hourly-chart">
        <title>{title}</title>
        <line x1={PAD.left} y1={y(0)} x2={WIDTH - PAD.right} y2={y(0)} stroke="#767676" />
        <line x1={PAD.left} y1={PAD.top} x2={PAD.left} y2={y(0)} stroke="#767676" />
        {[0, max / 2, max].map((tick) => (
          <text key={tick} x={PAD.left - 6} y={y(tick) + 4} textAnchor="end" fontSize="11" fill="#4a4a4a">
            {Math.round(tick)}
          </text>
        ))}
        {hours.map((hour, i) => {
          let base = 0;
          const x = PAD.left + slot * i + slot / 2 - barWidth;
          const refused = refusals[i]!;
          return (
            <g key={hour}>
              {(byHour.get(hour) ?? [])
                .slice()
                .sort((a, b) => agencyCode(a).localeCompare(agencyCode(b)))
                .map((row) => {
                  const top = y(base + row.requests);
                  const height = y(base) - top;
                  base += row.requests;
                  return (
                    <rect
                      key={agencyCode(row)}
                      x={x}
                      y={top}
                      width={barWidth}
                      height={height}
                      fill={colour.get(agencyCode(row))}
                      data-testid="chart-bar"
                      data-hour={row.hour}
                      data-agency={agencyCode(row)}
                      data-requests={row.requests}
                      data-refusals={row.refusals}
                    >
                      <title>
                        {t('chart.bar', { hour: formatDateTime(hour), agency: label(agencyCode(row)), requests: row.requests, refusals: row.refusals })}
                      </title>
                    </rect>
                  );
                })}
              <rect
                x={x + barWidth}
                y={y(refused)}
                width={barWidth}
                height={y(0) - y(refused)}
                fill={REFUSED}
                data-testid="chart-refusal-bar"
                data-hour={new Date(hour).toISOString()}
                data-refusals={refused}
              >
                <title>{t('chart.refusalsAt', { hour: formatDateTime(hour), refusals: refused })}</title>
              </rect>
              {refused > 0 && (
                <text x={x + barWidth * 1.5} y={y(refused) - 3} textAnchor="middle" fontSize="10" fill={REFUSED}>
                  {refused}
                </text>
              )}
              {i % labelEvery === 0 && (
                <text x={PAD.left + slot * i + slot / 2} y={HEIGHT - PAD.bottom + 14} textAnchor="middle" fontSize="10" fill="#4a4a4a">
                  {formatHour(hour)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption className="hub-legend">
        {agencies.map((agency) => (
          <span key={agency} className="hub-legend-item">
            <svg width="12" height="12" aria-hidden="true">
              <rect width="12" height="12" fill={colour.get(agency)} />
            </svg>
            {label(agency)}
          </span>
        ))}
        <span className="hub-legend-item">
          <svg width="12" height="12" aria-hidden="true">
            <rect width="12" height="12" fill={REFUSED} />
          </svg>
          {t('chart.refusals')}
        </span>
      </figcaption>
    </figure>
  );
}

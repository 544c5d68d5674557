/**
 * Requests per body per hour as stacked bars, refusals as a line over them: plain SVG, drawn
 * from auditHourly. Colours are SVG attributes, not inline styles, so the CSP needs nothing more.
 */
export interface AuditHour {
  hour: string;
  agency: string | null;
  requests: number;
  refusals: number;
}

const PALETTE = ['#2f6fb3', '#3a9d5d', '#c77c1e', '#7a4fb0', '#1b9aaa', '#b0476b', '#6b7d2a', '#8a5a3c', '#4a5fd0', '#2a8c7a'];
const UNAUTHENTICATED = 'unauthenticated';
const HOUR_MS = 3_600_000;
/** Beyond this many hours only the hours that had requests get a bar. */
const MAX_CONTINUOUS_HOURS = 24 * 14;
const WIDTH = 900;
const HEIGHT = 260;
const PAD = { left: 44, right: 12, top: 12, bottom: 38 };

const agencyName = (row: AuditHour) => row.agency ?? UNAUTHENTICATED;

function hoursOf(rows: AuditHour[]): number[] {
  const present = [...new Set(rows.map((r) => Date.parse(r.hour)))].sort((a, b) => a - b);
  const first = present[0];
  const last = present[present.length - 1];
  if (first === undefined || last === undefined || (last - first) / HOUR_MS > MAX_CONTINUOUS_HOURS) return present;
  return Array.from({ length: (last - first) / HOUR_MS + 1 }, (_, i) => first + i * HOUR_MS);
}

export function HourlyChart({ rows }: { rows: AuditHour[] }) {
  if (rows.length === 0)
    return (
      <p className="hub-hint" data-testid="chart-empty">
        No requests in this range.
      </p>
    );
  const agencies = [...new Set(rows.map(agencyName))].sort();
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
  const barWidth = Math.min(48, Math.max(1, slot * 0.8));
  const y = (value: number) => PAD.top + plotHeight - (value / max) * plotHeight;
  const labelEvery = Math.ceil(hours.length / 12);
  const refusalPoints = refusals.map((value, i) => `${PAD.left + slot * i + slot / 2},${y(value)}`).join(' ');

  return (
    <figure className="hub-figure">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label="Requests per body per hour, and refusals" data-testid="hourly-chart">
        <line x1={PAD.left} y1={y(0)} x2={WIDTH - PAD.right} y2={y(0)} stroke="#888" />
        <line x1={PAD.left} y1={PAD.top} x2={PAD.left} y2={y(0)} stroke="#888" />
        {[0, max / 2, max].map((tick) => (
          <text key={tick} x={PAD.left - 6} y={y(tick) + 4} textAnchor="end" fontSize="11" fill="#555">
            {Math.round(tick)}
          </text>
        ))}
        {hours.map((hour, i) => {
          let base = 0;
          const x = PAD.left + slot * i + (slot - barWidth) / 2;
          return (
            <g key={hour}>
              {(byHour.get(hour) ?? [])
                .slice()
                .sort((a, b) => agencyName(a).localeCompare(agencyName(b)))
                .map((row) => {
                  const top = y(base + row.requests);
                  const height = y(base) - top;
                  base += row.requests;
                  return (
                    <rect
                      key={agencyName(row)}
                      x={x}
                      y={top}
                      width={barWidth}
                      height={height}
                      fill={colour.get(agencyName(row))}
                      data-testid="chart-bar"
                      data-hour={row.hour}
                      data-agency={agencyName(row)}
                      data-requests={row.requests}
                      data-refusals={row.refusals}
                    >
                      <title>{`${new Date(hour).toLocaleString()} · ${agencyName(row)}: ${row.requests} requests, ${row.refusals} refused`}</title>
                    </rect>
                  );
                })}
              {i % labelEvery === 0 && (
                <text x={PAD.left + slot * i + slot / 2} y={HEIGHT - PAD.bottom + 14} textAnchor="middle" fontSize="10" fill="#555">
                  {new Date(hour).toLocaleString([], { month: '2-digit', day: '2-digit', hour: '2-digit' })}
                </text>
              )}
            </g>
          );
        })}
        <polyline points={refusalPoints} fill="none" stroke="#c0392b" strokeWidth="2" data-testid="chart-refusals" />
        {refusals.map((value, i) => (
          <circle
            key={hours[i]}
            cx={PAD.left + slot * i + slot / 2}
            cy={y(value)}
            r="3"
            fill="#c0392b"
            data-testid="chart-refusal-point"
            data-hour={new Date(hours[i]!).toISOString()}
            data-refusals={value}
          >
            <title>{`${new Date(hours[i]!).toLocaleString()}: ${value} refused`}</title>
          </circle>
        ))}
      </svg>
      <figcaption className="hub-legend">
        {agencies.map((agency) => (
          <span key={agency} className="hub-legend-item">
            <svg width="12" height="12" aria-hidden="true">
              <rect width="12" height="12" fill={colour.get(agency)} />
            </svg>
            {agency}
          </span>
        ))}
        <span className="hub-legend-item">
          <svg width="16" height="12" aria-hidden="true">
            <line x1="0" y1="6" x2="16" y2="6" stroke="#c0392b" strokeWidth="2" />
          </svg>
          refused (wholly or partly)
        </span>
      </figcaption>
    </figure>
  );
}

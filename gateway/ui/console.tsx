import { useState, type FormEvent } from 'react';
import { createRoot } from 'react-dom/client';
import './hub.css';
import { HourlyChart, type AuditHour } from './chart';
import { SessionPanel } from './session';
import { errorText, graphql, readConfig, type Session } from './shared';

/**
 * The auditors' console (6.9.2): the query history through the hub's own GraphQL API, as any
 * client reads it, with the purpose "audit". The journal holds no query text or variables,
 * so nothing here can show them.
 */
const config = readConfig();
const AUDIT_PURPOSE = 'audit';
const PAGE_SIZES = [10, 25, 50];

const HISTORY = `query AuditConsole($filter: AuditFilter, $first: Int!, $after: String) {
  auditRecords(filter: $filter, first: $first, after: $after) {
    total
    nextCursor
    items {
      registrationNumber event receivedAt agency sub roles purpose caseNumber operationType operationName operationId
      resources { resource level records }
      decision reason attemptToExceedAuthority errorCodes positive records durationMs clientAddress
    }
  }
  auditHourly(filter: $filter) { hour agency requests refusals }
}`;

interface AuditRecord {
  registrationNumber: string;
  event: string;
  receivedAt: string;
  agency: string | null;
  sub: string | null;
  roles: string[];
  purpose: string | null;
  caseNumber: string | null;
  operationType: string | null;
  operationName: string | null;
  operationId: string | null;
  resources: Array<{ resource: string; level: string; records: number }>;
  decision: string;
  reason: string | null;
  attemptToExceedAuthority: boolean;
  errorCodes: string[];
  positive: boolean;
  records: number;
  durationMs: number;
  clientAddress: string | null;
}

interface HistoryData {
  auditRecords: { total: number; nextCursor: string | null; items: AuditRecord[] };
  auditHourly: AuditHour[];
}

interface FilterForm {
  from: string;
  to: string;
  agency: string;
  sub: string;
  resource: string;
  decision: string;
  positive: string;
  registrationNumber: string;
  /** A registered operation's reviewed name or its id (sha256:…). */
  operation: string;
}

const EMPTY_FILTER: FilterForm = { from: '', to: '', agency: '', sub: '', resource: '', decision: '', positive: '', registrationNumber: '', operation: '' };

/** The form as an AuditFilter: empty fields are left out; local date-times become ISO 8601. */
function auditFilter(form: FilterForm): Record<string, unknown> {
  const filter: Record<string, unknown> = {};
  if (form.from) filter['from'] = new Date(form.from).toISOString();
  if (form.to) filter['to'] = new Date(form.to).toISOString();
  for (const key of ['agency', 'sub', 'resource', 'decision', 'registrationNumber'] as const) {
    if (form[key].trim()) filter[key] = form[key].trim();
  }
  // Ids are what operations:check prints and the reviewed names never start with; the API checks the id's form.
  const operation = form.operation.trim();
  if (operation) filter[operation.startsWith('sha256:') ? 'operationId' : 'operationName'] = operation;
  if (form.positive) filter['positive'] = form.positive === 'yes';
  return filter;
}

const CORRECTION = 'CORRECTION';
const CORRECTION_NOTE =
  "Correction: the journal's write of this request was in doubt (its connection was lost at the commit), so the caller got AUDIT_UNAVAILABLE. It supersedes the record of the same number.";

/**
 * A correction is marked as one, and a record a correction on the page supersedes is struck
 * through but shown as written: the journal never rewrites a record (decision 0018).
 */
function rowClass(r: AuditRecord, corrected: ReadonlySet<string>): string | undefined {
  const classes = [
    r.attemptToExceedAuthority ? 'hub-attempt' : '',
    r.event === CORRECTION ? 'hub-correction' : corrected.has(r.registrationNumber) ? 'hub-superseded' : '',
  ].filter(Boolean);
  return classes.length ? classes.join(' ') : undefined;
}

function Console() {
  const [session, setSession] = useState<Session | null>(null);
  const [form, setForm] = useState<FilterForm>(EMPTY_FILTER);
  const [pageSize, setPageSize] = useState(PAGE_SIZES[0]!);
  // Cursors of the pages seen so far: page n is read with cursors[n] (undefined for the newest).
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const [applied, setApplied] = useState<Record<string, unknown>>({});
  const [data, setData] = useState<HistoryData | null>(null);
  const [error, setError] = useState('');
  const [registration, setRegistration] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const set = (key: keyof FilterForm) => (e: { target: { value: string } }) => setForm({ ...form, [key]: e.target.value });

  async function load(filter: Record<string, unknown>, pageCursors: Array<string | undefined>, size: number) {
    if (!session) return;
    setBusy(true);
    try {
      const after = pageCursors[pageCursors.length - 1];
      const reply = await graphql<HistoryData>({ token: session.token, purpose: AUDIT_PURPOSE, caseNumber: '' }, HISTORY, {
        filter,
        first: size,
        ...(after ? { after } : {}),
      });
      setRegistration(reply.registrationNumber);
      if (!reply.body?.data || reply.body.errors?.length) {
        setError(errorText(reply.body, reply.status));
        setData(null);
        return;
      }
      setError('');
      setData(reply.body.data);
      setApplied(filter);
      setCursors(pageCursors);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }

  function apply(event: FormEvent) {
    event.preventDefault();
    void load(auditFilter(form), [undefined], pageSize);
  }

  const page = data?.auditRecords;
  const corrected = new Set((page?.items ?? []).filter((r) => r.event === CORRECTION).map((r) => r.registrationNumber));
  // The registered operations on this page, offered as choices for the operation filter.
  const seen = new Map((page?.items ?? []).filter((r) => r.operationName && r.operationId).map((r) => [r.operationId!, r.operationName!]));
  return (
    <div className="hub-console">
      <header className="hub-bar">
        <h1>Auditors' console</h1>
        <SessionPanel
          config={config}
          session={session}
          onChange={(s) => {
            setSession(s);
            setData(null);
            setError('');
          }}
          agencies={config.agencies.filter((a) => a.audit)}
          roles={['auditor']}
        />
        {registration && (
          <span className="hub-status">
            Last read: <span data-testid="console-registration-number">{registration}</span>
          </span>
        )}
      </header>

      <form className="hub-filter" onSubmit={apply} aria-label="Filter">
        <label>
          From <input type="datetime-local" data-testid="filter-from" value={form.from} onChange={set('from')} />
        </label>
        <label>
          To <input type="datetime-local" data-testid="filter-to" value={form.to} onChange={set('to')} />
        </label>
        <label>
          Body{' '}
          <select data-testid="filter-agency" value={form.agency} onChange={set('agency')}>
            <option value="">any</option>
            {config.agencies.map((a) => (
              <option key={a.code} value={a.code}>
                {a.code}
              </option>
            ))}
          </select>
        </label>
        <label>
          Officer <input data-testid="filter-sub" value={form.sub} placeholder="user id (sub)" onChange={set('sub')} />
        </label>
        <label>
          Resource{' '}
          <select data-testid="filter-resource" value={form.resource} onChange={set('resource')}>
            <option value="">any</option>
            {config.resources.map((r) => (
              <option key={r.name} value={r.name}>
                {r.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Decision{' '}
          <select data-testid="filter-decision" value={form.decision} onChange={set('decision')}>
            <option value="">any</option>
            <option value="ALLOWED">allowed</option>
            <option value="PARTLY_REFUSED">partly refused</option>
            <option value="REFUSED">refused</option>
          </select>
        </label>
        <label>
          Positive result{' '}
          <select data-testid="filter-positive" value={form.positive} onChange={set('positive')}>
            <option value="">any</option>
            <option value="yes">yes</option>
            <option value="no">no</option>
          </select>
        </label>
        <label>
          Registration number <input data-testid="filter-registration-number" value={form.registrationNumber} size={30} onChange={set('registrationNumber')} />
        </label>
        <label>
          Registered operation{' '}
          <input
            data-testid="filter-operation"
            value={form.operation}
            size={26}
            list="operations-seen"
            placeholder="name or sha256:… id"
            title="A reviewed name, e.g. SBS/borderCheckByFin, or an id as npm run operations:check prints it"
            onChange={set('operation')}
          />
        </label>
        <datalist id="operations-seen">
          {[...seen].flatMap(([id, name]) => [
            <option key={`name ${id}`} value={name} />,
            <option key={id} value={id}>
              {name}
            </option>,
          ])}
        </datalist>
        <label>
          Per page{' '}
          <select data-testid="page-size" value={pageSize} onChange={(e) => setPageSize(Number(e.target.value))}>
            {PAGE_SIZES.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" data-testid="apply-filter" disabled={!session || busy}>
          Show
        </button>
        <button type="button" onClick={() => setForm(EMPTY_FILTER)}>
          Clear
        </button>
      </form>

      {!session && <p className="hub-hint">Sign in with an auditor's token to read the query history.</p>}
      {error && (
        <p className="hub-error" role="alert" data-testid="console-error">
          {error}
        </p>
      )}

      {data && page && (
        <>
          <section aria-label="Requests per hour" className="hub-chart">
            <h2>Requests per body per hour, and refusals</h2>
            <HourlyChart rows={data.auditHourly} />
          </section>
          <section aria-label="Query history">
            <h2>
              Query history{' '}
              <span className="hub-count" data-testid="total">
                {page.total}
              </span>{' '}
              records, page {cursors.length}
            </h2>
            <nav className="hub-inline">
              <button
                type="button"
                data-testid="page-newer"
                disabled={busy || cursors.length < 2}
                onClick={() => void load(applied, cursors.slice(0, -1), pageSize)}
              >
                ← Newer
              </button>
              <button
                type="button"
                data-testid="page-older"
                disabled={busy || !page.nextCursor}
                onClick={() => void load(applied, [...cursors, page.nextCursor ?? undefined], pageSize)}
              >
                Older →
              </button>
            </nav>
            <table className="hub-table" data-testid="history">
              <thead>
                <tr>
                  <th>Registration number</th>
                  <th>Received</th>
                  <th>Event</th>
                  <th>Body</th>
                  <th>Officer</th>
                  <th>Roles</th>
                  <th>Purpose</th>
                  <th>Case</th>
                  <th>Operation</th>
                  <th>Resources</th>
                  <th>Decision</th>
                  <th>Reason</th>
                  <th>Positive</th>
                  <th>Records</th>
                  <th>ms</th>
                  <th>Client</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((r) => (
                  <tr
                    key={`${r.registrationNumber}/${r.event}`}
                    data-testid="audit-row"
                    data-registration-number={r.registrationNumber}
                    className={rowClass(r, corrected)}
                    title={
                      r.event === CORRECTION
                        ? CORRECTION_NOTE
                        : corrected.has(r.registrationNumber)
                          ? 'Superseded by a correction: the caller got AUDIT_UNAVAILABLE, not this answer. Kept as written.'
                          : undefined
                    }
                  >
                    <td className="hub-mono">{r.registrationNumber}</td>
                    <td>{new Date(r.receivedAt).toLocaleString()}</td>
                    <td>{r.event}</td>
                    <td data-column="agency">{r.agency ?? '—'}</td>
                    <td data-column="sub">{r.sub ?? '—'}</td>
                    <td>{r.roles.join(', ')}</td>
                    <td data-column="purpose">{r.purpose ?? '—'}</td>
                    <td data-column="case">{r.caseNumber ?? ''}</td>
                    <td data-column="operation" data-operation-id={r.operationId ?? undefined} title={r.operationId ?? undefined}>
                      {[r.operationType, r.operationName].filter(Boolean).join(' ')}
                      {r.operationId && <span className="hub-mono"> {r.operationId.slice(0, 'sha256:'.length + 12)}…</span>}
                    </td>
                    <td>{r.resources.map((u) => `${u.resource} (${u.level}, ${u.records})`).join('; ')}</td>
                    <td data-column="decision">{r.decision}</td>
                    <td>
                      {r.reason ?? ''}
                      {r.errorCodes.length > 0 && r.errorCodes.join(',') !== r.reason ? ` [${r.errorCodes.join(', ')}]` : ''}
                    </td>
                    <td data-column="positive">{r.positive ? 'yes' : 'no'}</td>
                    <td>{r.records}</td>
                    <td>{r.durationMs}</td>
                    <td>{r.clientAddress ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        </>
      )}
    </div>
  );
}

createRoot(document.getElementById('root')!).render(<Console />);

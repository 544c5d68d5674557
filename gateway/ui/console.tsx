import i18next from 'i18next';
import { useState, type FormEvent, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { useTranslation } from 'react-i18next';
import './hub.css';
import { csvCell } from '../src/http/csv';
import { HourlyChart, type AuditHour } from './chart';
import { formatDateTime, initI18n, LanguageSwitch, named, policyNames } from './i18n';
import { DevelopmentTokenForm, SessionPanel, StepUp, useSession } from './session';
import { errorText, graphql, readConfig, stepUpLevel } from './shared';

/**
 * The auditors' console (6.9.2): the query history through the hub's own GraphQL API, as any
 * client reads it, with the purpose "audit". The journal holds no query text or variables,
 * so nothing here can show them. Codes are shown with their words beside them, the words from
 * the catalogues and the policies.
 */
const config = readConfig();
initI18n();
const names = policyNames(config);
const AUDIT_PURPOSE = 'audit';
const PAGE_SIZES = [10, 25, 50];
/** The API's largest page; an export reads the filtered history page by page, each read journaled. */
const EXPORT_PAGE = 50;
/** An export stops here: a larger history is narrowed with the filter first. */
const EXPORT_LIMIT = 5000;
const DECISIONS = ['ALLOWED', 'PARTLY_REFUSED', 'REFUSED'];
/** The journal's events (AuditEvent): queries, people's sign-ins and how their sessions ended (6.9.1.4), consents, corrections, policy changes. */
const EVENTS = [
  'QUERY',
  'SIGN_IN',
  'SIGN_IN_FAILED',
  'SIGN_OUT',
  'SESSION_EXPIRED',
  'BACKCHANNEL_LOGOUT',
  'CONSENT_GRANT',
  'CONSENT_WITHDRAW',
  'CORRECTION',
  'POLICY_CHANGE',
];
/** The history's columns, in the table and in the exported CSV alike. */
const COLUMNS = [
  'registrationNumber',
  'received',
  'event',
  'body',
  'user',
  'roles',
  'purpose',
  'case',
  'operation',
  'resources',
  'decision',
  'reason',
  'positive',
  'records',
  'ms',
  'client',
  'policySet',
] as const;

const RECORD_FIELDS = `registrationNumber event receivedAt agency sub roles purpose caseNumber operationType operationName operationId
      resources { resource level records }
      decision reason attemptToExceedAuthority errorCodes positive records durationMs clientAddress policySet`;

const HISTORY = `query AuditConsole($filter: AuditFilter, $first: Int!, $after: String) {
  auditRecords(filter: $filter, first: $first, after: $after) {
    total
    nextCursor
    items { ${RECORD_FIELDS} }
  }
  auditHourly(filter: $filter) { hour agency requests refusals }
}`;

const EXPORT = `query AuditExport($filter: AuditFilter, $first: Int!, $after: String) {
  auditRecords(filter: $filter, first: $first, after: $after) { nextCursor items { ${RECORD_FIELDS} } }
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
  /** The hash of the policy set the record was decided under, sha256:<hex>; null in records written before it was kept. */
  policySet: string | null;
}

/** A sha256:<hex> shown by its first twelve hex digits; the whole is in the cell's title. */
const shortHash = (hash: string) => `${hash.slice(0, 'sha256:'.length + 12)}…`;

interface HistoryData {
  auditRecords: { total: number; nextCursor: string | null; items: AuditRecord[] };
  auditHourly: AuditHour[];
}

interface FilterForm {
  from: string;
  to: string;
  event: string;
  agency: string;
  sub: string;
  resource: string;
  decision: string;
  positive: string;
  registrationNumber: string;
  /** A registered operation's reviewed name or its id (sha256:…). */
  operation: string;
}

const EMPTY_FILTER: FilterForm = {
  from: '',
  to: '',
  event: '',
  agency: '',
  sub: '',
  resource: '',
  decision: '',
  positive: '',
  registrationNumber: '',
  operation: '',
};

/** The form as an AuditFilter: empty fields are left out; local date-times become ISO 8601. */
function auditFilter(form: FilterForm): Record<string, unknown> {
  const filter: Record<string, unknown> = {};
  if (form.from) filter['from'] = new Date(form.from).toISOString();
  if (form.to) filter['to'] = new Date(form.to).toISOString();
  for (const key of ['event', 'agency', 'sub', 'resource', 'decision', 'registrationNumber'] as const) {
    if (form[key].trim()) filter[key] = form[key].trim();
  }
  // Ids are what operations:check prints and the reviewed names never start with; the API checks the id's form.
  const operation = form.operation.trim();
  if (operation) filter[operation.startsWith('sha256:') ? 'operationId' : 'operationName'] = operation;
  if (form.positive) filter['positive'] = form.positive === 'yes';
  return filter;
}

const CORRECTION = 'CORRECTION';

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

/** A word with its code beside it: the auditor reads the word and can still quote the code. */
function Coded({ code, children }: { code: string | null; children: ReactNode }) {
  if (!code) return <>{children}</>;
  return (
    <>
      {children} <span className="hub-code">{code}</span>
    </>
  );
}

/** An error code's explanation from the catalogue (the README's table, in the page's language). */
const codeWord = (code: string) => i18next.t(i18next.exists(`code.${code}`) ? `code.${code}` : 'code.unknown');

function Console() {
  const { t } = useTranslation();
  const [session, setSession] = useSession(config);
  const [stepUp, setStepUp] = useState<string | null>(null);
  const [form, setForm] = useState<FilterForm>(EMPTY_FILTER);
  const [pageSize, setPageSize] = useState(PAGE_SIZES[0]!);
  // Cursors of the pages seen so far: page n is read with cursors[n] (undefined for the newest).
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const [applied, setApplied] = useState<Record<string, unknown>>({});
  const [data, setData] = useState<HistoryData | null>(null);
  const [error, setError] = useState('');
  const [registration, setRegistration] = useState<string | null>(null);
  const [exported, setExported] = useState('');
  const [busy, setBusy] = useState(false);

  const set = (key: keyof FilterForm) => (e: { target: { value: string } }) => setForm({ ...form, [key]: e.target.value });
  const headers = () => ({ token: session?.token ?? null, purpose: AUDIT_PURPOSE, caseNumber: '' });

  async function load(filter: Record<string, unknown>, pageCursors: Array<string | undefined>, size: number) {
    if (!session) return;
    setBusy(true);
    try {
      const after = pageCursors[pageCursors.length - 1];
      const reply = await graphql<HistoryData>(headers(), HISTORY, { filter, first: size, ...(after ? { after } : {}) });
      setRegistration(reply.registrationNumber);
      setStepUp(stepUpLevel(reply.body));
      if (!reply.body?.data || reply.body.errors?.length) {
        setError(errorText(reply.body, reply.status));
        setData(null);
        return;
      }
      setError('');
      setExported('');
      setData(reply.body.data);
      setApplied(filter);
      setCursors(pageCursors);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }

  /**
   * The filtered history as CSV, read through /graphql like any other read: every page of the
   * export is a request journaled with its own registration number, the auditor's identity and
   * the purpose "audit", so the journal shows who exported what and when. The file is built in
   * the browser; nothing is kept on the hub.
   */
  async function exportCsv() {
    if (!session) return;
    setBusy(true);
    const numbers: string[] = [];
    const rows: AuditRecord[] = [];
    try {
      let after: string | null = null;
      do {
        const reply: Awaited<ReturnType<typeof graphql<{ auditRecords: { nextCursor: string | null; items: AuditRecord[] } }>>> = await graphql(
          headers(),
          EXPORT,
          {
            filter: applied,
            first: EXPORT_PAGE,
            ...(after ? { after } : {}),
          },
        );
        if (reply.registrationNumber) numbers.push(reply.registrationNumber);
        if (!reply.body?.data || reply.body.errors?.length) throw new Error(errorText(reply.body, reply.status));
        rows.push(...reply.body.data.auditRecords.items);
        after = reply.body.data.auditRecords.nextCursor;
      } while (after && rows.length < EXPORT_LIMIT);
      const lines = [
        COLUMNS.map((c) => csvCell(t(`console.column.${c}`))).join(','),
        ...rows.map((r) =>
          [
            r.registrationNumber,
            r.receivedAt,
            r.event,
            r.agency,
            r.sub,
            r.roles.join(' '),
            r.purpose,
            r.caseNumber,
            r.operationName ?? r.operationType,
            r.resources.map((u) => `${u.resource}:${u.level}:${u.records}`).join(' '),
            r.decision,
            r.reason,
            r.positive,
            r.records,
            r.durationMs,
            r.clientAddress,
            r.policySet,
          ]
            .map(csvCell)
            .join(','),
        ),
      ];
      const link = document.createElement('a');
      link.href = URL.createObjectURL(new Blob([`\ufeff${lines.join('\r\n')}\r\n`], { type: 'text/csv;charset=utf-8' }));
      link.download = `audit-${new Date().toISOString().slice(0, 19).replace(/:/g, '')}.csv`;
      link.click();
      URL.revokeObjectURL(link.href);
      setExported(
        t(rows.length >= EXPORT_LIMIT && after ? 'console.exportedPart' : 'console.exported', {
          count: rows.length,
          registrationNumbers: numbers.length > 1 ? `${numbers[0]} … ${numbers[numbers.length - 1]}` : (numbers[0] ?? '?'),
        }),
      );
      setError('');
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
    <main className="hub-console">
      <header className="hub-bar">
        <h1>{t('console.title')}</h1>
        <SessionPanel
          config={config}
          session={session}
          onChange={(s) => {
            setSession(s);
            setData(null);
            setError('');
          }}
          development={
            <DevelopmentTokenForm
              agencies={config.agencies.filter((a) => a.audit)}
              roles={['auditor']}
              onChange={(s) => {
                setSession(s);
                setData(null);
                setError('');
              }}
            />
          }
        />
        {registration && (
          <span className="hub-status">
            {t('console.lastRead')} <span data-testid="console-registration-number">{registration}</span>
          </span>
        )}
        <LanguageSwitch />
      </header>

      <form className="hub-filter" onSubmit={apply} aria-label={t('console.filter')}>
        <label>
          {t('console.from')} <input type="datetime-local" data-testid="filter-from" value={form.from} onChange={set('from')} />
        </label>
        <label>
          {t('console.to')} <input type="datetime-local" data-testid="filter-to" value={form.to} onChange={set('to')} />
        </label>
        <label>
          {t('console.event')}
          <select data-testid="filter-event" value={form.event} onChange={set('event')}>
            <option value="">{t('common.any')}</option>
            {EVENTS.map((e) => (
              <option key={e} value={e}>
                {t(`event.${e}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('console.body')}
          <select data-testid="filter-agency" value={form.agency} onChange={set('agency')}>
            <option value="">{t('common.any')}</option>
            {config.agencies.map((a) => (
              <option key={a.code} value={a.code}>
                {a.code} — {named(a)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('console.officer')}
          <input data-testid="filter-sub" value={form.sub} placeholder={t('console.officerPlaceholder')} onChange={set('sub')} />
        </label>
        <label>
          {t('console.resource')}
          <select data-testid="filter-resource" value={form.resource} onChange={set('resource')}>
            <option value="">{t('common.any')}</option>
            {config.resources.map((r) => (
              <option key={r.code} value={r.code}>
                {named(r)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('console.decision')}
          <select data-testid="filter-decision" value={form.decision} onChange={set('decision')}>
            <option value="">{t('common.any')}</option>
            {DECISIONS.map((d) => (
              <option key={d} value={d}>
                {t(`decision.${d}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('console.positive')}
          <select data-testid="filter-positive" value={form.positive} onChange={set('positive')}>
            <option value="">{t('common.any')}</option>
            <option value="yes">{t('common.yes')}</option>
            <option value="no">{t('common.no')}</option>
          </select>
        </label>
        <label>
          {t('common.registrationNumber')}
          <input data-testid="filter-registration-number" value={form.registrationNumber} size={30} onChange={set('registrationNumber')} />
        </label>
        <label>
          {t('console.operation')}
          <input
            data-testid="filter-operation"
            value={form.operation}
            size={26}
            list="operations-seen"
            placeholder={t('console.operationPlaceholder')}
            title={t('console.operationTitle')}
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
          {t('console.perPage')}
          <select data-testid="page-size" value={pageSize} onChange={(e) => setPageSize(Number(e.target.value))}>
            {PAGE_SIZES.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" data-testid="apply-filter" disabled={!session || busy}>
          {t('console.show')}
        </button>
        <button type="button" data-testid="clear-filter" onClick={() => setForm(EMPTY_FILTER)}>
          {t('console.clear')}
        </button>
      </form>

      {!session && <p className="hub-hint">{t('console.signInHint')}</p>}
      {error && (
        <p className="hub-error" role="alert" data-testid="console-error">
          {error}
        </p>
      )}
      {stepUp && <StepUp config={config} level={stepUp} />}

      {data && page && (
        <>
          <section aria-labelledby="chart-title" className="hub-chart">
            <h2 id="chart-title">{t('console.chartTitle')}</h2>
            <HourlyChart rows={data.auditHourly} agencyName={names.agency} />
          </section>
          <section aria-labelledby="history-title">
            <h2 id="history-title">
              {t('console.history')} <span className="hub-count">{t('console.records', { total: page.total, page: cursors.length })}</span>
            </h2>
            <span hidden data-testid="total">
              {page.total}
            </span>
            <nav className="hub-inline" aria-label={t('console.pages')}>
              <button
                type="button"
                data-testid="page-newer"
                disabled={busy || cursors.length < 2}
                onClick={() => void load(applied, cursors.slice(0, -1), pageSize)}
              >
                {t('console.newer')}
              </button>
              <button
                type="button"
                data-testid="page-older"
                disabled={busy || !page.nextCursor}
                onClick={() => void load(applied, [...cursors, page.nextCursor ?? undefined], pageSize)}
              >
                {t('console.older')}
              </button>
              <button type="button" data-testid="export" disabled={busy || page.total === 0} onClick={() => void exportCsv()}>
                {t('console.export')}
              </button>
              {exported && (
                <span role="status" data-testid="exported">
                  {exported}
                </span>
              )}
            </nav>
            {/* The table is wider than a laptop's screen: its scrolling region takes the keyboard focus (WCAG 2.1.1). */}
            <div className="hub-scroll" tabIndex={0} role="region" aria-labelledby="history-title">
              <table className="hub-table" data-testid="history">
                <thead>
                  <tr>
                    {COLUMNS.map((c) => (
                      <th key={c} scope="col">
                        {t(`console.column.${c}`)}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((r) => (
                    <tr
                      key={`${r.registrationNumber}/${r.event}`}
                      data-testid="audit-row"
                      data-registration-number={r.registrationNumber}
                      className={rowClass(r, corrected)}
                      title={r.event === CORRECTION ? t('console.correction') : corrected.has(r.registrationNumber) ? t('console.superseded') : undefined}
                    >
                      <td className="hub-mono">{r.registrationNumber}</td>
                      <td>
                        <time dateTime={r.receivedAt}>{formatDateTime(r.receivedAt)}</time>
                      </td>
                      <td data-column="event" data-code={r.event}>
                        {t(`event.${r.event}`, { defaultValue: r.event })}
                      </td>
                      <td data-column="agency" data-code={r.agency ?? ''}>
                        <Coded code={r.agency}>{r.agency ? names.agency(r.agency) : t('chart.unauthenticated')}</Coded>
                      </td>
                      <td data-column="sub">{r.sub ?? t('common.none')}</td>
                      <td>{r.roles.map((role) => t(`role.${role}`, { defaultValue: role })).join(', ')}</td>
                      <td data-column="purpose" data-code={r.purpose ?? ''}>
                        <Coded code={r.purpose}>{names.purpose(r.purpose)}</Coded>
                      </td>
                      <td data-column="case">{r.caseNumber ?? ''}</td>
                      <td data-column="operation" data-operation-id={r.operationId ?? undefined} title={r.operationId ?? undefined}>
                        {r.operationName ?? (r.operationType ? t(`console.operationType.${r.operationType}`, { defaultValue: r.operationType }) : '')}
                        {r.operationId && <span className="hub-mono"> {shortHash(r.operationId)}</span>}
                      </td>
                      <td>
                        <ul className="hub-plain">
                          {r.resources.map((u) => (
                            <li key={u.resource}>
                              {t('console.resourceUse', {
                                resource: names.resource(u.resource),
                                level: t(`level.${u.level}`, { defaultValue: u.level }),
                                records: u.records,
                              })}
                            </li>
                          ))}
                        </ul>
                      </td>
                      <td data-column="decision" data-code={r.decision}>
                        {t(`decision.${r.decision}`, { defaultValue: r.decision })}
                        {r.attemptToExceedAuthority && <strong className="hub-attempt-tag"> {t('console.attempt')}</strong>}
                      </td>
                      <td>
                        {[...new Set([...(r.reason ? [r.reason] : []), ...r.errorCodes])].map((code) => (
                          <span key={code} className="hub-reason">
                            <Coded code={code}>{codeWord(code)}</Coded>
                          </span>
                        ))}
                      </td>
                      <td data-column="positive" data-code={r.positive ? 'yes' : 'no'}>
                        {r.positive ? t('common.yes') : t('common.no')}
                      </td>
                      <td>{r.records}</td>
                      <td>{r.durationMs}</td>
                      <td>{r.clientAddress ?? ''}</td>
                      <td data-column="policy-set" className="hub-mono" title={r.policySet ?? undefined}>
                        {r.policySet ? shortHash(r.policySet) : ''}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        </>
      )}
    </main>
  );
}

createRoot(document.getElementById('root')!).render(<Console />);

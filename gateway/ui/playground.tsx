import { useEffect, useMemo, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQLInterface, GraphiQLProvider } from 'graphiql';
import { useEditorContext } from '@graphiql/react';
import { useTranslation } from 'react-i18next';
import i18next from 'i18next';
import '@graphiql/react/dist/style.css';
import 'graphiql/src/style.css';
import './hub.css';
import { initI18n, LanguageSwitch, named, policyNames } from './i18n';
import { DevelopmentTokenForm, SessionPanel, StepUp, useSession, type MintChoice } from './session';
import { errorText, purposesFor, readConfig, requestHeaders, stepUpLevel, type UiConfig } from './shared';

/**
 * The officers' playground: GraphiQL from bundled assets. Every request, the schema
 * introspection included, goes through one fetcher that sends the officer's session, the stated
 * purpose (X-Purpose) and case number (X-Case-Number), and reads back the registration number.
 */
const config = readConfig();
initI18n();
const names = policyNames(config);
type Person = NonNullable<UiConfig['development']>['people'][number];

interface Example {
  id: 'border' | 'debtor' | 'child';
  purpose: string;
  suggested: MintChoice;
  query: string;
  variables(people: Person[]): Record<string, string>;
}

const demo = (people: Person[], demoCase: string) => people.find((p) => p.case === demoCase);

const EXAMPLES: Example[] = [
  {
    id: 'border',
    purpose: 'border-control',
    suggested: { agency: 'SBS', role: 'officer' },
    query: `# Border control (R12): the document and its holder, each checked against the restriction list in real time.
query BorderCheck($number: String!) {
  document(number: $number) {
    number
    type
    active
    statusReason
    expiresAt
    # Lost, stolen or forged documents (6.7.1.13).
    restrictionCheck { hit contactAgencies }
    holder {
      fin
      citizen { lastName firstName patronymic birthDate }
      # The person: on a hit, contact the bodies named (4.3.3.2).
      restrictionCheck { hit contactAgencies checkedAt }
    }
  }
}
`,
    variables: (people) => ({ number: demo(people, 'restricted-by-SBS')?.passport ?? '' }),
  },
  {
    id: 'debtor',
    purpose: 'enforcement-proceedings',
    suggested: { agency: 'MOJ', role: 'officer' },
    query: `# Elektron icra 11.3: who the debtor is and which enforcement cases are open against them.
query Debtor($fin: ID!) {
  person(fin: $fin) {
    fin
    citizen { lastName firstName patronymic birthDate address }
    enforcementCases(first: 10) {
      caseNumber
      status
      source
      officer
      amount
      currency
      openedAt
    }
    restrictionCheck { hit contactAgencies }
  }
}
`,
    variables: (people) => ({ fin: demo(people, 'citizen-full')?.fin ?? '' }),
  },
  {
    id: 'child',
    purpose: 'child-protection',
    suggested: { agency: 'SCFWCA', role: 'officer' },
    query: `# The child data bank (Cabinet of Ministers decision No 113 of 2025, 4.1–4.2): the e-profile and its sections.
query ChildProfile($fin: ID!) {
  childProfile(fin: $fin) {
    fin
    lastName
    firstName
    birthDate
    father { fin }
    mother { fin }
    guardianship { guardian { fin } }
    education { school grade }
    health { disabilityGroup chronicConditions vaccinationsComplete }
    socialBenefits { benefits }
    offences { byChild againstChild }
    archived
    maskedSections
  }
}
`,
    variables: (people) => ({ fin: demo(people, 'child')?.fin ?? '' }),
  },
];

/** An operation registered for the officer's body (policies/operations), as GET /operations gives it. */
interface Registered {
  name: string;
  id: string;
  query: string;
  variables: string[];
}

/** Demo values for the variables registered operations commonly take. */
function registeredVariables(operation: Registered, people: Person[]): Record<string, string> {
  const values: Record<string, string | undefined> = {
    fin: demo(people, 'citizen-full')?.fin,
    number: demo(people, 'restricted-by-SBS')?.passport ?? undefined,
  };
  return Object.fromEntries(operation.variables.filter((v) => values[v] !== undefined).map((v) => [v, values[v]!]));
}

/** GraphiQL keeps tabs and history in this store: in memory, so nothing stays on the workstation. */
function memoryStorage() {
  const items = new Map<string, string>();
  return {
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => {
      items.set(key, value);
    },
    removeItem: (key: string) => {
      items.delete(key);
    },
    clear: () => items.clear(),
    get length() {
      return items.size;
    },
  };
}

interface LastResponse {
  registrationNumber: string | null;
  status: number;
  /** The hub's errors, explained (the README's table, from the catalogue). */
  error: string;
  /** The level to sign in at again, when the refusal was STEP_UP_REQUIRED. */
  stepUp: string | null;
}

function Examples({ onPick, registered, adHoc }: { onPick: (example: Example) => void; registered: Registered[]; adHoc: boolean }) {
  const { t } = useTranslation();
  const editors = useEditorContext({ nonNull: true });
  const people = config.development?.people ?? [];
  return (
    <section className="hub-inline" aria-label={t('playground.examples')}>
      <span className="hub-label">{t('playground.examples')}</span>
      {registered.map((operation) => (
        <button
          key={operation.id}
          type="button"
          data-testid={`registered-${operation.name}`}
          title={t('playground.registered', { id: operation.id })}
          onClick={() => {
            editors.queryEditor?.setValue(operation.query);
            editors.variableEditor?.setValue(JSON.stringify(registeredVariables(operation, people), null, 2));
            const name = /query (\w+)/.exec(operation.query)?.[1];
            if (name) editors.setOperationName(name);
          }}
        >
          {operation.name}
        </button>
      ))}
      {!adHoc && <span data-testid="registered-only">{t(registered.length > 0 ? 'playground.registeredOnly' : 'playground.registeredNone')}</span>}
      {/* Ad-hoc examples only for a role that may send query text: the others would be refused every one. */}
      {(adHoc ? EXAMPLES : []).map((example) => (
        <button
          key={example.id}
          type="button"
          data-testid={`example-${example.id}`}
          title={t('playground.exampleTitle', { purpose: names.purpose(example.purpose), agency: names.agency(example.suggested.agency) })}
          onClick={() => {
            editors.queryEditor?.setValue(example.query);
            editors.variableEditor?.setValue(JSON.stringify(example.variables(people), null, 2));
            // GraphiQL reads the operation name from the editor a moment after a change; running at once must not use the previous one.
            const name = /query (\w+)/.exec(example.query)?.[1];
            if (name) editors.setOperationName(name);
            onPick(example);
          }}
        >
          {t(`playground.example.${example.id}`)}
        </button>
      ))}
    </section>
  );
}

/**
 * GraphiQL's editors are CodeMirror 5, whose hidden textareas carry no label and whose scrolling
 * area cannot be reached by keyboard (WCAG 2.1: 1.3.1, 2.1.1, 4.1.2). It offers no option for
 * either, so they are set on its elements, again whenever it renders new ones.
 */
function useEditorAccessibility() {
  const { t } = useTranslation();
  useEffect(() => {
    const labels: Array<[string, string]> = [
      ['.graphiql-query-editor textarea', t('playground.editor.query')],
      ['.graphiql-editor-tool textarea', t('playground.editor.variables')],
      ['.result-window textarea', t('playground.editor.response')],
    ];
    const apply = () => {
      for (const [selector, label] of labels)
        document.querySelectorAll(selector).forEach((element) => {
          if (element.getAttribute('aria-label') !== label) element.setAttribute('aria-label', label);
        });
      // CodeMirror keeps its scroller out of the tab order (tabindex -1): its input is a textarea outside it.
      document.querySelectorAll('.CodeMirror-scroll:not([tabindex="0"])').forEach((element) => element.setAttribute('tabindex', '0'));
    };
    apply();
    const observer = new MutationObserver(apply);
    observer.observe(document.body, { childList: true, subtree: true });
    return () => observer.disconnect();
  }, [t]);
}

function Playground() {
  useEditorAccessibility();
  const { t } = useTranslation();
  const [session, setSession] = useSession(config);
  const [purpose, setPurpose] = useState('');
  const [caseNumber, setCaseNumber] = useState('');
  const [last, setLast] = useState<LastResponse | null>(null);
  const [suggestion, setSuggestion] = useState<MintChoice | null>(null);
  const storage = useMemo(memoryStorage, []);
  const purposes = useMemo(() => purposesFor(config, session?.claims ?? null), [session]);
  // Signed out, the examples are shown for an officer; a role without ad-hoc text gets its registered operations only.
  const adHoc = !session || session.claims.roles.some((role) => config.adHocRoles.includes(role));

  // The purpose asked for, if the signed-in body may claim it (purposes.json), else its first: a new session's
  // schema fetch never states a purpose the body may not claim, and an example's purpose applies once its token is in.
  const chosen = purposes.some((p) => p.code === purpose) ? purpose : (purposes[0]?.code ?? '');
  // The fetcher reads purpose and case number when it runs; only a new session rebuilds it (and refetches the schema).
  const call = useRef({ purpose: chosen, caseNumber });
  call.current = { purpose: chosen, caseNumber };
  // The body's registered operations, fetched once per session; unedited, one is sent by its id.
  const [registered, setRegistered] = useState<Registered[]>([]);
  const registeredIds = useRef(new Map<string, string>());
  registeredIds.current = new Map(registered.map((r) => [r.query, r.id]));
  useEffect(() => {
    setRegistered([]);
    if (!session) return;
    let current = true;
    void fetch('/operations', { headers: session.token ? { authorization: `Bearer ${session.token}` } : {} })
      .then((response) => (response.ok ? (response.json() as Promise<{ operations: Registered[] }>) : { operations: [] }))
      .then(
        (body) => {
          if (current) setRegistered(body.operations);
        },
        () => undefined,
      );
    return () => {
      current = false;
    };
  }, [session]);

  const fetcher = useMemo(
    () => async (params: { query?: string; variables?: unknown; operationName?: string | null }) => {
      const documentId = params.query === undefined ? undefined : registeredIds.current.get(params.query);
      const response = await fetch('/graphql', {
        method: 'POST',
        body: JSON.stringify(documentId ? { documentId, variables: params.variables } : params),
        headers: requestHeaders({ token: session?.token ?? null, ...call.current }),
      });
      const body = (await response.json()) as { errors?: unknown[]; extensions?: { registrationNumber?: string } };
      // The schema GraphiQL fetches for completion is journaled too, but the officer asked about their own query.
      if (params.operationName !== 'IntrospectionQuery') {
        setLast({
          registrationNumber: response.headers.get('x-registration-number') ?? body.extensions?.registrationNumber ?? null,
          status: response.status,
          error: body.errors?.length ? errorText(body, response.status) : '',
          stepUp: stepUpLevel(body),
        });
      }
      return body;
    },
    [session],
  );

  // Signed out, or in a role that may not send query text (introspection is query text), there is nothing to
  // introspect: `schema: null` stops GraphiQL's fetch; left out, it introspects.
  const schema = session && adHoc ? {} : { schema: null };
  return (
    <GraphiQLProvider
      fetcher={fetcher}
      {...schema}
      storage={storage}
      defaultQuery={i18next.t('playground.welcome')}
      shouldPersistHeaders={false}
      maxHistoryLength={50}
    >
      <div className="hub-app">
        <header className="hub-bar">
          <h1>{t('playground.title')}</h1>
          <SessionPanel
            config={config}
            session={session}
            onChange={(s) => {
              setSession(s);
              setLast(null);
            }}
            development={
              <DevelopmentTokenForm
                agencies={config.agencies}
                roles={config.development?.roles ?? []}
                defaultRole="officer"
                suggestion={suggestion}
                onChange={(s) => {
                  setSession(s);
                  setLast(null);
                }}
              />
            }
          />
          <section className="hub-inline" aria-label={t('playground.purpose')}>
            <label>
              {t('playground.purpose')}{' '}
              <select data-testid="purpose" value={chosen} onChange={(e) => setPurpose(e.target.value)}>
                {purposes.map((p) => (
                  <option key={p.code} value={p.code}>
                    {named(p)}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t('playground.caseNumber')}{' '}
              <input
                data-testid="case-number"
                value={caseNumber}
                size={14}
                placeholder={t('session.optional')}
                onChange={(e) => setCaseNumber(e.target.value)}
              />
            </label>
          </section>
          <Examples
            registered={registered}
            adHoc={adHoc}
            onPick={(example) => {
              setPurpose(example.purpose);
              setSuggestion(example.suggested);
            }}
          />
          <LanguageSwitch />
          <section className="hub-inline hub-registration" aria-label={t('common.registrationNumber')}>
            <span className="hub-label">{t('common.registrationNumber')}</span>
            <output data-testid="registration-number">{last?.registrationNumber ?? '—'}</output>
            {last && (
              <span className="hub-status" data-testid="response-status">
                HTTP {last.status}
              </span>
            )}
          </section>
          {last?.error && (
            <p className="hub-response-error" role="alert" data-testid="response-error">
              {last.error}
            </p>
          )}
          {last?.stepUp && <StepUp config={config} level={last.stepUp} />}
        </header>
        <GraphiQLInterface isHeadersEditorEnabled={false} defaultEditorToolsVisibility="variables" />
      </div>
    </GraphiQLProvider>
  );
}

createRoot(document.getElementById('root')!).render(<Playground />);

import { useEffect, useMemo, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQLInterface, GraphiQLProvider } from 'graphiql';
import { useEditorContext } from '@graphiql/react';
import '@graphiql/react/dist/style.css';
import 'graphiql/src/style.css';
import './hub.css';
import { SessionPanel, type MintChoice } from './session';
import { purposesFor, readConfig, requestHeaders, type Session, type UiConfig } from './shared';

/**
 * The officers' playground: GraphiQL from bundled assets. Every request, the schema
 * introspection included, goes through one fetcher that adds the officer's token, the stated
 * purpose (X-Purpose) and case number (X-Case-Number), and reads back the registration number.
 */
const config = readConfig();
type Person = NonNullable<UiConfig['development']>['people'][number];

interface Example {
  id: string;
  title: string;
  purpose: string;
  suggested: MintChoice;
  query: string;
  variables(people: Person[]): Record<string, string>;
}

const demo = (people: Person[], demoCase: string) => people.find((p) => p.case === demoCase);

const EXAMPLES: Example[] = [
  {
    id: 'border',
    title: 'Border check by passport number',
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
    title: 'Debtor for an enforcement officer',
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
    title: "A child's profile",
    purpose: 'child-protection',
    suggested: { agency: 'SCFWCA', role: 'officer' },
    query: `# The child data bank (seed 003, 4.1–4.2): the e-profile and its sections.
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

const WELCOME = `# Sign in above, state the purpose of your request, then write a query
# (Ctrl-Space completes from the schema) or load one of the examples.
# Every response carries a hub registration number.
`;

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
}

function Examples({ onPick, registered }: { onPick: (example: Example) => void; registered: Registered[] }) {
  const editors = useEditorContext({ nonNull: true });
  const people = config.development?.people ?? [];
  return (
    <section className="hub-inline" aria-label="Examples">
      <span className="hub-label">Examples</span>
      {registered.map((operation) => (
        <button
          key={operation.id}
          type="button"
          data-testid={`registered-${operation.name}`}
          title={`Registered for your body: ${operation.id}`}
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
      {EXAMPLES.map((example) => (
        <button
          key={example.id}
          type="button"
          data-testid={`example-${example.id}`}
          title={`${example.purpose}; e.g. an officer of ${example.suggested.agency}`}
          onClick={() => {
            editors.queryEditor?.setValue(example.query);
            editors.variableEditor?.setValue(JSON.stringify(example.variables(people), null, 2));
            // GraphiQL reads the operation name from the editor a moment after a change; running at once must not use the previous one.
            const name = /query (\w+)/.exec(example.query)?.[1];
            if (name) editors.setOperationName(name);
            onPick(example);
          }}
        >
          {example.title}
        </button>
      ))}
    </section>
  );
}

function Playground() {
  const [session, setSession] = useState<Session | null>(null);
  const [purpose, setPurpose] = useState('');
  const [caseNumber, setCaseNumber] = useState('');
  const [last, setLast] = useState<LastResponse | null>(null);
  const [suggestion, setSuggestion] = useState<MintChoice | null>(null);
  const storage = useMemo(memoryStorage, []);
  const purposes = useMemo(() => purposesFor(config, session?.claims ?? null), [session]);

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
    void fetch('/operations', { credentials: 'omit', headers: { authorization: `Bearer ${session.token}` } })
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
        credentials: 'omit',
        body: JSON.stringify(documentId ? { documentId, variables: params.variables } : params),
        headers: requestHeaders({ token: session?.token ?? null, ...call.current }),
      });
      const body = (await response.json()) as { extensions?: { registrationNumber?: string } };
      // The schema GraphiQL fetches for completion is journaled too, but the officer asked about their own query.
      if (params.operationName !== 'IntrospectionQuery') {
        setLast({ registrationNumber: response.headers.get('x-registration-number') ?? body.extensions?.registrationNumber ?? null, status: response.status });
      }
      return body;
    },
    [session],
  );

  // Signed out there is nothing to introspect: `schema: null` stops GraphiQL's fetch; left out, it introspects.
  const schema = session ? {} : { schema: null };
  return (
    <GraphiQLProvider fetcher={fetcher} {...schema} storage={storage} defaultQuery={WELCOME} shouldPersistHeaders={false} maxHistoryLength={50}>
      <div className="hub-app">
        <header className="hub-bar">
          <h1>Officers' playground</h1>
          <SessionPanel
            config={config}
            session={session}
            onChange={(s) => {
              setSession(s);
              setLast(null);
            }}
            agencies={config.agencies}
            roles={config.development?.roles ?? []}
            suggestion={suggestion}
          />
          <section className="hub-inline" aria-label="Purpose">
            <label>
              Purpose{' '}
              <select data-testid="purpose" value={chosen} onChange={(e) => setPurpose(e.target.value)}>
                {purposes.map((p) => (
                  <option key={p.code} value={p.code}>
                    {p.code} — {p.description}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Case number{' '}
              <input data-testid="case-number" value={caseNumber} size={14} placeholder="optional" onChange={(e) => setCaseNumber(e.target.value)} />
            </label>
          </section>
          <Examples
            registered={registered}
            onPick={(example) => {
              setPurpose(example.purpose);
              setSuggestion(example.suggested);
            }}
          />
          <section className="hub-inline hub-registration" aria-label="Registration number">
            <span className="hub-label">Registration number</span>
            <output data-testid="registration-number">{last?.registrationNumber ?? '—'}</output>
            {last && (
              <span className="hub-status" data-testid="response-status">
                HTTP {last.status}
              </span>
            )}
          </section>
        </header>
        <GraphiQLInterface isHeadersEditorEnabled={false} defaultEditorToolsVisibility="variables" />
      </div>
    </GraphiQLProvider>
  );
}

createRoot(document.getElementById('root')!).render(<Playground />);

import { useCallback, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import './hub.css';
import { errorText, graphql, readConfig } from './shared';

/**
 * A citizen's own page (R4, R5): their data as the registers hold it, which bodies used it,
 * when and why (never the officer, never operative search), and their consents to
 * consent-based purposes, granted and withdrawn here. Everything goes through the hub's own
 * endpoints with the citizen's token, held in memory only.
 */
const config = readConfig();
const SELF = 'self-access';
const consentPurposes = config.purposes.filter((p) => p.legalBasis === 'consent');

const PERSON = `query MyData($fin: ID!) { person(fin: $fin) { fin citizen { firstName lastName patronymic birthDate } foreigner { lastName firstName } } }`;
const USES = `query MyDataUses($after: String) { myDataUses(first: 20, after: $after) { items { at agency purpose resources found decision } nextCursor } }`;

interface Citizen {
  token: string;
  fin: string;
}
interface Use {
  at: string;
  agency: string | null;
  purpose: string | null;
  resources: string[];
  found: boolean;
  decision: string;
}
interface Consent {
  agency: string;
  purpose: string;
  until: string | null;
}
interface ConsentEvent extends Consent {
  action: string;
  at: string;
}
interface ConsentView {
  consents: Consent[];
  history: ConsentEvent[];
}

function finOf(token: string): string | null {
  try {
    const payload = JSON.parse(atob((token.split('.')[1] ?? '').replace(/-/g, '+').replace(/_/g, '/'))) as { fin?: unknown };
    return typeof payload.fin === 'string' ? payload.fin : null;
  } catch {
    return null;
  }
}

async function consentCall(token: string, method: 'GET' | 'POST' | 'DELETE', body?: object): Promise<ConsentView> {
  const response = await fetch('/me/consents', {
    method,
    credentials: 'omit',
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const json = (await response.json().catch(() => null)) as ConsentView | null;
  if (!response.ok || !json) throw new Error(errorText(json, response.status));
  return json;
}

function SignIn({ onSignedIn }: { onSignedIn: (c: Citizen) => void }) {
  const [pasted, setPasted] = useState('');
  const [fin, setFin] = useState(config.development?.people[0]?.fin ?? '');
  const [message, setMessage] = useState('');
  const accept = (token: string) => {
    const own = finOf(token);
    if (!own) return setMessage('This token carries no FİN: sign in as a citizen.');
    onSignedIn({ token, fin: own });
  };
  const mint = async () => {
    const response = await fetch('/dev/token', {
      method: 'POST',
      credentials: 'omit',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ agency: 'EGOV', role: 'citizen', fin }),
    });
    const body = (await response.json().catch(() => null)) as { token?: string } | null;
    if (!response.ok || !body?.token) return setMessage(errorText(body, response.status));
    accept(body.token);
  };
  return (
    <section className="hub-session" aria-label="Sign in">
      <form
        className="hub-inline"
        onSubmit={(e) => {
          e.preventDefault();
          accept(pasted.trim());
        }}
      >
        <label>
          Token{' '}
          <input
            data-testid="token-input"
            type="password"
            autoComplete="off"
            value={pasted}
            placeholder="Paste your token (JWT)"
            onChange={(e) => setPasted(e.target.value)}
          />
        </label>
        <button type="submit" disabled={pasted.trim() === ''}>
          Sign in
        </button>
      </form>
      {config.development && (
        <form
          className="hub-inline hub-dev"
          onSubmit={(e) => {
            e.preventDefault();
            void mint();
          }}
        >
          <span className="hub-tag">development</span>
          <label>
            FİN <input data-testid="dev-fin" value={fin} size={9} onChange={(e) => setFin(e.target.value.toUpperCase())} />
          </label>
          <button type="submit" data-testid="dev-sign-in">
            Mint a citizen token and sign in
          </button>
        </form>
      )}
      {message && (
        <span className="hub-message" role="status">
          {message}
        </span>
      )}
    </section>
  );
}

function MyPage({ citizen, onSignOut }: { citizen: Citizen; onSignOut: () => void }) {
  const headers = { token: citizen.token, purpose: SELF, caseNumber: '' };
  const [person, setPerson] = useState<unknown>(null);
  const [uses, setUses] = useState<Use[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [view, setView] = useState<ConsentView>({ consents: [], history: [] });
  const [agency, setAgency] = useState(config.agencies[0]?.code ?? '');
  const [purpose, setPurpose] = useState(consentPurposes[0]?.code ?? '');
  const [until, setUntil] = useState('');
  const [message, setMessage] = useState('');

  const load = useCallback(async () => {
    const [data, used, consents] = await Promise.all([
      graphql<{ person: unknown }>(headers, PERSON, { fin: citizen.fin }),
      graphql<{ myDataUses: { items: Use[]; nextCursor: string | null } }>(headers, USES, {}),
      consentCall(citizen.token, 'GET'),
    ]);
    setPerson(data.body?.data?.person ?? null);
    setUses(used.body?.data?.myDataUses.items ?? []);
    setNext(used.body?.data?.myDataUses.nextCursor ?? null);
    setView(consents);
    const failed = [data, used].find((r) => r.body?.errors?.length);
    setMessage(failed ? errorText(failed.body, failed.status) : '');
  }, [citizen]);
  useEffect(() => {
    void load().catch((e: Error) => setMessage(e.message));
  }, [load]);

  const more = async () => {
    const used = await graphql<{ myDataUses: { items: Use[]; nextCursor: string | null } }>(headers, USES, { after: next });
    setUses([...uses, ...(used.body?.data?.myDataUses.items ?? [])]);
    setNext(used.body?.data?.myDataUses.nextCursor ?? null);
  };
  const change = (method: 'POST' | 'DELETE', body: object) => consentCall(citizen.token, method, body).then(setView, (e: Error) => setMessage(e.message));

  return (
    <>
      <section className="hub-session" aria-label="Session">
        <span data-testid="signed-in-as">
          Signed in as the person <strong>{citizen.fin}</strong>
        </span>
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
        {message && (
          <span className="hub-message" role="status">
            {message}
          </span>
        )}
      </section>
      <section aria-label="My data">
        <h2>My data</h2>
        <pre data-testid="my-data" className="hub-mono">
          {JSON.stringify(person, null, 2)}
        </pre>
      </section>
      <section aria-label="Uses of my data">
        <h2>Who used my data</h2>
        <table className="hub-table" data-testid="uses">
          <thead>
            <tr>
              <th>When</th>
              <th>Body</th>
              <th>Purpose</th>
              <th>Registers</th>
              <th>Found</th>
              <th>Decision</th>
            </tr>
          </thead>
          <tbody>
            {uses.map((u, i) => (
              <tr key={`${u.at}-${i}`} data-testid="use-row">
                <td>{new Date(u.at).toLocaleString()}</td>
                <td data-column="agency">{u.agency ?? '—'}</td>
                <td data-column="purpose">{u.purpose ?? '—'}</td>
                <td>{u.resources.join(', ')}</td>
                <td>{u.found ? 'yes' : 'no'}</td>
                <td>{u.decision}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {next && (
          <button type="button" onClick={() => void more()}>
            More
          </button>
        )}
      </section>
      <section aria-label="My consents">
        <h2>My consents</h2>
        <ul data-testid="consents">
          {view.consents.map((c) => (
            <li key={`${c.agency}/${c.purpose}`} data-testid="consent">
              {c.agency} · {c.purpose}
              {c.until ? ` · until ${new Date(c.until).toLocaleDateString()}` : ''}{' '}
              <button type="button" data-testid="withdraw" onClick={() => void change('DELETE', { agency: c.agency, purpose: c.purpose })}>
                Withdraw
              </button>
            </li>
          ))}
        </ul>
        <form
          className="hub-inline"
          onSubmit={(e) => {
            e.preventDefault();
            void change('POST', { agency, purpose, ...(until ? { until: new Date(`${until}T23:59:59Z`).toISOString() } : {}) });
          }}
        >
          <label>
            Body{' '}
            <select data-testid="consent-agency" value={agency} onChange={(e) => setAgency(e.target.value)}>
              {config.agencies.map((a) => (
                <option key={a.code} value={a.code}>
                  {a.code} — {a.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            Purpose{' '}
            <select data-testid="consent-purpose" value={purpose} onChange={(e) => setPurpose(e.target.value)}>
              {consentPurposes.map((p) => (
                <option key={p.code} value={p.code}>
                  {p.description}
                </option>
              ))}
            </select>
          </label>
          <label>
            Until <input type="date" value={until} onChange={(e) => setUntil(e.target.value)} />
          </label>
          <button type="submit" data-testid="grant">
            Grant
          </button>
        </form>
        <h3>History</h3>
        <ul data-testid="consent-history">
          {view.history.map((h, i) => (
            <li key={`${h.at}-${i}`}>
              {new Date(h.at).toLocaleString()} · {h.action} · {h.agency} · {h.purpose}
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}

function Me() {
  const [citizen, setCitizen] = useState<Citizen | null>(null);
  return (
    <div className="hub-console">
      <header className="hub-bar">
        <h1>My data in the data-exchange hub</h1>
      </header>
      {citizen ? <MyPage citizen={citizen} onSignOut={() => setCitizen(null)} /> : <SignIn onSignedIn={setCitizen} />}
    </div>
  );
}

createRoot(document.getElementById('root')!).render(<Me />);

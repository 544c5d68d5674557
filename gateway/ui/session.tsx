import { useEffect, useState } from 'react';
import { claimsOf, mintToken, sessionEvent, type Session, type UiConfig } from './shared';

export interface MintChoice {
  agency: string;
  role: string;
}

interface SessionPanelProps {
  config: UiConfig;
  session: Session | null;
  onChange: (session: Session | null) => void;
  /** Bodies and roles offered for development tokens. */
  agencies: UiConfig['agencies'];
  roles: string[];
  /** A body and role to preselect for a development token (e.g. from an example). */
  suggestion?: MintChoice | null;
}

/** Paste a token (or, in development, have one minted), sign in and out; both are journaled. */
export function SessionPanel({ config, session, onChange, agencies, roles, suggestion }: SessionPanelProps) {
  const [pasted, setPasted] = useState('');
  const [agency, setAgency] = useState(agencies[0]?.code ?? '');
  const [role, setRole] = useState(roles[0] ?? '');
  const [sub, setSub] = useState('');
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!suggestion) return;
    if (agencies.some((a) => a.code === suggestion.agency)) setAgency(suggestion.agency);
    if (roles.includes(suggestion.role)) setRole(suggestion.role);
  }, [suggestion, agencies, roles]);

  async function signIn(token: string) {
    const claims = claimsOf(token);
    if (!claims) {
      setMessage('This is not a JWT.');
      return;
    }
    const result = await sessionEvent('sign-in', token);
    if (!result.ok) {
      setMessage(`Sign-in refused: ${result.message}`);
      return;
    }
    setMessage(`Signed in (registration number ${result.registrationNumber ?? '?'}).`);
    setPasted('');
    onChange({ token, claims });
  }

  async function run(action: () => Promise<void>) {
    setBusy(true);
    try {
      await action();
    } catch (error) {
      setMessage((error as Error).message);
    } finally {
      setBusy(false);
    }
  }

  if (session) {
    return (
      <section className="hub-session" aria-label="Session">
        <span data-testid="signed-in-as">
          Signed in: <strong>{session.claims.sub}</strong> · {session.claims.agency} · {session.claims.roles.join(', ')}
        </span>
        <button
          type="button"
          data-testid="sign-out"
          disabled={busy}
          onClick={() =>
            void run(async () => {
              const result = await sessionEvent('sign-out', session.token);
              setMessage(result.ok ? `Signed out (registration number ${result.registrationNumber ?? '?'}).` : `Sign-out: ${result.message}`);
              onChange(null);
            })
          }
        >
          Sign out
        </button>
        {message && (
          <span className="hub-message" role="status">
            {message}
          </span>
        )}
      </section>
    );
  }

  return (
    <section className="hub-session" aria-label="Session">
      <form
        className="hub-inline"
        onSubmit={(e) => {
          e.preventDefault();
          void run(() => signIn(pasted.trim()));
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
        <button type="submit" data-testid="sign-in" disabled={busy || pasted.trim() === ''}>
          Sign in
        </button>
      </form>
      {config.development && (
        <form
          className="hub-inline hub-dev"
          onSubmit={(e) => {
            e.preventDefault();
            void run(async () => signIn(await mintToken({ agency, role, ...(sub.trim() ? { sub: sub.trim() } : {}) })));
          }}
        >
          <span className="hub-tag">development</span>
          <label>
            Body{' '}
            <select data-testid="dev-agency" value={agency} onChange={(e) => setAgency(e.target.value)}>
              {agencies.map((a) => (
                <option key={a.code} value={a.code}>
                  {a.code} — {a.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            Role{' '}
            <select data-testid="dev-role" value={role} onChange={(e) => setRole(e.target.value)}>
              {roles.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </label>
          <label>
            User <input data-testid="dev-sub" value={sub} placeholder="optional" size={14} onChange={(e) => setSub(e.target.value)} />
          </label>
          <button type="submit" data-testid="dev-sign-in" disabled={busy}>
            Mint token and sign in
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

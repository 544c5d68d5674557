import { useEffect, useState } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import { named, policyNames } from './i18n';
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
  /** The role preselected for a development token: the page's own user, not the first in the list. */
  defaultRole?: string;
  /** A body and role to preselect for a development token (e.g. from an example). */
  suggestion?: MintChoice | null;
}

/** Paste a token (or, in development, have one minted), sign in and out; both are journaled. */
export function SessionPanel({ config, session, onChange, agencies, roles, defaultRole, suggestion }: SessionPanelProps) {
  const { t } = useTranslation();
  const names = policyNames(config);
  const [agency, setAgency] = useState(agencies[0]?.code ?? '');
  const [role, setRole] = useState(defaultRole && roles.includes(defaultRole) ? defaultRole : (roles[0] ?? ''));
  const [sub, setSub] = useState('');
  // A message is kept as its key and values, so that it follows the language switch; `text` is the hub's own.
  const [message, setMessage] = useState<{ key: string; values?: Record<string, string> } | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!suggestion) return;
    if (agencies.some((a) => a.code === suggestion.agency)) setAgency(suggestion.agency);
    if (roles.includes(suggestion.role)) setRole(suggestion.role);
  }, [suggestion, agencies, roles]);

  async function signIn(token: string) {
    const claims = claimsOf(token);
    if (!claims) {
      setMessage({ key: 'session.notAToken' });
      return;
    }
    const result = await sessionEvent('sign-in', token);
    if (!result.ok) {
      setMessage({ key: 'session.refused', values: { message: result.message } });
      return;
    }
    setMessage({ key: 'session.signedIn', values: { registrationNumber: result.registrationNumber ?? '?' } });
    onChange({ token, claims });
  }

  async function run(action: () => Promise<void>) {
    setBusy(true);
    try {
      await action();
    } catch (error) {
      setMessage({ key: 'session.text', values: { text: (error as Error).message } });
    } finally {
      setBusy(false);
    }
  }

  const roleName = (r: string) => t(`role.${r}`, { defaultValue: r });
  if (session) {
    return (
      <section className="hub-session" aria-label={t('session.label')}>
        <span data-testid="signed-in-as">
          <Trans
            i18nKey="session.signedInAs"
            values={{ sub: session.claims.sub, agency: names.agency(session.claims.agency), roles: session.claims.roles.map(roleName).join(', ') }}
            components={{ strong: <strong /> }}
          />
        </span>
        <button
          type="button"
          data-testid="sign-out"
          disabled={busy}
          onClick={() =>
            void run(async () => {
              const result = await sessionEvent('sign-out', session.token);
              setMessage(
                result.ok
                  ? { key: 'session.signedOut', values: { registrationNumber: result.registrationNumber ?? '?' } }
                  : { key: 'session.signOutFailed', values: { message: result.message } },
              );
              onChange(null);
            })
          }
        >
          {t('common.signOut')}
        </button>
        {message && (
          <span className="hub-message" role="status">
            {t(message.key, message.values ?? {})}
          </span>
        )}
      </section>
    );
  }

  return (
    <section className="hub-session" aria-label={t('session.label')}>
      <TokenForm busy={busy} onToken={(token) => void run(() => signIn(token))} />
      {config.development && (
        <form
          className="hub-inline hub-dev"
          onSubmit={(e) => {
            e.preventDefault();
            void run(async () => signIn(await mintToken({ agency, role, ...(sub.trim() ? { sub: sub.trim() } : {}) })));
          }}
        >
          <span className="hub-tag">{t('common.development')}</span>
          <label>
            {t('session.body')}{' '}
            <select data-testid="dev-agency" value={agency} onChange={(e) => setAgency(e.target.value)}>
              {agencies.map((a) => (
                <option key={a.code} value={a.code}>
                  {a.code} — {named(a)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('session.role')}{' '}
            <select data-testid="dev-role" value={role} onChange={(e) => setRole(e.target.value)}>
              {roles.map((r) => (
                <option key={r} value={r}>
                  {roleName(r)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('session.user')}{' '}
            <input data-testid="dev-sub" value={sub} placeholder={t('session.optional')} size={14} onChange={(e) => setSub(e.target.value)} />
          </label>
          <button type="submit" data-testid="dev-sign-in" disabled={busy}>
            {t('session.mintRole')}
          </button>
        </form>
      )}
      {message && (
        <span className="hub-message" role="status">
          {t(message.key, message.values ?? {})}
        </span>
      )}
    </section>
  );
}

/** Sign in with a pasted token (JWT): the one form the playground, the console and /me share. */
export function TokenForm({ busy = false, onToken }: { busy?: boolean; onToken: (token: string) => void }) {
  const { t } = useTranslation();
  const [pasted, setPasted] = useState('');
  return (
    <form
      className="hub-inline"
      onSubmit={(e) => {
        e.preventDefault();
        const token = pasted.trim();
        setPasted('');
        onToken(token);
      }}
    >
      <label>
        {t('session.token')}{' '}
        <input
          data-testid="token-input"
          type="password"
          autoComplete="off"
          value={pasted}
          placeholder={t('session.tokenPlaceholder')}
          onChange={(e) => setPasted(e.target.value)}
        />
      </label>
      <button type="submit" data-testid="sign-in" disabled={busy || pasted.trim() === ''}>
        {t('common.signIn')}
      </button>
    </form>
  );
}

import { useEffect, useState, type ReactNode } from 'react';
import i18next from 'i18next';
import { Trans, useTranslation } from 'react-i18next';
import { named, policyNames } from './i18n';
import { claimsOf, currentSession, mintToken, sessionEvent, signInHref, signOutOfProvider, type Session, type UiConfig } from './shared';

export interface MintChoice {
  agency: string;
  role: string;
}

/** The page's session: undefined while GET /auth/session is asked, then the person signed in or null (always null in a hub without sign-in). */
export function useSession(config: UiConfig): [Session | null | undefined, (session: Session | null) => void] {
  const [session, setSession] = useState<Session | null | undefined>(config.signIn ? undefined : null);
  useEffect(() => {
    if (config.signIn) currentSession().then(setSession, () => setSession(null));
  }, [config]);
  return [session, setSession];
}

interface SessionPanelProps {
  config: UiConfig;
  session: Session | null | undefined;
  onChange: (session: Session | null) => void;
  /** Development only: the page's form for a minted token, shown after the sign-in, for testing as a machine client would. */
  development?: ReactNode;
}

/**
 * Sign in through the provider (the gateway holds the session; the page never sees a token), or
 * see who is signed in and sign out; both are journaled. In development, the page's minted-token
 * form follows, secondary.
 */
export function SessionPanel({ config, session, onChange, development }: SessionPanelProps) {
  const { t } = useTranslation();
  const names = policyNames(config);
  // A message is kept as its key and values, so that it follows the language switch.
  const [message, setMessage] = useState<{ key: string; values?: Record<string, string> } | null>(null);
  const [busy, setBusy] = useState(false);
  const roleName = (r: string) => t(`role.${r}`, { defaultValue: r });

  async function signOut(current: Session) {
    setBusy(true);
    try {
      if (current.token === null) {
        const result = await signOutOfProvider();
        // The provider's end-session page ends its session too, then sends the browser back here.
        if (result.redirect) return location.assign(result.redirect);
        setMessage(
          result.ok
            ? { key: 'session.signedOut', values: { registrationNumber: result.registrationNumber ?? '?' } }
            : { key: 'session.signOutFailed', values: { message: result.message } },
        );
        if (result.ok) onChange(null);
        return;
      }
      const result = await sessionEvent('sign-out', current.token);
      setMessage(
        result.ok
          ? { key: 'session.signedOut', values: { registrationNumber: result.registrationNumber ?? '?' } }
          : { key: 'session.signOutFailed', values: { message: result.message } },
      );
      onChange(null);
    } catch (error) {
      setMessage({ key: 'session.text', values: { text: (error as Error).message } });
    } finally {
      setBusy(false);
    }
  }

  const status = message && (
    <span className="hub-message" role="status">
      {t(message.key, message.values ?? {})}
    </span>
  );
  if (session === undefined) return <section className="hub-session" aria-label={t('session.label')} aria-busy="true" />;
  if (session) {
    const { claims } = session;
    return (
      <section className="hub-session" aria-label={t('session.label')}>
        <span data-testid="signed-in-as">
          {claims.fin ? (
            <Trans i18nKey="session.signedInAsCitizen" values={{ fin: claims.fin }} components={{ strong: <strong /> }} />
          ) : (
            <Trans
              i18nKey="session.signedInAs"
              values={{ sub: claims.sub, agency: names.agency(claims.agency), roles: claims.roles.map(roleName).join(', ') }}
              components={{ strong: <strong /> }}
            />
          )}
        </span>
        <button type="button" data-testid="sign-out" disabled={busy} onClick={() => void signOut(session)}>
          {t('common.signOut')}
        </button>
        {status}
      </section>
    );
  }
  return (
    <section className="hub-session" aria-label={t('session.label')}>
      <SignInLinks config={config} />
      {config.development && development}
      {status}
    </section>
  );
}

/** "Sign in": one link per provider people may sign in with (the national one first), each to the gateway's /auth/sign-in. */
export function SignInLinks({ config, acr }: { config: UiConfig; acr?: string }) {
  const { t } = useTranslation();
  const signIn = config.signIn;
  if (!signIn) return <span className="hub-hint">{t('session.noSignIn')}</span>;
  const providers = [...signIn.providers].sort((a, b) => Number(b.name === signIn.national) - Number(a.name === signIn.national));
  return (
    <span className="hub-inline">
      {providers.map((p) => (
        <a
          key={p.name}
          className="hub-button"
          data-testid={`sign-in-${p.name}`}
          href={signInHref({ ...(providers.length > 1 ? { provider: p.name } : {}), ...(acr ? { acr } : {}) })}
        >
          {providers.length > 1 ? t('session.signInWith', { provider: named({ name: p.title, nameAz: p.titleAz }) }) : t('common.signIn')}
        </a>
      ))}
    </span>
  );
}

/** A refusal for too weak a sign-in (STEP_UP_REQUIRED): the way to sign in again at the level asked for. */
export function StepUp({ config, level }: { config: UiConfig; level: string }) {
  const { t } = useTranslation();
  return (
    <p className="hub-response-error" role="alert" data-testid="step-up">
      {t('session.stepUp', { level: t(`assurance.${level}`, { defaultValue: level }) })} <SignInLinks config={config} acr={level} />
    </p>
  );
}

interface DevelopmentTokenFormProps {
  agencies: UiConfig['agencies'];
  roles: string[];
  /** The role preselected: the page's own user, not the first in the list. */
  defaultRole?: string;
  /** A body and role to preselect (e.g. from an example). */
  suggestion?: MintChoice | null;
  onChange: (session: Session | null) => void;
}

/** Development only: a token minted with the local keys, sent as a machine client sends it (the token command and /dev/token). */
export function DevelopmentTokenForm({ agencies, roles, defaultRole, suggestion, onChange }: DevelopmentTokenFormProps) {
  const { t } = useTranslation();
  const [agency, setAgency] = useState(agencies[0]?.code ?? '');
  const [role, setRole] = useState(defaultRole && roles.includes(defaultRole) ? defaultRole : (roles[0] ?? ''));
  const [sub, setSub] = useState('');
  const [message, setMessage] = useState('');
  const roleName = (r: string) => t(`role.${r}`, { defaultValue: r });

  useEffect(() => {
    if (!suggestion) return;
    if (agencies.some((a) => a.code === suggestion.agency)) setAgency(suggestion.agency);
    if (roles.includes(suggestion.role)) setRole(suggestion.role);
  }, [suggestion, agencies, roles]);

  return (
    <form
      className="hub-inline hub-dev"
      onSubmit={(e) => {
        e.preventDefault();
        void signInWithToken(() => mintToken({ agency, role, ...(sub.trim() ? { sub: sub.trim() } : {}) }), onChange).then(setMessage);
      }}
    >
      <span className="hub-tag">{t('session.machineClient')}</span>
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
        {t('session.user')} <input data-testid="dev-sub" value={sub} placeholder={t('session.optional')} size={14} onChange={(e) => setSub(e.target.value)} />
      </label>
      <button type="submit" data-testid="dev-sign-in">
        {t('session.mintRole')}
      </button>
      {message && (
        <span className="hub-message" role="status">
          {message}
        </span>
      )}
    </form>
  );
}

/** Mints a development token and signs in with it (journaled); resolves to the message to show. */
export async function signInWithToken(mint: () => Promise<string>, onChange: (session: Session | null) => void): Promise<string> {
  try {
    const token = await mint();
    const claims = claimsOf(token);
    if (!claims) return i18next.t('session.notAToken');
    const result = await sessionEvent('sign-in', token);
    if (!result.ok) return i18next.t('session.refused', { message: result.message });
    onChange({ token, claims });
    return i18next.t('session.signedIn', { registrationNumber: result.registrationNumber ?? '?' });
  } catch (error) {
    return (error as Error).message;
  }
}

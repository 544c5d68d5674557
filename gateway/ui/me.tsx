import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { useTranslation } from 'react-i18next';
import './hub.css';
import { formatDate, formatDateTime, initI18n, LanguageSwitch, named, policyNames } from './i18n';
import { SessionPanel, StepUp, signInWithToken, useSession } from './session';
import { errorText, graphql, mintToken, readConfig, stepUpLevel, type Session } from './shared';

/**
 * A citizen's own page (R4, R5): their data as the registers hold it, in sections a person
 * reads; which bodies used it, when and why, as sentences that name only the registers that
 * gave something out (never the officer, never operative search); and their consents to
 * consent-based purposes, granted and withdrawn here. Everything goes through the hub's own
 * endpoints in the citizen's session (signed in through the provider: the cookie, no token).
 */
const config = readConfig();
initI18n();
const names = policyNames(config);
const SELF = 'self-access';
const consentPurposes = config.purposes.filter((p) => p.legalBasis === 'consent');

const PERSON = `query MyData($fin: ID!) { person(fin: $fin) {
  fin
  citizen { firstName lastName patronymic sex birthDate birthPlace address documents(first: 10) { number type active expiresAt } }
  foreigner { firstName lastName birthDate nationality }
  borderCrossings(first: 10) { direction checkpoint crossedAt }
  enforcementCases(first: 10) { caseNumber status amount currency }
  appeals(first: 10) { registrationNumber kind receivedAt executionStatus }
} }`;
const USES = `query MyDataUses($after: String) { myDataUses(first: 20, after: $after) { items { at agency purpose resources refused found decision } nextCursor } }`;

interface Citizen {
  /** Development only: a minted token; null for a person signed in through the provider. */
  token: string | null;
  fin: string;
}
interface MyData {
  fin: string;
  citizen: {
    firstName: string;
    lastName: string;
    patronymic: string;
    sex: string;
    birthDate: string;
    birthPlace: string;
    address: string;
    documents: Array<{ number: string; type: string; active: boolean; expiresAt: string }>;
  } | null;
  foreigner: { firstName: string; lastName: string; birthDate: string; nationality: string | null } | null;
  borderCrossings: Array<{ direction: string; checkpoint: string; crossedAt: string }> | null;
  enforcementCases: Array<{ caseNumber: string; status: string; amount: string | null; currency: string | null }> | null;
  appeals: Array<{ registrationNumber: string; kind: string; receivedAt: string; executionStatus: string }> | null;
}
interface Use {
  at: string;
  agency: string | null;
  purpose: string | null;
  resources: string[];
  refused: string[];
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

async function consentCall(token: string | null, method: 'GET' | 'POST' | 'DELETE', body?: object): Promise<ConsentView> {
  const response = await fetch('/me/consents', {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const json = (await response.json().catch(() => null)) as ConsentView | null;
  if (!response.ok || !json) throw new Error(errorText(json, response.status));
  return json;
}

/** Development only: a citizen's token minted for a demo person's FİN, as a machine client would hold one. */
function CitizenTokenForm({ onChange }: { onChange: (session: Session | null) => void }) {
  const { t } = useTranslation();
  const [fin, setFin] = useState(config.development?.people[0]?.fin ?? '');
  const [message, setMessage] = useState('');
  return (
    <form
      className="hub-inline hub-dev"
      onSubmit={(e) => {
        e.preventDefault();
        void signInWithToken(() => mintToken({ agency: 'EGOV', role: 'citizen', fin }), onChange).then(setMessage);
      }}
    >
      <span className="hub-tag">{t('session.machineClient')}</span>
      <label>
        {t('me.demoFin')} <input data-testid="dev-fin" value={fin} size={9} onChange={(e) => setFin(e.target.value.toUpperCase())} />
      </label>
      <button type="submit" data-testid="dev-sign-in">
        {t('session.mint')}
      </button>
      {message && (
        <span className="hub-message" role="status">
          {message}
        </span>
      )}
    </form>
  );
}

function Section({ title, testId, children }: { title: string; testId: string; children: ReactNode }) {
  return (
    <section className="hub-card" data-testid={testId}>
      <h3>{title}</h3>
      {children}
    </section>
  );
}

/** The person's data, a section per register that holds something about them. */
function MyDataSections({ data }: { data: MyData | null }) {
  const { t } = useTranslation();
  const citizen = data?.citizen;
  const foreigner = data?.foreigner;
  const crossings = data?.borderCrossings ?? [];
  const cases = data?.enforcementCases ?? [];
  const appeals = data?.appeals ?? [];
  if (!citizen && !foreigner && crossings.length + cases.length + appeals.length === 0) return <p className="hub-hint">{t('me.noData')}</p>;
  return (
    <div className="hub-cards" data-testid="my-data">
      {citizen && (
        <Section title={t('me.citizen')} testId="my-citizen">
          <dl className="hub-facts">
            <dt>{t('me.field.name')}</dt>
            <dd>{`${citizen.lastName} ${citizen.firstName} ${citizen.patronymic}`}</dd>
            <dt>{t('me.field.sex')}</dt>
            <dd>{t(`me.enum.sex.${citizen.sex}`)}</dd>
            <dt>{t('me.field.birthDate')}</dt>
            <dd>{formatDate(citizen.birthDate)}</dd>
            <dt>{t('me.field.birthPlace')}</dt>
            <dd>{citizen.birthPlace}</dd>
            <dt>{t('me.field.address')}</dt>
            <dd>{citizen.address}</dd>
          </dl>
          {citizen.documents.length > 0 && (
            <>
              <h4>{t('me.documents')}</h4>
              <ul>
                {citizen.documents.map((d) => (
                  <li key={d.number} data-testid="my-document">
                    {t('me.field.document', {
                      type: t(`me.enum.docType.${d.type}`),
                      number: d.number,
                      state: d.active ? t('me.field.validUntil', { date: formatDate(d.expiresAt) }) : t('me.field.inactive'),
                    })}
                  </li>
                ))}
              </ul>
            </>
          )}
        </Section>
      )}
      {foreigner && (
        <Section title={t('me.foreigner')} testId="my-foreigner">
          <dl className="hub-facts">
            <dt>{t('me.field.name')}</dt>
            <dd>{`${foreigner.lastName} ${foreigner.firstName}`}</dd>
            <dt>{t('me.field.birthDate')}</dt>
            <dd>{formatDate(foreigner.birthDate)}</dd>
            <dt>{t('me.field.nationality')}</dt>
            <dd>{foreigner.nationality ?? t('common.none')}</dd>
          </dl>
        </Section>
      )}
      {crossings.length > 0 && (
        <Section title={t('me.crossings')} testId="my-crossings">
          <ul>
            {crossings.map((c) => (
              <li key={`${c.crossedAt}-${c.checkpoint}`}>
                {t('me.field.crossing', { direction: t(`me.enum.direction.${c.direction}`), checkpoint: c.checkpoint, date: formatDateTime(c.crossedAt) })}
              </li>
            ))}
          </ul>
        </Section>
      )}
      {cases.length > 0 && (
        <Section title={t('me.enforcement')} testId="my-cases">
          <ul>
            {cases.map((c) => (
              <li key={c.caseNumber}>
                {t('me.field.case', {
                  caseNumber: c.caseNumber,
                  status: t(`me.enum.caseStatus.${c.status}`),
                  amount: c.amount ?? '',
                  currency: c.currency ?? '',
                })}
              </li>
            ))}
          </ul>
        </Section>
      )}
      {appeals.length > 0 && (
        <Section title={t('me.appeals')} testId="my-appeals">
          <ul>
            {appeals.map((a) => (
              <li key={a.registrationNumber}>
                {t('me.field.appeal', {
                  kind: t(`me.enum.appealKind.${a.kind}`),
                  number: a.registrationNumber,
                  date: formatDate(a.receivedAt),
                  status: t(`me.enum.appealStatus.${a.executionStatus}`),
                })}
              </li>
            ))}
          </ul>
        </Section>
      )}
    </div>
  );
}

/** One use as a sentence: only what was given out is said to be read; what was refused is said apart. */
function UseSentence({ use }: { use: Use }) {
  const { t } = useTranslation();
  const agency = names.agency(use.agency);
  const purpose = names.purpose(use.purpose);
  const sentence =
    use.resources.length > 0
      ? t('me.use', { agency, purpose, resources: use.resources.map(names.resource).join(', ') })
      : use.found
        ? t('me.useNothingGiven', { agency, purpose })
        : t('me.useNotFound', { agency, purpose });
  return (
    <li data-testid="use-row" data-agency={use.agency ?? ''} data-purpose={use.purpose ?? ''}>
      <time dateTime={use.at}>{formatDateTime(use.at)}</time> — <span data-testid="use-sentence">{sentence}</span>
      {use.refused.length > 0 && (
        <span className="hub-refused" data-testid="use-refused">
          {' '}
          {t('me.refusedPart', { resources: use.refused.map(names.resource).join(', ') })}
        </span>
      )}
    </li>
  );
}

function MyPage({ citizen }: { citizen: Citizen }) {
  const { t } = useTranslation();
  const [person, setPerson] = useState<MyData | null>(null);
  const [uses, setUses] = useState<Use[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [view, setView] = useState<ConsentView>({ consents: [], history: [] });
  const [agency, setAgency] = useState(config.agencies[0]?.code ?? '');
  const [purpose, setPurpose] = useState(consentPurposes[0]?.code ?? '');
  const [until, setUntil] = useState('');
  const [message, setMessage] = useState('');
  const [stepUp, setStepUp] = useState<string | null>(null);

  const load = useCallback(async () => {
    const headers = { token: citizen.token, purpose: SELF, caseNumber: '' };
    const [data, used, consents] = await Promise.all([
      graphql<{ person: MyData | null }>(headers, PERSON, { fin: citizen.fin }),
      graphql<{ myDataUses: { items: Use[]; nextCursor: string | null } }>(headers, USES, {}),
      consentCall(citizen.token, 'GET'),
    ]);
    setPerson(data.body?.data?.person ?? null);
    setUses(used.body?.data?.myDataUses.items ?? []);
    setNext(used.body?.data?.myDataUses.nextCursor ?? null);
    setView(consents);
    const failed = [data, used].find((r) => r.body?.errors?.length);
    setMessage(failed ? errorText(failed.body, failed.status) : '');
    setStepUp(failed ? stepUpLevel(failed.body) : null);
  }, [citizen]);
  useEffect(() => {
    void load().catch((e: Error) => setMessage(e.message));
  }, [load]);

  const more = async () => {
    const used = await graphql<{ myDataUses: { items: Use[]; nextCursor: string | null } }>({ token: citizen.token, purpose: SELF, caseNumber: '' }, USES, {
      after: next,
    });
    setUses([...uses, ...(used.body?.data?.myDataUses.items ?? [])]);
    setNext(used.body?.data?.myDataUses.nextCursor ?? null);
  };
  const change = (method: 'POST' | 'DELETE', body: object) => consentCall(citizen.token, method, body).then(setView, (e: Error) => setMessage(e.message));
  const consentSentence = (c: Consent) =>
    t('me.consent', { agency: names.agency(c.agency), purpose: names.purpose(c.purpose), until: c.until ? t('me.until', { date: formatDate(c.until) }) : '' });

  return (
    <>
      {message && (
        <p className="hub-message" role="status">
          {message}
        </p>
      )}
      {stepUp && <StepUp config={config} level={stepUp} />}
      <section aria-labelledby="my-data-title">
        <h2 id="my-data-title">{t('me.myData')}</h2>
        <MyDataSections data={person} />
      </section>
      <section aria-labelledby="uses-title">
        <h2 id="uses-title">{t('me.uses')}</h2>
        <p className="hub-hint">{t('me.hidden')}</p>
        {uses.length === 0 ? (
          <p className="hub-hint">{t('me.noUses')}</p>
        ) : (
          <ul className="hub-uses" data-testid="uses">
            {uses.map((u, i) => (
              <UseSentence key={`${u.at}-${i}`} use={u} />
            ))}
          </ul>
        )}
        {next && (
          <button type="button" onClick={() => void more()}>
            {t('common.more')}
          </button>
        )}
        <p className="hub-hint">{t('me.complain')}</p>
      </section>
      <section aria-labelledby="consents-title">
        <h2 id="consents-title">{t('me.consents')}</h2>
        <p className="hub-hint">{t('me.consentsAbout')}</p>
        {view.consents.length === 0 && <p className="hub-hint">{t('me.noConsents')}</p>}
        <ul data-testid="consents">
          {view.consents.map((c) => (
            <li key={`${c.agency}/${c.purpose}`} data-testid="consent" data-agency={c.agency} data-purpose={c.purpose}>
              {consentSentence(c)}{' '}
              <button type="button" data-testid="withdraw" onClick={() => void change('DELETE', { agency: c.agency, purpose: c.purpose })}>
                {t('me.withdraw')}
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
            {t('session.body')}{' '}
            <select data-testid="consent-agency" value={agency} onChange={(e) => setAgency(e.target.value)}>
              {config.agencies.map((a) => (
                <option key={a.code} value={a.code}>
                  {named(a)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('me.purposeLabel')}{' '}
            <select data-testid="consent-purpose" value={purpose} onChange={(e) => setPurpose(e.target.value)}>
              {consentPurposes.map((p) => (
                <option key={p.code} value={p.code}>
                  {named(p)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('me.untilLabel')} <input type="date" value={until} onChange={(e) => setUntil(e.target.value)} />
          </label>
          <button type="submit" data-testid="grant">
            {t('me.grant')}
          </button>
        </form>
        <h3>{t('me.history')}</h3>
        <ul data-testid="consent-history">
          {view.history.map((h, i) => (
            <li key={`${h.at}-${i}`}>
              {t(h.action === 'withdraw' ? 'me.withdrawn' : 'me.granted', {
                date: formatDateTime(h.at),
                agency: names.agency(h.agency),
                purpose: names.purpose(h.purpose),
              })}
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}

function Me() {
  const { t } = useTranslation();
  const [session, setSession] = useSession(config);
  const fin = session?.claims.fin ?? null;
  // One object per session: MyPage reloads when it changes.
  const citizen = useMemo(() => (session && fin ? { token: session.token, fin } : null), [session, fin]);
  return (
    <main className="hub-console">
      <header className="hub-bar">
        <h1>{t('me.title')}</h1>
        <LanguageSwitch />
      </header>
      <p className="hub-about">{t('me.about')}</p>
      <SessionPanel config={config} session={session} onChange={setSession} development={<CitizenTokenForm onChange={setSession} />} />
      {session === null && <p className="hub-hint">{t('me.signInHint')}</p>}
      {session && !fin && <p className="hub-hint">{t('me.notCitizen')}</p>}
      {citizen && <MyPage citizen={citizen} />}
    </main>
  );
}

createRoot(document.getElementById('root')!).render(<Me />);

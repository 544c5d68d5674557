import i18next from 'i18next';
import { initReactI18next, useTranslation } from 'react-i18next';
import az from './messages/az.json';
import en from './messages/en.json';
import type { UiConfig } from './shared';

/**
 * The pages speak Azerbaijani first, English on a switch. Every string a person reads comes
 * from one catalogue per language (messages/az.json, messages/en.json, the same keys: a unit
 * test checks); names of bodies, purposes and registers come from the policies, which carry
 * both languages. The choice is remembered in the browser: it says nothing about the person.
 */
export const LANGUAGES = ['az', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

const STORAGE_KEY = 'hub.language';
/** Dates and times as Baku reads them, whatever the workstation's own zone. */
const TIME_ZONE = 'Asia/Baku';
const LOCALES = { en: 'en-GB' } as const;

function rememberedLanguage(): Language {
  try {
    const saved = window.localStorage.getItem(STORAGE_KEY);
    return saved === 'en' ? 'en' : 'az';
  } catch {
    return 'az';
  }
}

export function initI18n(): void {
  const lng = rememberedLanguage();
  void i18next.use(initReactI18next).init({
    resources: { az: { translation: az }, en: { translation: en } },
    lng,
    fallbackLng: false,
    // React escapes what it renders.
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  document.documentElement.lang = lng;
  i18next.on('languageChanged', (language) => {
    document.documentElement.lang = language;
    document.title = i18next.t(`${document.body.dataset['page'] ?? 'playground'}.title`);
  });
}

export function setLanguage(language: Language): void {
  try {
    window.localStorage.setItem(STORAGE_KEY, language);
  } catch {
    // Storage may be off; the switch still works for this page.
  }
  void i18next.changeLanguage(language);
}

export const currentLanguage = (): Language => (i18next.language === 'en' ? 'en' : 'az');

/**
 * The parts of an instant on Baku's clock. Azerbaijani dates are written day.month.year
 * (07.12.2026, 21:22): composed here from numeric parts, since a browser's ICU may lack the
 * Azerbaijani patterns (Chromium falls back to "2026 M12 7"); English uses en-GB's own.
 */
function bakuParts(iso: string | number): Record<'year' | 'month' | 'day' | 'hour' | 'minute', string> {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: TIME_ZONE,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(iso));
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return { year: part('year'), month: part('month'), day: part('day'), hour: part('hour'), minute: part('minute') };
}

export function formatDateTime(iso: string | number, language: Language = currentLanguage()): string {
  if (language === 'en') return new Intl.DateTimeFormat(LOCALES.en, { timeZone: TIME_ZONE, dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
  const p = bakuParts(iso);
  return `${p.day}.${p.month}.${p.year}, ${p.hour}:${p.minute}`;
}

export function formatDate(iso: string | number, language: Language = currentLanguage()): string {
  if (language === 'en') return new Intl.DateTimeFormat(LOCALES.en, { timeZone: TIME_ZONE, dateStyle: 'long' }).format(new Date(iso));
  const p = bakuParts(iso);
  return `${p.day}.${p.month}.${p.year}`;
}

/** An hour of the chart's axis: 07.12 21:00 in Azerbaijani, 07/12 21:00 in English. */
export function formatHour(iso: string | number, language: Language = currentLanguage()): string {
  const p = bakuParts(iso);
  return `${p.day}${language === 'az' ? '.' : '/'}${p.month} ${p.hour}:00`;
}

/** A name from the policies in the page's language. */
export const named = (entry: { name: string; nameAz: string }, language: Language = currentLanguage()): string =>
  language === 'az' ? entry.nameAz : entry.name;

/** The names the policies give, by code; a code the policies do not know is shown as it is. */
export function policyNames(config: UiConfig) {
  const agencies = new Map(config.agencies.map((a) => [a.code, a]));
  const purposes = new Map(config.purposes.map((p) => [p.code, p]));
  const resources = new Map(config.resources.map((r) => [r.code, r]));
  return {
    agency: (code: string | null) => (code ? (agencies.has(code) ? named(agencies.get(code)!) : code) : '—'),
    purpose: (code: string | null) => (code ? (purposes.has(code) ? named(purposes.get(code)!) : code) : '—'),
    resource: (name: string) => (resources.has(name) ? named(resources.get(name)!) : name),
  };
}

export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  return (
    <nav className="hub-language" aria-label={t('common.language')}>
      {LANGUAGES.map((language) => (
        <button
          key={language}
          type="button"
          lang={language}
          aria-pressed={i18n.language === language}
          data-testid={`language-${language}`}
          onClick={() => setLanguage(language)}
        >
          {t(`common.languageName.${language}`)}
        </button>
      ))}
    </nav>
  );
}

// Word lists for the synthetic population. Names and places are Azerbaijani; checkpoints,
// courts and executive authorities are real institutions, used only as labels.

export const MALE_NAMES = [
  'Elvin',
  'Rəşad',
  'Tural',
  'Orxan',
  'Kamran',
  'Elnur',
  'Ramil',
  'Vüqar',
  'Nicat',
  'Fərid',
  'Anar',
  'Elçin',
  'Murad',
  'Samir',
  'Cavid',
  'Əli',
  'Hüseyn',
  'Məhəmməd',
  'Rauf',
  'Zaur',
  'Emin',
  'Ülvi',
  'Toğrul',
  'İlkin',
  'Kənan',
  'Səbuhi',
  'Nurlan',
  'Rüfət',
  'Azər',
  'Elşən',
] as const;

export const FEMALE_NAMES = [
  'Aynur',
  'Günel',
  'Leyla',
  'Nigar',
  'Səbinə',
  'Aytən',
  'Könül',
  'Nərmin',
  'Ülkər',
  'Lalə',
  'Fidan',
  'Sevinc',
  'Aygün',
  'Təranə',
  'Zəhra',
  'Nilufər',
  'Arzu',
  'Gülnar',
  'Şəbnəm',
  'Vüsalə',
  'Aysel',
  'Nurlana',
  'Xədicə',
  'Mədinə',
  'Ləman',
  'Jalə',
  'Röya',
  'Səidə',
  'Turan',
  'İlahə',
] as const;

/** Surname stems; the male form adds -ov/-yev, the female -ova/-yeva. */
export const SURNAME_STEMS = [
  'Məmmədov',
  'Əliyev',
  'Həsənov',
  'Hüseynov',
  'Quliyev',
  'İsmayılov',
  'Abbasov',
  'Rzayev',
  'Kərimov',
  'Cəfərov',
  'Süleymanov',
  'Babayev',
  'Nəsirov',
  'Orucov',
  'Vəliyev',
  'Qasımov',
  'Musayev',
  'Bağırov',
  'Səfərov',
  'Ağayev',
  'Rəhimov',
  'Nağıyev',
  'Paşayev',
  'Zeynalov',
] as const;

export const BIRTH_PLACES = [
  'Bakı',
  'Gəncə',
  'Sumqayıt',
  'Mingəçevir',
  'Şirvan',
  'Naxçıvan',
  'Lənkəran',
  'Şəki',
  'Yevlax',
  'Quba',
  'Xaçmaz',
  'Şamaxı',
  'Qəbələ',
  'Masallı',
  'Salyan',
  'Ağdam',
  'Şuşa',
] as const;

export const STREETS = [
  'Nizami küç.',
  'Füzuli küç.',
  'Azadlıq pr.',
  'Həsən bəy Zərdabi küç.',
  'Zərifə Əliyeva küç.',
  'Atatürk pr.',
  'Təbriz küç.',
  'Səməd Vurğun küç.',
  'Üzeyir Hacıbəyov küç.',
  'Neftçilər pr.',
] as const;

/** Border checkpoints of the State Border Service and the airports and ports it controls. */
export const CHECKPOINTS = [
  'Heydər Əliyev Beynəlxalq Aeroportu',
  'Gəncə Beynəlxalq Aeroportu',
  'Naxçıvan Beynəlxalq Aeroportu',
  'Bakı Beynəlxalq Dəniz Ticarət Limanı',
  'Samur (Yalama) sərhəd-buraxılış məntəqəsi',
  'Qırmızı Körpü sərhəd-buraxılış məntəqəsi',
  'Sınıq Körpü sərhəd-buraxılış məntəqəsi',
  'Balakən (Mazımçay) sərhəd-buraxılış məntəqəsi',
  'Astara sərhəd-buraxılış məntəqəsi',
  'Biləsuvar sərhəd-buraxılış məntəqəsi',
  'Culfa sərhəd-buraxılış məntəqəsi',
  'Sədərək sərhəd-buraxılış məntəqəsi',
  'Şahtaxtı sərhəd-buraxılış məntəqəsi',
] as const;

export const COURTS = [
  'Bakı şəhəri Yasamal Rayon Məhkəməsi',
  'Bakı şəhəri Nəsimi Rayon Məhkəməsi',
  'Bakı şəhəri Binəqədi Rayon Məhkəməsi',
  'Bakı şəhəri Xətai Rayon Məhkəməsi',
  'Sumqayıt Şəhər Məhkəməsi',
  'Gəncə Şəhər Kəpəz Rayon Məhkəməsi',
  'Bakı İnzibati Məhkəməsi',
  'Bakı Apellyasiya Məhkəməsi',
] as const;

export const NOTARIES = [
  'Bakı şəhəri 3 saylı Dövlət Notariat Kontoru',
  'Bakı şəhəri 5 saylı Dövlət Notariat Kontoru',
  'Bakı şəhəri 12 saylı Dövlət Notariat Kontoru',
  'Sumqayıt şəhəri 1 saylı Dövlət Notariat Kontoru',
  'Gəncə şəhəri 2 saylı Dövlət Notariat Kontoru',
] as const;

/** Local executive authorities (appeals resource); the code is the hub's agency code. */
export const LOCAL_EXECUTIVE_AUTHORITIES = [
  { code: 'LEA-BAKU', name: 'Bakı Şəhər İcra Hakimiyyəti' },
  { code: 'LEA-SUMGAYIT', name: 'Sumqayıt Şəhər İcra Hakimiyyəti' },
  { code: 'LEA-GANJA', name: 'Gəncə Şəhər İcra Hakimiyyəti' },
  { code: 'LEA-SHEKI', name: 'Şəki Şəhər İcra Hakimiyyəti' },
  { code: 'LEA-LANKARAN', name: 'Lənkəran Rayon İcra Hakimiyyəti' },
  { code: 'LEA-GUBA', name: 'Quba Rayon İcra Hakimiyyəti' },
] as const;

export const CAR_MAKES = [
  { make: 'Toyota', models: ['Camry', 'Corolla', 'Prado'] },
  { make: 'Hyundai', models: ['Accent', 'Elantra', 'Tucson'] },
  { make: 'Kia', models: ['Rio', 'Sportage', 'Optima'] },
  { make: 'Mercedes-Benz', models: ['E 200', 'Sprinter', 'C 180'] },
  { make: 'Lada', models: ['Priora', 'Niva', 'Vesta'] },
  { make: 'Chevrolet', models: ['Cobalt', 'Nexia', 'Lacetti'] },
] as const;

export const FOREIGN_NATIONALITIES = [
  { country: 'TUR', names: ['Mehmet', 'Ahmet', 'Ayşe', 'Fatma'], surnames: ['Yılmaz', 'Kaya', 'Demir'] },
  { country: 'RUS', names: ['Ivan', 'Dmitry', 'Olga', 'Anna'], surnames: ['Ivanov', 'Smirnov', 'Popova'] },
  { country: 'GEO', names: ['Giorgi', 'Nino', 'Levan', 'Tamar'], surnames: ['Beridze', 'Kapanadze', 'Gelashvili'] },
  { country: 'IRN', names: ['Reza', 'Ali', 'Maryam', 'Zahra'], surnames: ['Ahmadi', 'Hosseini', 'Karimi'] },
  { country: 'UKR', names: ['Andriy', 'Oksana', 'Taras', 'Iryna'], surnames: ['Shevchenko', 'Bondarenko', 'Kovalenko'] },
  { country: 'KAZ', names: ['Nursultan', 'Aigerim', 'Daniyar', 'Aruzhan'], surnames: ['Abenov', 'Seitkali', 'Nurlanov'] },
] as const;

/** Categories of the border-crossing restriction list, İAMAS rules 6.7.1.1–6.7.1.14. */
export const RESTRICTION_CATEGORIES = {
  '6.7.1.1': { subject: 'person', label: 'wanted, accused or under a preventive measure' },
  '6.7.1.2': { subject: 'person', label: 'right to emigrate restricted; bearer of state secrets' },
  '6.7.1.3': { subject: 'person', label: 'terrorism or transnational organised crime suspect' },
  '6.7.1.4': { subject: 'person', label: 'presence in the country undesirable' },
  '6.7.1.4-1': { subject: 'person', label: 'foreigner banned from entering' },
  '6.7.1.5': { subject: 'person', label: 'violated the border regime or expelled' },
  '6.7.1.6': { subject: 'person', label: 'convicted to imprisonment, corrective work or a fine' },
  '6.7.1.7': { subject: 'person', label: 'conditionally convicted or released with obligations' },
  '6.7.1.8': { subject: 'person', label: 'sentence of imprisonment deferred' },
  '6.7.1.9': { subject: 'person', label: 'compulsory medical measures' },
  '6.7.1.10': { subject: 'person', label: "debtor's right to leave the country temporarily restricted" },
  '6.7.1.11': { subject: 'person', label: 'foreigner who violated migration law' },
  '6.7.1.12': { subject: 'person', label: 'held in a disciplinary military unit' },
  '6.7.1.12-1': { subject: 'person', label: 'called up for compulsory military service' },
  '6.7.1.12-2': { subject: 'person', label: 'sentenced to restriction in military service' },
  '6.7.1.12-3': { subject: 'person', label: 'foreigner who committed an administrative offence' },
  '6.7.1.13': { subject: 'document', label: 'invalid, lost, stolen or forged passport, visa or card' },
  '6.7.1.14': { subject: 'vehicle', label: 'wanted vehicle' },
} as const;

export type RestrictionCategory = keyof typeof RESTRICTION_CATEGORIES;

/** Which body typically initiates an entry of each category (İAMAS rules 6.7.3–6.7.4). */
export const RESTRICTION_INITIATORS: Record<RestrictionCategory, readonly string[]> = {
  '6.7.1.1': ['MIA', 'PGO', 'MNS'],
  '6.7.1.2': ['MNS', 'MOD'],
  '6.7.1.3': ['MNS'],
  '6.7.1.4': ['MNS', 'MIA'],
  '6.7.1.4-1': ['MIA', 'SBS'],
  '6.7.1.5': ['SBS'],
  '6.7.1.6': ['MOJ'],
  '6.7.1.7': ['MOJ'],
  '6.7.1.8': ['MOJ'],
  '6.7.1.9': ['MOJ'],
  '6.7.1.10': ['MOJ', 'MOT'],
  '6.7.1.11': ['MIA', 'SBS'],
  '6.7.1.12': ['MOD'],
  '6.7.1.12-1': ['MOD'],
  '6.7.1.12-2': ['MOD'],
  '6.7.1.12-3': ['MIA'],
  '6.7.1.13': ['MIA', 'MFA', 'SCC'],
  '6.7.1.14': ['MIA', 'SCC'],
};

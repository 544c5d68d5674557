import type { MigrationInterface, QueryRunner } from 'typeorm';
import { Pool } from 'pg';
import { openDatabase, poolTarget } from '@hub/kit';

/**
 * The consents citizens give (R5), kept by the hub itself in its own schema of the audit
 * database, never in a connected system (R1). Every grant and withdrawal is an event appended
 * to `hub_consent.events`, named by the keyed hash of the person's FİN (subjects/keys.ts), never
 * the FİN; the consent in force is the person's latest event for a body and purpose.
 */
export const CONSENT_SCHEMA = 'hub_consent';

export class ConsentEvents1795450030000 implements MigrationInterface {
  name = 'ConsentEvents1795450030000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE TABLE "hub_consent"."events" ("id" bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "subject" text NOT NULL,
      "agency" text NOT NULL, "purpose" text NOT NULL, "action" text NOT NULL CHECK ("action" IN ('grant', 'withdraw')),
      "until" TIMESTAMP WITH TIME ZONE, "at" TIMESTAMP WITH TIME ZONE NOT NULL, "registration_number" text NOT NULL)`);
    await runner.query(`CREATE INDEX "events_subject" ON "hub_consent"."events" ("subject", "agency", "purpose", "id")`);
    await runner.query(`CREATE FUNCTION "hub_consent"."refuse_change"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'hub_consent.events is append-only'; END $$`);
    await runner.query(
      `CREATE TRIGGER "events_append_only" BEFORE UPDATE OR DELETE ON "hub_consent"."events" FOR EACH ROW EXECUTE FUNCTION "hub_consent"."refuse_change"()`,
    );
    await runner.query(
      `CREATE TRIGGER "events_no_truncate" BEFORE TRUNCATE ON "hub_consent"."events" FOR EACH STATEMENT EXECUTE FUNCTION "hub_consent"."refuse_change"()`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE "hub_consent"."events"`);
    await runner.query(`DROP FUNCTION "hub_consent"."refuse_change"()`);
  }
}

export interface ConsentEvent {
  agency: string;
  purpose: string;
  action: 'grant' | 'withdraw';
  until: Date | null;
  at: Date;
}

export interface ConsentStore {
  /** Of the persons given (each by all the hashes of their FİN), those with a consent in force for the body and purpose. */
  consenting(persons: ReadonlyMap<string, readonly string[]>, agency: string, purpose: string, now: Date): Promise<Set<string>>;
  append(subject: string, event: ConsentEvent, registrationNumber: string): Promise<void>;
  /** A person's events, newest first. */
  history(subjects: readonly string[]): Promise<ConsentEvent[]>;
  close(): Promise<void>;
}

export class PostgresConsentStore implements ConsentStore {
  constructor(private readonly pool: Pool) {}

  /** Brings the schema up to date (whoever starts first), then connects. */
  static async open(url: string, poolSize = 4): Promise<PostgresConsentStore> {
    const db = await openDatabase({
      url,
      applicationName: 'hub-gateway-migrate',
      schema: CONSENT_SCHEMA,
      entities: [],
      migrations: [ConsentEvents1795450030000],
    });
    await db.destroy();
    const pool = new Pool({ ...poolTarget(url), max: poolSize, application_name: 'hub-gateway-consent' });
    pool.on('error', () => undefined);
    return new PostgresConsentStore(pool);
  }

  async consenting(persons: ReadonlyMap<string, readonly string[]>, agency: string, purpose: string, now: Date): Promise<Set<string>> {
    const owner = new Map<string, string>();
    for (const [person, hashes] of persons) for (const hash of hashes) owner.set(hash, person);
    if (owner.size === 0) return new Set();
    // The latest event per person decides, whichever key named it.
    const { rows } = await this.pool.query<{ subject: string; id: string; action: string; until: Date | null }>(
      `SELECT DISTINCT ON (subject) subject, id, action, until FROM hub_consent.events
       WHERE subject = ANY($1::text[]) AND agency = $2 AND purpose = $3 ORDER BY subject, id DESC`,
      [[...owner.keys()], agency, purpose],
    );
    const latest = new Map<string, { id: bigint; active: boolean }>();
    for (const row of rows) {
      const person = owner.get(row.subject)!;
      const id = BigInt(row.id);
      const seen = latest.get(person);
      if (!seen || seen.id < id) latest.set(person, { id, active: row.action === 'grant' && (row.until === null || row.until > now) });
    }
    return new Set([...latest].filter(([, v]) => v.active).map(([person]) => person));
  }

  async append(subject: string, event: ConsentEvent, registrationNumber: string): Promise<void> {
    await this.pool.query(
      'INSERT INTO hub_consent.events (subject, agency, purpose, action, until, at, registration_number) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [subject, event.agency, event.purpose, event.action, event.until, event.at, registrationNumber],
    );
  }

  async history(subjects: readonly string[]): Promise<ConsentEvent[]> {
    const { rows } = await this.pool.query<ConsentEvent>(
      'SELECT agency, purpose, action, until, at FROM hub_consent.events WHERE subject = ANY($1::text[]) ORDER BY id DESC LIMIT 500',
      [subjects],
    );
    return rows;
  }

  /** Idempotent: gateways started over one hub (tests) share a store. */
  async close(): Promise<void> {
    if (this.pool.ended) return;
    await this.pool.end();
  }
}

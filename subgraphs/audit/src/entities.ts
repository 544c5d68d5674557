import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export enum AuditDecision {
  ALLOWED = 'allowed',
  PARTLY_REFUSED = 'partly-refused',
  REFUSED = 'refused',
}
export enum AuditEvent {
  QUERY = 'query',
  SIGN_IN = 'sign-in',
  SIGN_IN_FAILED = 'sign-in-failed',
  SIGN_OUT = 'sign-out',
  SESSION_EXPIRED = 'session-expired',
  BACKCHANNEL_LOGOUT = 'backchannel-logout',
  CONSENT_GRANT = 'consent-grant',
  CONSENT_WITHDRAW = 'consent-withdraw',
  CORRECTION = 'correction',
  POLICY_CHANGE = 'policy-change',
}
registerEnumType(AuditDecision, { name: 'AuditDecision' });
registerEnumType(AuditEvent, {
  name: 'AuditEvent',
  description:
    "Queries of state bodies, logins and logouts (6.9.1: sign-ins, failed sign-ins with their reason code, sign-outs, sessions expired, sessions ended by their provider's back-channel logout), citizens' consents granted and withdrawn (R5), corrections and policy changes. A correction says what the caller of its registration number got when the gateway could not tell whether that request's record was written: the answer was withheld (AUDIT_UNAVAILABLE); it supersedes the record of the same number, which stays as written. A policy change: a gateway put a policy set in force (operationId: the set's sha256:<hex>; reason: the set it replaced, null for the first).",
});

@ObjectType({ description: 'One resource a request touched: the level applied and what came back (never the data).' })
class AuditResourceUse {
  @Field()
  resource!: string;

  @Field({ description: 'unlimited, restricted or none' })
  level!: string;

  @Field(() => [String], { description: 'Schema coordinates requested, e.g. Citizen.documents.' })
  fields!: string[];

  @Field({ description: 'The search had a positive result (R6).' })
  positive!: boolean;

  @Field(() => Int)
  records!: number;
}

/**
 * The hub's central audit journal (İAMAS rules 6.9): one row per request, written by the
 * gateway, append-only and hash-chained. It holds who asked, why and what was decided —
 * never the query text, variables, argument values or response data (R6).
 */
@ObjectType({ description: 'One request through the hub, as the central audit journal records it (6.9).' })
@Entity({ name: 'journal' })
// Every filter of the auditors' console has an index that also yields the page order (newest first).
@Index('journal_time', ['receivedAt', 'seq'])
@Index('journal_event_time', ['event', 'receivedAt', 'seq'])
@Index('journal_agency_time', ['agency', 'receivedAt', 'seq'])
@Index('journal_sub_time', ['sub', 'receivedAt', 'seq'])
@Index('journal_decision_time', ['decision', 'receivedAt', 'seq'])
@Index('journal_positive_time', ['positive', 'receivedAt', 'seq'])
@Index('journal_registration_number', ['registrationNumber'])
@Index('journal_operation_name_time', ['operationName', 'receivedAt', 'seq'])
@Index('journal_operation_id_time', ['operationId', 'receivedAt', 'seq'])
export class AuditRecord {
  /** Position in the hash chain. */
  @PrimaryColumn({ type: 'bigint', generated: 'identity', generatedIdentity: 'ALWAYS' })
  seq!: string;

  /**
   * Registration numbers are unique by construction (replica number and counter); a unique
   * constraint across monthly partitions would have to include the month, so none is declared.
   */
  @Field(() => ID)
  @Column({ type: 'text' })
  registrationNumber!: string;

  /** The last policy change, found at every start without reading the journal: a partial index by seq (AuditJournalPolicyChange). */
  @Field(() => AuditEvent)
  @Index('journal_policy_change', { synchronize: false })
  @Column({ type: 'text' })
  event!: AuditEvent;

  /** The partition key (a partition per month), hence part of the primary key. */
  @Field({ description: 'ISO 8601' })
  @PrimaryColumn({ type: 'timestamptz' })
  receivedAt!: Date;

  @Field(() => String, { nullable: true, description: 'Null when the caller could not be authenticated.' })
  @Column({ type: 'text', nullable: true })
  agency!: string | null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true })
  sub!: string | null;

  @Field(() => [String])
  @Column({ type: 'text', array: true })
  roles!: string[];

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true })
  purpose!: string | null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true })
  caseNumber!: string | null;

  @Field(() => String, { nullable: true, description: 'query, mutation or subscription' })
  @Column({ type: 'text', nullable: true })
  operationType!: string | null;

  @Field(() => String, { nullable: true, description: "A registered operation's reviewed name, e.g. SBS/borderCheckByFin; null for ad-hoc text (R6)." })
  @Column({ type: 'text', nullable: true })
  operationName!: string | null;

  @Field(() => String, { nullable: true, description: "A registered operation's id, sha256:<hex>, from the gateway's registry; null for ad-hoc text." })
  @Column({ type: 'text', nullable: true })
  operationId!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'The policy set the request was decided under, sha256:<hex> as its policy-change record names it; null in records written before it was kept.',
  })
  @Column({ type: 'text', nullable: true })
  policySet!: string | null;

  @Field(() => [AuditResourceUse])
  @Column({ type: 'jsonb' })
  resources!: AuditResourceUse[];

  /** Resource names, for filtering by resource with an index (GIN, created by AuditJournalPartitioned: typeorm cannot declare one). */
  @Index('journal_resource_names', { synchronize: false })
  @Column({ type: 'text', array: true })
  resourceNames!: string[];

  @Field(() => AuditDecision)
  @Column({ type: 'text' })
  decision!: AuditDecision;

  @Field(() => String, { nullable: true, description: 'Why it was refused: UNAUTHENTICATED, FORBIDDEN, READ_ONLY, QUERY_TOO_COMPLEX, RATE_LIMITED…' })
  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @Field({ description: 'An attempt to exceed authority (6.9.1.5).' })
  @Column({ type: 'boolean' })
  attemptToExceedAuthority!: boolean;

  @Field(() => [String])
  @Column({ type: 'text', array: true })
  errorCodes!: string[];

  @Field({ description: 'Any resource had a positive result.' })
  @Column({ type: 'boolean' })
  positive!: boolean;

  @Field(() => Int)
  @Column({ type: 'integer' })
  records!: number;

  @Field(() => Float)
  @Column({ type: 'double precision' })
  durationMs!: number;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true })
  clientAddress!: string | null;

  /** The persons the request concerned, as keyed hashes `kid:hex` (R4); never a GraphQL field. GIN index by AuditJournalSubjects. */
  @Index('journal_subjects', { synchronize: false })
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  subjects!: string[];

  @Column({ type: 'text' })
  prevHash!: string;

  @Field({ description: 'SHA-256 chained to the previous record; `npm run audit:verify` checks the chain.' })
  @Column({ type: 'text' })
  hash!: string;
}

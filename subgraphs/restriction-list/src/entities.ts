import { entityReference } from '@hub/kit';
import { Field, GraphQLISODateTime, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export enum RestrictionSubject {
  PERSON = 'PERSON',
  DOCUMENT = 'DOCUMENT',
  VEHICLE = 'VEHICLE',
}

registerEnumType(RestrictionSubject, { name: 'RestrictionSubject', description: 'What an entry restricts: a person, a document or a vehicle (6.7.1).' });

/** The Person entity, by its key; this subgraph adds its own fields in resolvers.ts. */
export const Person = entityReference('Person');
export type Person = InstanceType<typeof Person>;

/** The Document entity, by its key; this subgraph adds its own fields in resolvers.ts. */
export const Document = entityReference('Document');
export type Document = InstanceType<typeof Document>;

/** The Vehicle entity, by its key; this subgraph adds its own fields in resolvers.ts. */
export const Vehicle = entityReference('Vehicle');
export type Vehicle = InstanceType<typeof Vehicle>;

/**
 * An entry of the border-crossing restriction list as the owner stores it (6.7, 4.2).
 * Not served as is: every entry goes out through `entryAsSeenBy`, which masks it for
 * restricted callers of other bodies.
 */
@Entity({ name: 'restriction_entry' })
export class RestrictionRecord {
  @PrimaryColumn({ type: 'text' })
  entryNumber!: string;

  /** Clause of 6.7.1, e.g. "6.7.1.10". */
  @Column({ type: 'text' })
  category!: string;

  @Column({ type: 'text' })
  subject!: RestrictionSubject;

  @Index()
  @Column({ type: 'char', length: 7, nullable: true })
  fin!: string | null;

  @Index()
  @Column({ type: 'text', nullable: true })
  documentNumber!: string | null;

  @Index()
  @Column({ type: 'text', nullable: true })
  vehicleRegistrationNumber!: string | null;

  @Column({ type: 'text', nullable: true })
  fullName!: string | null;

  @Column({ type: 'date', nullable: true })
  birthDate!: string | null;

  @Column({ type: 'text' })
  initiatingAgency!: string;

  @Column({ type: 'text' })
  basis!: string;

  /** 6.7.1: the active status changes when the grounds of the restriction end. */
  @Column({ type: 'boolean' })
  active!: boolean;

  @Column({ type: 'timestamptz' })
  statusChangedAt!: Date;

  @Column({ type: 'text' })
  statusReason!: string;

  @Column({ type: 'date', nullable: true })
  validUntil!: string | null;

  /** 4.2: who entered the entry and who approved it. */
  @Column({ type: 'text' })
  enteredBy!: string;

  @Column({ type: 'text' })
  approvedBy!: string;

  @Column({ type: 'timestamptz' })
  enteredAt!: Date;
}

@ObjectType({ description: 'A category of the restriction list, İAMAS rules 6.7.1.1–6.7.1.14.' })
export class RestrictionCategory {
  @Field({ description: 'The clause, e.g. "6.7.1.10".' })
  code!: string;

  @Field()
  label!: string;
}

@ObjectType({
  description:
    'An entry of the border-crossing restriction list (6.7). For a restricted caller, entries another body initiated are masked: ' +
    'only subject, active and initiatingAgency (whom to contact) are given, every other field is null and masked is true.',
})
export class RestrictionEntry {
  @Field(() => String, { nullable: true, description: 'Entry number in the restriction subsystem (4.2).' })
  entryNumber!: string | null;

  @Field(() => RestrictionCategory, { nullable: true })
  category!: RestrictionCategory | null;

  @Field(() => RestrictionSubject)
  subject!: RestrictionSubject;

  @Field(() => ID, { nullable: true, description: 'FİN of the restricted person.' })
  fin!: string | null;

  @Field(() => String, { nullable: true, description: 'Number of the restricted document (6.7.1.13), or the passport of a restricted foreigner.' })
  documentNumber!: string | null;

  @Field(() => String, { nullable: true, description: 'Registration number of the wanted vehicle (6.7.1.14).' })
  vehicleRegistrationNumber!: string | null;

  @Field(() => String, { nullable: true })
  fullName!: string | null;

  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD' })
  birthDate!: string | null;

  @Field({ description: 'The body that initiated the restriction: whom to contact about a hit (4.3.3.2).' })
  initiatingAgency!: string;

  @Field(() => String, { nullable: true, description: 'Legal basis: the decision the entry rests on.' })
  basis!: string | null;

  @Field({ description: 'Active status (6.7.1).' })
  active!: boolean;

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When the active status last changed.' })
  statusChangedAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'Reason of the last change of the active status.' })
  statusReason!: string | null;

  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD' })
  validUntil!: string | null;

  @Field(() => String, { nullable: true, description: 'Who entered the entry (4.2).' })
  enteredBy!: string | null;

  @Field(() => String, { nullable: true, description: 'Who approved the entry (4.2).' })
  approvedBy!: string | null;

  @Field(() => GraphQLISODateTime, { nullable: true })
  enteredAt!: Date | null;

  @Field({ description: "True when the fields above are null because the entry is not the caller's own body's." })
  masked!: boolean;
}

@ObjectType({ description: 'Real-time check against the restriction list (R12, 4.3.2): is the subject on it, and whom to contact.' })
export class RestrictionCheck {
  @Field({ description: 'True when at least one ACTIVE entry matches.' })
  hit!: boolean;

  @Field(() => [String], { description: 'Initiating bodies of the active entries, whom to contact about a hit (4.3.3.2).' })
  contactAgencies!: string[];

  @Field(() => GraphQLISODateTime)
  checkedAt!: Date;
}

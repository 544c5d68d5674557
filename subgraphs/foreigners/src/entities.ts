import { entityReference } from '@hub/kit';
import { Directive, Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export enum ForeignerSex {
  MALE = 'MALE',
  FEMALE = 'FEMALE',
}
export enum PermitKind {
  VISA = 'VISA',
  TEMPORARY_RESIDENCE = 'TEMPORARY_RESIDENCE',
  PERMANENT_RESIDENCE = 'PERMANENT_RESIDENCE',
  WORK_PERMIT = 'WORK_PERMIT',
  STAY_EXTENSION = 'STAY_EXTENSION',
  REFUGEE_STATUS = 'REFUGEE_STATUS',
}

/** Residence permits are issued as residence cards: the documents a foreigner can be found by. */
export const RESIDENCE_CARD_KINDS = [PermitKind.TEMPORARY_RESIDENCE, PermitKind.PERMANENT_RESIDENCE];

registerEnumType(ForeignerSex, { name: 'ForeignerSex' });
registerEnumType(PermitKind, {
  name: 'ForeignerPermitKind',
  description: 'Visas and documents issued to foreigners (6.5.1.5, 6.5.2.4, 6.5.2.5).',
  valuesConfig: {
    TEMPORARY_RESIDENCE: { description: 'Temporary residence permit (residence card).' },
    PERMANENT_RESIDENCE: { description: 'Permanent residence permit (residence card).' },
    STAY_EXTENSION: { description: 'Extension of the period of temporary stay.' },
    REFUGEE_STATUS: { description: 'Refugee (asylum seeker) status.' },
  },
});

/** The Person entity, by its key; this subgraph adds its own fields in resolvers.ts. */
export const Person = entityReference('Person');
export type Person = InstanceType<typeof Person>;

/** The Document entity, by its key; this subgraph adds its own fields in resolvers.ts. */
export const DocumentReference = entityReference('Document');
export type DocumentReference = InstanceType<typeof DocumentReference>;

@ObjectType('ForeignerPassport', { description: 'Main-page data of the passport or other border-crossing document (6.5.1.2).' })
export class ForeignerPassport {
  @Field()
  number!: string;

  @Field({ description: 'Issuing country, ISO 3166-1 alpha-3.' })
  issuingCountry!: string;

  @Field({ description: 'YYYY-MM-DD' })
  expiresAt!: string;
}

@Directive('@key(fields: "systemNumber")')
@ObjectType({ description: 'A foreigner or stateless person (İAMAS 6.5).' })
@Entity({ name: 'foreigner' })
export class Foreigner {
  @Field(() => ID, { description: 'Internal (system) identification number (6.5.2.1).' })
  @PrimaryColumn({ type: 'char', length: 10 })
  systemNumber!: string;

  @Field(() => ID, { nullable: true, description: 'FİN from the State Population Register, where one was assigned (6.5.2.1).' })
  @Index({ unique: true })
  @Column({ type: 'char', length: 7, nullable: true })
  fin!: string | null;

  @Field()
  @Column({ type: 'text' })
  firstName!: string;

  @Field()
  @Column({ type: 'text' })
  lastName!: string;

  @Field(() => ForeignerSex)
  @Column({ type: 'text' })
  sex!: ForeignerSex;

  @Field({ description: 'YYYY-MM-DD' })
  @Column({ type: 'date' })
  birthDate!: string;

  @Field(() => String, { nullable: true, description: 'Citizenship, ISO 3166-1 alpha-3; null for a stateless person.' })
  @Column({ type: 'text', nullable: true })
  nationality!: string | null;

  @Index({ unique: true })
  @Column({ type: 'text' })
  passportNumber!: string;

  @Column({ type: 'text' })
  passportIssuingCountry!: string;

  @Column({ type: 'date' })
  passportExpiresAt!: string;

  @Field(() => String, { nullable: true, description: 'Address of the place-of-stay registration (6.5.3.5); null when not registered.' })
  @Column({ type: 'text', nullable: true })
  stayRegistrationAddress!: string | null;
}

@ObjectType('ForeignerPermit', { description: 'A visa, residence card or other permit, with its active status (6.5.1.5).' })
@Entity({ name: 'permit' })
export class Permit {
  @Field()
  @PrimaryColumn({ type: 'text' })
  number!: string;

  @Index()
  @Column({ type: 'char', length: 10 })
  systemNumber!: string;

  @Field(() => PermitKind)
  @Column({ type: 'text' })
  kind!: PermitKind;

  @Field({ description: 'YYYY-MM-DD' })
  @Column({ type: 'date' })
  issuedAt!: string;

  @Field({ description: 'YYYY-MM-DD' })
  @Column({ type: 'date' })
  validUntil!: string;

  @Field({ description: 'Active status (6.5.1.5).' })
  @Column({ type: 'boolean' })
  active!: boolean;

  @Field({ description: 'Reason of the last change of the active status.' })
  @Column({ type: 'text' })
  statusReason!: string;

  @Field({ description: 'Date of the last change of the active status, YYYY-MM-DD.' })
  @Column({ type: 'date' })
  statusChangedAt!: string;
}

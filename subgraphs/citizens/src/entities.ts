import { ENTITY_DESCRIPTIONS, entityReference } from '@hub/kit';
import { Directive, Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

export enum Sex {
  MALE = 'MALE',
  FEMALE = 'FEMALE',
}
export enum MaritalStatus {
  SINGLE = 'SINGLE',
  MARRIED = 'MARRIED',
  DIVORCED = 'DIVORCED',
  WIDOWED = 'WIDOWED',
}
export enum MilitaryStatus {
  NOT_LIABLE = 'NOT_LIABLE',
  LIABLE = 'LIABLE',
  SERVING = 'SERVING',
  RESERVE = 'RESERVE',
  EXEMPT = 'EXEMPT',
}
export enum DocumentType {
  IDENTITY_CARD = 'IDENTITY_CARD',
  GENERAL_PASSPORT = 'GENERAL_PASSPORT',
  SERVICE_PASSPORT = 'SERVICE_PASSPORT',
  DIPLOMATIC_PASSPORT = 'DIPLOMATIC_PASSPORT',
  SEAMAN_ID = 'SEAMAN_ID',
  RETURN_CERTIFICATE = 'RETURN_CERTIFICATE',
}
export enum RegistrationKind {
  PLACE_OF_STAY = 'PLACE_OF_STAY',
  CONSULAR = 'CONSULAR',
}
export enum FinHolder {
  CITIZEN = 'CITIZEN',
  FOREIGNER = 'FOREIGNER',
}

registerEnumType(Sex, { name: 'Sex' });
registerEnumType(MaritalStatus, { name: 'MaritalStatus' });
registerEnumType(MilitaryStatus, { name: 'MilitaryStatus', description: 'Military-duty status (6.4)' });
registerEnumType(DocumentType, { name: 'CitizenDocumentType', description: 'Documents issued to citizens (6.4)' });
registerEnumType(RegistrationKind, { name: 'RegistrationKind' });

/** The Person entity, by its key; this subgraph adds its own fields in resolvers.ts. */
export const Person = entityReference('Person');
export type Person = InstanceType<typeof Person>;

/** The FİN register: one FİN per person, for citizens and for foreigners (biometric identification programme, Presidential order No 1963 of 2007). */
@Entity({ name: 'fin_register' })
export class FinRegistration {
  @PrimaryColumn({ type: 'char', length: 7 })
  fin!: string;

  @Column({ type: 'text' })
  holder!: FinHolder;
}

@ObjectType({ description: 'A citizen of the Republic of Azerbaijan (İAMAS 6.4).' })
@Entity({ name: 'citizen' })
@Index('citizen_name_search', ['lastNameKey', 'firstNameKey', 'birthDate'])
export class Citizen {
  @Field(() => ID)
  @PrimaryColumn({ type: 'char', length: 7 })
  fin!: string;

  @Field({ description: 'İAMAS internal number of the record (6.4.1).' })
  @Column({ type: 'text', unique: true })
  internalNumber!: string;

  @Field()
  @Column({ type: 'text' })
  firstName!: string;

  @Field()
  @Column({ type: 'text' })
  lastName!: string;

  @Field()
  @Column({ type: 'text' })
  patronymic!: string;

  /** Lower-cased names for the name + date-of-birth search; not served. */
  @Column({ type: 'text' })
  firstNameKey!: string;

  @Column({ type: 'text' })
  lastNameKey!: string;

  @Field(() => Sex)
  @Column({ type: 'text' })
  sex!: Sex;

  @Field({ description: 'YYYY-MM-DD' })
  @Column({ type: 'date' })
  birthDate!: string;

  @Field()
  @Column({ type: 'text' })
  birthPlace!: string;

  @Field(() => MaritalStatus)
  @Column({ type: 'text' })
  maritalStatus!: MaritalStatus;

  @Field({ description: 'Registered address (6.4).' })
  @Column({ type: 'text' })
  address!: string;

  @Field(() => MilitaryStatus)
  @Column({ type: 'text' })
  militaryStatus!: MilitaryStatus;

  /** Parents of minors, by FİN (6.4). */
  @Column({ type: 'char', length: 7, nullable: true })
  fatherFin!: string | null;

  @Column({ type: 'char', length: 7, nullable: true })
  motherFin!: string | null;
}

@Directive('@key(fields: "number")')
@ObjectType('Document', { description: ENTITY_DESCRIPTIONS.Document })
@Entity({ name: 'document' })
export class IssuedDocument {
  @Field(() => ID)
  @PrimaryColumn({ type: 'text' })
  number!: string;

  @Field(() => DocumentType)
  @Column({ type: 'text' })
  type!: DocumentType;

  @Index()
  @Column({ type: 'char', length: 7 })
  holderFin!: string;

  @Field()
  @Column({ type: 'text' })
  issuedBy!: string;

  @Field({ description: 'YYYY-MM-DD' })
  @Column({ type: 'date' })
  issuedAt!: string;

  @Field({ description: 'YYYY-MM-DD' })
  @Column({ type: 'date' })
  expiresAt!: string;

  @Field({ description: 'Active status of the document (6.4).' })
  @Column({ type: 'boolean' })
  active!: boolean;

  @Field({ description: 'Reason of the last change of the active status.' })
  @Column({ type: 'text' })
  statusReason!: string;

  @Field({ description: 'Date of the last change of the active status, YYYY-MM-DD.' })
  @Column({ type: 'date' })
  statusChangedAt!: string;

  @Field({ description: 'Series of the accounting blank it was personalised on (5.7).' })
  @Column({ type: 'text' })
  blankSeries!: string;

  @Field({ description: 'Number of the accounting blank it was personalised on (5.7).' })
  @Column({ type: 'text' })
  blankNumber!: string;
}

@ObjectType({ description: 'Place-of-stay or consular registration (6.4).' })
@Entity({ name: 'registration' })
export class Registration {
  @PrimaryGeneratedColumn('identity', { generatedIdentity: 'ALWAYS' })
  id!: number;

  @Index()
  @Column({ type: 'char', length: 7 })
  fin!: string;

  @Field(() => RegistrationKind)
  @Column({ type: 'text' })
  kind!: RegistrationKind;

  @Field()
  @Column({ type: 'text' })
  place!: string;

  @Field({ description: 'YYYY-MM-DD' })
  @Column({ type: 'date' })
  registeredAt!: string;

  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD' })
  @Column({ type: 'date', nullable: true })
  deregisteredAt!: string | null;
}

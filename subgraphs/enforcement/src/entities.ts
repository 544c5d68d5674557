import { entityReference } from '@hub/kit';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

export enum EnforcementDocumentKind {
  COURT_WRIT = 'COURT_WRIT',
  NOTARY_INSCRIPTION = 'NOTARY_INSCRIPTION',
  TAX_AUTHORITY_DECISION = 'TAX_AUTHORITY_DECISION',
}
export enum EnforcementCaseStatus {
  OPEN = 'OPEN',
  SUSPENDED = 'SUSPENDED',
  COMPLETED = 'COMPLETED',
  TERMINATED = 'TERMINATED',
}

registerEnumType(EnforcementDocumentKind, {
  name: 'EnforcementDocumentKind',
  description:
    "The enforcement document (icra sənədi): a court's writ, a notary's executive inscription or a tax authority's decision (6.1.1, 11.3.10, 11.3.29, 11.3.30).",
});
registerEnumType(EnforcementCaseStatus, { name: 'EnforcementCaseStatus', description: 'State of the enforcement proceedings (6.1.8).' });

/** The Person entity, by its key; this subgraph adds its own fields in resolvers.ts. */
export const Person = entityReference('Person');
export type Person = InstanceType<typeof Person>;

/** An enforcement case as Elektron icra stores it (4.6: documents, parties, state of execution). Served through EnforcementCase. */
@Entity({ name: 'enforcement_case' })
export class EnforcementCaseRecord {
  /** 6.1.2: the single number the system gives each enforcement document. */
  @PrimaryColumn({ type: 'text' })
  caseNumber!: string;

  @Column({ type: 'text' })
  documentKind!: EnforcementDocumentKind;

  @Column({ type: 'text' })
  documentNumber!: string;

  /** The court or notary that issued the document. */
  @Column({ type: 'text' })
  source!: string;

  @Column({ type: 'date' })
  issuedAt!: string;

  @Index()
  @Column({ type: 'char', length: 7 })
  debtorFin!: string;

  @Column({ type: 'text' })
  debtorName!: string;

  @Column({ type: 'text' })
  creditorName!: string;

  /** The hub agency code when the creditor is a state body enforcing its own claim (11.3.10). */
  @Column({ type: 'text', nullable: true })
  creditorAgency!: string | null;

  @Column({ type: 'numeric', precision: 14, scale: 2 })
  amount!: string;

  @Column({ type: 'char', length: 3 })
  currency!: string;

  /** 6.1.3: the enforcement officer the document was assigned to. */
  @Column({ type: 'text' })
  officer!: string;

  @Column({ type: 'text' })
  status!: EnforcementCaseStatus;

  @Column({ type: 'date' })
  openedAt!: string;
}

@ObjectType({ description: 'An enforcement action taken in a case (6.1.4, 6.1.8).' })
@Entity({ name: 'enforcement_action' })
export class EnforcementAction {
  @PrimaryGeneratedColumn('identity', { generatedIdentity: 'ALWAYS' })
  id!: number;

  @Index()
  @Column({ type: 'text' })
  caseNumber!: string;

  @Field()
  @Column({ type: 'text' })
  kind!: string;

  @Field({ description: 'YYYY-MM-DD' })
  @Column({ type: 'date' })
  date!: string;
}

/**
 * An enforcement case as one caller may see it. A restricted caller sees other bodies'
 * cases masked: the fields kept say which case it is, its state and whom to contact.
 */
@ObjectType({ description: 'An enforcement case (Elektron icra). When `masked` is true, the null fields are withheld from the caller, not empty.' })
export class EnforcementCase {
  @Field(() => ID, { description: 'Unique case number (6.1.2), İC-YYYY-NNNNNNN.' })
  caseNumber!: string;

  @Field(() => EnforcementCaseStatus)
  status!: EnforcementCaseStatus;

  @Field({ description: 'The court or notary (or tax authority) that issued the enforcement document.' })
  source!: string;

  @Field({ description: 'The enforcement officer assigned to the case (6.1.3): whom to contact.' })
  officer!: string;

  @Field({ description: 'True when this caller may see only the case number, status, source and officer.' })
  masked!: boolean;

  @Field(() => EnforcementDocumentKind, { nullable: true })
  documentKind!: EnforcementDocumentKind | null;

  @Field(() => String, { nullable: true, description: 'Number of the enforcement document.' })
  documentNumber!: string | null;

  @Field(() => String, { nullable: true, description: 'When the enforcement document was issued, YYYY-MM-DD.' })
  issuedAt!: string | null;

  @Field(() => Person, { nullable: true })
  debtor!: Person | null;

  @Field(() => String, { nullable: true, description: 'Full name of the debtor as written in the enforcement document.' })
  debtorName!: string | null;

  @Field(() => String, { nullable: true })
  creditorName!: string | null;

  @Field(() => String, { nullable: true, description: 'Agency code when the creditor is a state body enforcing its own claim (11.3.10), e.g. MOT.' })
  creditorAgency!: string | null;

  @Field(() => String, { nullable: true, description: 'Amount to be recovered, a decimal string (e.g. 1234.50).' })
  amount!: string | null;

  @Field(() => String, { nullable: true, description: 'ISO 4217 currency code.' })
  currency!: string | null;

  @Field(() => String, { nullable: true, description: 'When the proceedings were opened, YYYY-MM-DD.' })
  openedAt!: string | null;
}

import { entityReference } from '@hub/kit';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export enum AppealKind {
  PROPOSAL = 'PROPOSAL',
  APPLICATION = 'APPLICATION',
  COMPLAINT = 'COMPLAINT',
}
export enum AppealExecutionStatus {
  REGISTERED = 'REGISTERED',
  IN_PROGRESS = 'IN_PROGRESS',
  ANSWERED = 'ANSWERED',
  ARCHIVED = 'ARCHIVED',
}

registerEnumType(AppealKind, { name: 'AppealKind', description: 'Proposal, application or complaint (təklif, ərizə, şikayət; rules 2.0.1).' });
registerEnumType(AppealExecutionStatus, {
  name: 'AppealExecutionStatus',
  description: 'Where the appeal is between registration, execution and archiving (rules 2.0.1).',
});

/** The Person entity, by its key; this subgraph adds its own fields in resolvers.ts. */
export const Person = entityReference('Person');
export type Person = InstanceType<typeof Person>;

@ObjectType({ description: 'A local executive authority that receives appeals; its code is its hub agency code.' })
export class AppealAuthority {
  @Field(() => ID, { description: 'Hub agency code, e.g. LEA-BAKU.' })
  code!: string;

  @Field()
  name!: string;
}

/**
 * One registration-control card. Confidential documents are outside these rules (1.0), so the
 * system holds none and this type has no place for them.
 */
@ObjectType({
  description:
    "A citizen's proposal, application or complaint to a local executive authority, as its registration-control card records it (rules 2.0.1). Confidential documents are never held (1.0).",
})
@Entity({ name: 'appeal' })
export class Appeal {
  @Field(() => ID, { description: 'Number of the registration-control card (qeydiyyat-nəzarət vərəqəsi).' })
  @PrimaryColumn({ type: 'text' })
  registrationNumber!: string;

  @Field(() => AppealKind)
  @Column({ type: 'text' })
  kind!: AppealKind;

  @Index()
  @Column({ type: 'char', length: 7 })
  applicantFin!: string;

  @Field({ description: 'Name of the applicant as registered on the card.' })
  @Column({ type: 'text' })
  applicantName!: string;

  /** Agency code of the receiving authority: the row rule for restricted callers keys on it. */
  @Column({ type: 'text' })
  receivedBy!: string;

  @Column({ type: 'text' })
  receivedByName!: string;

  @Field({ description: 'YYYY-MM-DD' })
  @Column({ type: 'date' })
  receivedAt!: string;

  @Field({ description: 'Short content of the appeal.' })
  @Column({ type: 'text' })
  shortContent!: string;

  @Field({ description: 'Execution due date, YYYY-MM-DD.' })
  @Column({ type: 'date' })
  dueDate!: string;

  @Field(() => AppealExecutionStatus)
  @Column({ type: 'text' })
  executionStatus!: AppealExecutionStatus;

  @Field({ description: 'The official assigned to execute the appeal.' })
  @Column({ type: 'text' })
  executor!: string;

  @Field(() => String, { nullable: true, description: 'The final answer, once given.' })
  @Column({ type: 'text', nullable: true })
  finalAnswer!: string | null;

  @Field(() => String, { nullable: true, description: 'Date of the final answer, YYYY-MM-DD.' })
  @Column({ type: 'date', nullable: true })
  answeredAt!: string | null;
}

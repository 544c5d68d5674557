import { entityReference } from '@hub/kit';
import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** 5.7.1, 6.8.1: where a blank is in its movement from the warehouse to a personalised document. */
export enum BlankState {
  IN_WAREHOUSE = 'IN_WAREHOUSE',
  DISTRIBUTED_TO_UNIT = 'DISTRIBUTED_TO_UNIT',
  ISSUED_TO_SUBSYSTEM = 'ISSUED_TO_SUBSYSTEM',
  PERSONALISED = 'PERSONALISED',
  DEFECTIVE = 'DEFECTIVE',
  DAMAGED = 'DAMAGED',
}
export enum BlankDocumentType {
  IDENTITY_CARD = 'IDENTITY_CARD',
  GENERAL_PASSPORT = 'GENERAL_PASSPORT',
  SERVICE_PASSPORT = 'SERVICE_PASSPORT',
  DIPLOMATIC_PASSPORT = 'DIPLOMATIC_PASSPORT',
  SEAMAN_ID = 'SEAMAN_ID',
  RETURN_CERTIFICATE = 'RETURN_CERTIFICATE',
}

registerEnumType(BlankState, { name: 'BlankState', description: 'State of a document blank (5.7.1, 6.8.1).' });
registerEnumType(BlankDocumentType, { name: 'BlankDocumentType', description: 'The kind of document a blank is for.' });

/** The Document entity, by its key; this subgraph adds its own fields in resolvers.ts. */
export const Document = entityReference('Document');
export type Document = InstanceType<typeof Document>;

@ObjectType({ description: 'A document blank in the central blank accounting (İAMAS rules 5.7, 6.8).' })
@Entity({ name: 'blank' })
export class DocumentBlank {
  @Field()
  @PrimaryColumn({ type: 'text' })
  series!: string;

  @Field()
  @PrimaryColumn({ type: 'text' })
  number!: string;

  @Field(() => BlankDocumentType)
  @Column({ type: 'text' })
  documentType!: BlankDocumentType;

  @Field(() => BlankState)
  @Column({ type: 'text' })
  state!: BlankState;

  @Field({ description: 'Date the blank entered its current state, YYYY-MM-DD.' })
  @Column({ type: 'date' })
  stateChangedAt!: string;

  @Field(() => String, { nullable: true, description: 'The unit holding or having used the blank (5.7.1.2); null while in the warehouse.' })
  @Column({ type: 'text', nullable: true })
  unit!: string | null;

  @Field(() => String, { nullable: true, description: 'Number of the document personalised on the blank (6.8.1.3).' })
  @Index({ unique: true })
  @Column({ type: 'text', nullable: true })
  documentNumber!: string | null;

  @Field(() => String, { nullable: true, description: 'State fee paid for issuing the document, AZN as a decimal string (5.7).' })
  @Column({ type: 'numeric', precision: 10, scale: 2, nullable: true })
  stateFeeAmount!: string | null;

  @Field(() => String, { nullable: true, description: 'Date the state fee was paid, YYYY-MM-DD.' })
  @Column({ type: 'date', nullable: true })
  stateFeePaidAt!: string | null;
}

import { ENTITY_DESCRIPTIONS, entityReference } from '@hub/kit';
import { Directive, Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export enum CrossingDirection {
  ENTRY = 'ENTRY',
  EXIT = 'EXIT',
}
export enum CrossingResult {
  PERMITTED = 'PERMITTED',
  REFUSED = 'REFUSED',
}
export enum CrossingDocumentType {
  GENERAL_PASSPORT = 'GENERAL_PASSPORT',
  SERVICE_PASSPORT = 'SERVICE_PASSPORT',
  DIPLOMATIC_PASSPORT = 'DIPLOMATIC_PASSPORT',
  SEAMAN_ID = 'SEAMAN_ID',
  RETURN_CERTIFICATE = 'RETURN_CERTIFICATE',
  FOREIGN_PASSPORT = 'FOREIGN_PASSPORT',
}
export enum CrossingVehicleType {
  CAR = 'CAR',
  TRUCK = 'TRUCK',
  BUS = 'BUS',
  MOTORCYCLE = 'MOTORCYCLE',
}

registerEnumType(CrossingDirection, { name: 'CrossingDirection' });
registerEnumType(CrossingResult, { name: 'CrossingResult', description: 'Result of border control: crossing permitted or refused (6.6.1.5).' });
registerEnumType(CrossingDocumentType, { name: 'CrossingDocumentType', description: 'The passport or other border-crossing document presented (6.6.1.1).' });
registerEnumType(CrossingVehicleType, { name: 'CrossingVehicleType' });

/** The Person entity, by its key; this subgraph adds its own fields in resolvers.ts. */
export const Person = entityReference('Person');
export type Person = InstanceType<typeof Person>;

/** The Document entity, by its key; this subgraph adds its own fields in resolvers.ts. */
export const DocumentReference = entityReference('Document');
export type DocumentReference = InstanceType<typeof DocumentReference>;

@Directive('@key(fields: "registrationNumber")')
@ObjectType('Vehicle', { description: ENTITY_DESCRIPTIONS.Vehicle })
export class Vehicle {
  @Field(() => ID)
  registrationNumber!: string;

  @Field(() => CrossingVehicleType, { nullable: true, description: 'As recorded at its latest crossing visible to the caller; null when there is none.' })
  type!: CrossingVehicleType | null;

  @Field(() => String, { nullable: true, description: 'As recorded at its latest crossing visible to the caller; null when there is none.' })
  make!: string | null;

  @Field(() => String, { nullable: true, description: 'As recorded at its latest crossing visible to the caller; null when there is none.' })
  model!: string | null;
}

@ObjectType('BorderCrossing', { description: 'One crossing of the state border, recorded at a border-control checkpoint (İAMAS 6.6.1).' })
@Entity({ name: 'crossing' })
@Index('crossing_by_fin', ['fin', 'crossedAt'])
@Index('crossing_by_document', ['documentNumber', 'crossedAt'])
@Index('crossing_by_vehicle', ['vehicleRegistrationNumber', 'crossedAt'])
export class Crossing {
  @PrimaryGeneratedColumn('identity', { generatedIdentity: 'ALWAYS' })
  id!: number;

  @Field(() => ID, { nullable: true, description: 'FİN of the person, where one was assigned.' })
  @Column({ type: 'char', length: 7, nullable: true })
  fin!: string | null;

  @Field({ description: 'Number of the document presented (6.6.1.1).' })
  @Column({ type: 'text' })
  documentNumber!: string;

  @Field(() => CrossingDocumentType)
  @Column({ type: 'text' })
  documentType!: CrossingDocumentType;

  @Field({ description: 'Name as written on the document.' })
  @Column({ type: 'text' })
  nameOnDocument!: string;

  @Field(() => CrossingDirection)
  @Column({ type: 'text' })
  direction!: CrossingDirection;

  /** Served as an ISO 8601 string by the resolver. */
  @Column({ type: 'timestamptz' })
  crossedAt!: Date;

  @Field({ description: 'Border-control checkpoint (6.6.1.4).' })
  @Column({ type: 'text' })
  checkpoint!: string;

  @Field({ description: 'Number of the automated workstation at the checkpoint (6.6.1.4).' })
  @Column({ type: 'text' })
  workstation!: string;

  @Column({ type: 'text', nullable: true })
  vehicleRegistrationNumber!: string | null;

  @Column({ type: 'text', nullable: true })
  vehicleType!: CrossingVehicleType | null;

  @Column({ type: 'text', nullable: true })
  vehicleMake!: string | null;

  @Column({ type: 'text', nullable: true })
  vehicleModel!: string | null;

  @Field(() => CrossingResult)
  @Column({ type: 'text' })
  result!: CrossingResult;

  @Field({ description: 'Service note on the permit or refusal (6.6.1.5).' })
  @Column({ type: 'text' })
  decisionNote!: string;
}

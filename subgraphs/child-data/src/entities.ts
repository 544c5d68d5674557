import { entityReference } from '@hub/kit';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The Person entity, by its key; this subgraph adds its own fields in resolvers.ts. */
export const Person = entityReference('Person');
export type Person = InstanceType<typeof Person>;

/** A child's e-profile as the data bank stores it (4.1, 4.2). Served through ChildProfile. */
@Entity({ name: 'child_profile' })
export class ChildProfileRecord {
  /** 4.1.1: identity from the birth certificate or identity card. */
  @PrimaryColumn({ type: 'char', length: 7 })
  fin!: string;

  @Column({ type: 'text' })
  firstName!: string;

  @Column({ type: 'text' })
  lastName!: string;

  @Column({ type: 'date' })
  birthDate!: string;

  /** 4.1.3, 4.1.4: the parents by FİN. */
  @Column({ type: 'char', length: 7, nullable: true })
  fatherFin!: string | null;

  @Column({ type: 'char', length: 7, nullable: true })
  motherFin!: string | null;

  /** 4.1.9: guardianship or custody. */
  @Column({ type: 'char', length: 7, nullable: true })
  guardianFin!: string | null;

  /** 4.1.10, 4.1.11, 4.2.1: education. */
  @Column({ type: 'text', nullable: true })
  school!: string | null;

  @Column({ type: 'smallint', nullable: true })
  grade!: number | null;

  /** 4.1.12, 4.1.13: health, sensitive. */
  @Column({ type: 'text', nullable: true })
  disabilityGroup!: string | null;

  @Column({ type: 'text', array: true })
  chronicConditions!: string[];

  @Column({ type: 'boolean' })
  vaccinationsComplete!: boolean;

  /** 4.1.14 – 4.1.17: pensions, benefits, targeted social assistance and social services. */
  @Column({ type: 'text', array: true })
  socialBenefits!: string[];

  /** 4.1.21 – 4.1.23: offences by and against the child. */
  @Column({ type: 'smallint' })
  offencesByChild!: number;

  @Column({ type: 'smallint' })
  offencesAgainstChild!: number;

  /** 1.8: archived when the child turns 18. */
  @Column({ type: 'boolean' })
  archived!: boolean;

  @Column({ type: 'date', nullable: true })
  archivedAt!: string | null;
}

@ObjectType({ description: 'Guardianship or custody of the child (4.1.9).' })
class ChildGuardianship {
  @Field(() => Person, { nullable: true, description: 'The guardian or custodian, if the child has one.' })
  guardian!: Person | null;
}

@ObjectType({ description: 'Education of the child (4.1.10, 4.1.11, 4.2.1).' })
class ChildEducation {
  @Field(() => String, { nullable: true, description: 'The general education school, if the child attends one.' })
  school!: string | null;

  @Field(() => Int, { nullable: true })
  grade!: number | null;
}

@ObjectType({ description: 'Health of the child (4.1.12, 4.1.13). Sensitive: only MOH and TABIB among participants.' })
class ChildHealth {
  @Field(() => String, { nullable: true, description: 'Disability group (I, II, III), if any.' })
  disabilityGroup!: string | null;

  @Field(() => [String])
  chronicConditions!: string[];

  @Field()
  vaccinationsComplete!: boolean;
}

@ObjectType({ description: 'Social benefits and services assigned to the child (4.1.14 – 4.1.17).' })
class ChildSocialBenefits {
  @Field(() => [String])
  benefits!: string[];
}

@ObjectType({ description: 'Offences by and against the child (4.1.21 – 4.1.23), counted.' })
class ChildOffences {
  @Field(() => Int)
  byChild!: number;

  @Field(() => Int)
  againstChild!: number;
}

/**
 * A child's e-profile as one caller may see it: identity and parents always, each other
 * section only for the bodies that may see it; a withheld section is null and named in
 * `maskedSections`.
 */
@ObjectType({
  description: "A child's e-profile in the child data bank (rules 4.1, 4.2). Null sections listed in `maskedSections` are withheld from the caller, not empty.",
})
export class ChildProfile {
  @Field(() => ID)
  fin!: string;

  @Field(() => Person)
  person!: Person;

  @Field()
  firstName!: string;

  @Field()
  lastName!: string;

  @Field({ description: 'YYYY-MM-DD' })
  birthDate!: string;

  @Field(() => Person, { nullable: true, description: 'Father, by FİN (4.1.3).' })
  father!: Person | null;

  @Field(() => Person, { nullable: true, description: 'Mother, by FİN (4.1.4).' })
  mother!: Person | null;

  @Field(() => ChildGuardianship, { nullable: true })
  guardianship!: ChildGuardianship | null;

  @Field(() => ChildEducation, { nullable: true })
  education!: ChildEducation | null;

  @Field(() => ChildHealth, { nullable: true })
  health!: ChildHealth | null;

  @Field(() => ChildSocialBenefits, { nullable: true })
  socialBenefits!: ChildSocialBenefits | null;

  @Field(() => ChildOffences, { nullable: true })
  offences!: ChildOffences | null;

  @Field({ description: 'True once the child has turned 18 (1.8).' })
  archived!: boolean;

  @Field(() => String, { nullable: true, description: 'When the profile was archived, YYYY-MM-DD.' })
  archivedAt!: string | null;

  @Field(() => [String], { description: 'Names of the section fields withheld from this caller (e.g. "health").' })
  maskedSections!: string[];
}

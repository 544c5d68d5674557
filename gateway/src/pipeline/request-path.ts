import type { Logger } from 'pino';
import type { AccessPolicy } from '../policy/access';
import type { IdentityVerifier } from '../identity/verifier';
import type { AuditJournal } from '../journal/writer';
import type { LimitsPolicy } from '../policy/limits';
import type { GatewayMetrics } from '../monitoring/metrics';
import type { Policies } from '../policy/policies';
import type { OperationRegistry } from '../policy/operation-registry';
import type { Quotas } from '../policy/quotas';
import type { RegistrationNumbers } from '../journal/registration';
import type { ResourceMap } from '../policy/resource-map';
import type { SubjectKeys } from '../subjects/keys';
import type { ConsentStore } from '../subjects/consents';
import { useConsent } from '../stages/consent';
import { Pipeline, type FaultReporter } from './stage';
import { useAccess } from '../stages/access';
import { useAddressLimit } from '../stages/address-limit';
import { useAdmission, type AdmissionLimits } from '../stages/admission';
import { useErrorHygiene } from '../stages/errors';
import { useFailurePaths } from '../stages/failure-paths';
import { useHttpPost } from '../stages/http';
import { useIdentity } from '../stages/identity';
import { useIntrospection } from '../stages/introspection';
import { useJournal } from '../stages/journal';
import { useLimits } from '../stages/limits';
import { useMonitoring } from '../stages/monitoring';
import { usePurpose } from '../stages/purpose';
import { useQuotas } from '../stages/quotas';
import { useReadOnly } from '../stages/read-only';
import { useRecords } from '../stages/records';
import { useRegistration } from '../stages/registration';
import { useShutdown } from '../stages/shutdown';
import { useSubjects } from '../stages/subjects';
import { useTrustedOperations } from '../stages/trusted-operations';

export interface PipelineDeps {
  policies: Policies;
  identity: IdentityVerifier;
  map: ResourceMap;
  access: AccessPolicy;
  limits: LimitsPolicy;
  operations: OperationRegistry;
  quotas: Quotas;
  journal: AuditJournal;
  metrics: GatewayMetrics;
  registrations: RegistrationNumbers;
  logger: Logger;
  production: boolean;
  admission: AdmissionLimits;
  /** Names the persons each request concerned in the journal (R4); null only to measure its cost (bench). */
  subjectKeys: SubjectKeys | null;
  /** Consents to consent-based purposes (R5); checked only where subjects are named. */
  consents: ConsentStore;
}

/**
 * The gateway's request path, outer to inner. Forward hooks run top to bottom; `onResult`
 * runs bottom to top, so the journal records the answer every inner stage has shaped, and
 * the registration number and the metrics see the journal's verdict. Where order matters a
 * stage says so (`after`), and the pipeline refuses to start otherwise.
 */
export function hubPipelines(d: PipelineDeps, reportFault: FaultReporter) {
  const monitoring = useMonitoring(d.metrics, d.logger); // metrics and the log line: the answer as sent
  const registration = useRegistration(d.registrations); // R6: a number in every answer and subgraph call
  const journal = useJournal(d.journal, d.metrics); // R9: what the caller saw, durable before it leaves
  const shutdown = useShutdown(); // R14: a stop cuts what is left, answered and journaled as such
  const admission = useAdmission(d.admission); // R14: a saturated replica sheds load at once
  const addressLimit = useAddressLimit(d.quotas, d.identity); // hostile traffic refused before its token is read
  const identity = useIdentity(d.identity); // R13: a verified token of a known body
  const graphql = new Pipeline(
    [
      monitoring,
      registration,
      journal,
      shutdown,
      admission,
      useHttpPost(), // POST and JSON only: nothing of a query in a URL
      addressLimit,
      identity,
      usePurpose(d.policies), // why the request is made (X-Purpose, X-Case-Number)
      useErrorHygiene(d.policies, d.production), // no foreign locations, no schema hints
      useQuotas(d.quotas), // R7: requests and records per agency and caller, key walking
      useTrustedOperations(d.policies, d.operations), // R7: systems run the operations registered for their body
      useLimits(d.map.schema, d.limits), // R7: tokens, depth, aliases, directives, page size, cost
      useReadOnly(), // R1: queries only
      useAccess(d.policies, d.access), // R8: cut what the caller's body may not read
      useIntrospection(d.policies, d.production), // the schema only to those who may read it
      useRecords(d.map), // what was read, and how many records came back
      useFailurePaths(d.map), // a failed subgraph's error on the paths it cost
      ...(d.subjectKeys
        ? [
            useSubjects(d.map.schema, d.subjectKeys, d.policies), // R4: whom it concerned, as keyed hashes
            useConsent(d.map.schema, d.policies, d.consents, d.subjectKeys), // R5: only those who consented, under a consent purpose
          ]
        : []),
    ],
    reportFault,
  );
  // Officers' sign-in and sign-out (6.9.1.4): verified and journaled like every request.
  const session = new Pipeline([monitoring, registration, journal, shutdown, admission, addressLimit, identity], reportFault);
  return { graphql, session, shutdown, admission };
}

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
import { Pipeline, type FaultReporter, type HubResult, type Steps } from './stage';
import { DocumentCache, type Caches } from './document-cache';
import { readJsonBody, type BodyLimits } from '../http/body';
import { readRequestBody } from '../http/graphql-request';
import { consentSteps } from '../http/consent-route';
import { useAccess } from '../stages/access';
import { useAddressLimit } from '../stages/address-limit';
import { useAdmission, type AdmissionLimits } from '../stages/admission';
import { useErrorHygiene } from '../stages/errors';
import { useFailurePaths } from '../stages/failure-paths';
import { useHttp } from '../stages/http';
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
import { CallerVerifier } from '../identity/callers';
import type { RelyingParty } from '../sign-in/relying-party';

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
  /** How long a request body may take to arrive (http/body.ts). */
  bodyTimeoutMs: number;
  /** The request path's caches (document-cache.ts), counted in the metrics. */
  caches: Caches;
  /** People's sign-in (sign-in/relying-party.ts); null when no provider is configured and discovered. */
  signIn: RelyingParty | null;
}

/** The last step of a GraphQL request: Apollo's gateway (upstream/apollo.ts), or a test's fake. */
export type Executor = Steps['execute'];

/**
 * The gateway's request path, outer to inner. Forward hooks run top to bottom; `onResult`
 * runs bottom to top, so the journal records the answer every inner stage has shaped, and
 * the registration number and the metrics see the journal's verdict. Where order matters a
 * stage says so (`after`), and the pipeline refuses to start otherwise.
 */
export function hubPipelines(d: PipelineDeps, execute: Executor, reportFault: FaultReporter) {
  const monitoring = useMonitoring(d.metrics, d.logger); // metrics and the log line: the answer as sent
  const registration = useRegistration(d.registrations); // R6: a number in every answer and subgraph call
  const journal = useJournal(d.journal, d.metrics); // R9: what the caller saw, durable before it leaves
  const shutdown = useShutdown(); // R14: a stop cuts what is left, answered and journaled as such
  const admission = useAdmission(d.admission); // R14: a saturated replica sheds load at once
  const addressLimit = useAddressLimit(d.quotas, d.identity); // hostile traffic refused before its token is read
  const identity = useIdentity(new CallerVerifier(d.identity, d.signIn?.sessions ?? null)); // R13: a verified token of a known body, or a person's session
  const documents = new DocumentCache(d.caches);
  const body: BodyLimits = { maxBytes: d.limits.requestBodyBytes, timeoutMs: d.bodyTimeoutMs };
  const graphql = new Pipeline(
    [
      monitoring,
      registration,
      journal,
      shutdown,
      admission,
      // POST and JSON only: nothing of a query in a URL
      useHttp({ methods: ['POST'], json: true, why: ' with a JSON body: a query in a URL ends up in access logs' }),
      addressLimit,
      identity,
      usePurpose(d.policies), // why the request is made (X-Purpose, X-Case-Number)
      useErrorHygiene(d.policies, d.production), // no foreign locations, no schema hints
      useQuotas(d.quotas), // R7: requests and records per agency and caller, key walking
      useTrustedOperations(d.policies, d.operations), // R7: systems run the operations registered for their body
      useLimits(d.map.schema, d.limits, d.caches), // R7: tokens, depth, aliases, directives, page size, cost
      useReadOnly(), // R1: queries only
      useAccess(d.policies, d.access, d.caches), // R8: cut what the caller's body may not read
      useIntrospection(d.map.schema, d.policies, d.production, d.caches), // the schema only to those who may read it
      useRecords(d.map, d.caches), // what was read, and how many records came back
      useFailurePaths(d.map), // a failed subgraph's error on the paths it cost
      ...(d.subjectKeys
        ? [
            useSubjects(d.map.schema, d.subjectKeys, d.policies, d.caches), // R4: whom it concerned, as keyed hashes
            useConsent(d.map.schema, d.policies, d.consents, d.subjectKeys), // R5: only those who consented, under a consent purpose
          ]
        : []),
    ],
    {
      readBody: async (hub) => readRequestBody(await readJsonBody(hub.http, body)),
      select: (_hub, request) => documents.select(request),
      execute,
    },
    reportFault,
  );
  // Registered operations, decided into the stages' own caches before traffic.
  for (const operation of d.operations.operations) {
    documents.keep(operation.source, operation.document);
    graphql.warm(operation);
  }
  // The other routes that read anything: verified, admitted, address-limited and journaled like a query.
  const outer = (http: Parameters<typeof useHttp>[0], steps: Steps) =>
    new Pipeline([monitoring, registration, journal, shutdown, admission, useHttp(http), addressLimit, identity], steps, reportFault);
  const done = async (): Promise<HubResult> => ({ status: 200, headers: {}, body: {}, refusal: null });
  // Sign-in's own routes: the callback and the provider's back-channel logout carry no caller yet.
  const anonymous = (http: Parameters<typeof useHttp>[0], steps: Steps) =>
    new Pipeline([monitoring, registration, journal, shutdown, admission, useHttp(http), addressLimit], steps, reportFault);
  const { signIn } = d;
  return {
    auth: signIn
      ? {
          callback: anonymous({ methods: ['GET'] }, { execute: (hub) => signIn.callback(hub) }),
          signOut: outer({ methods: ['POST'] }, { execute: (hub) => signIn.signOut(hub) }),
          backchannelLogout: anonymous(
            { methods: ['POST'] },
            { execute: (hub) => signIn.backchannelLogout(hub, { maxBytes: LOGOUT_BODY_BYTES, timeoutMs: d.bodyTimeoutMs }) },
          ),
        }
      : null,
    graphql,
    // Officers' sign-in and sign-out (6.9.1.4): nothing in the body is needed.
    session: outer({ methods: ['POST'] }, { execute: done }),
    // A body's registered operations, for the playground's examples; other bodies' stay unseen.
    operations: outer(
      { methods: ['GET'] },
      {
        execute: async (hub) => ({
          status: 200,
          headers: {},
          body: {
            data: {
              operations: d.operations.ofAgency(hub.identity?.agency ?? '').map((o) => ({
                name: o.name,
                id: o.id,
                query: o.source,
                variables: (o.operation.variableDefinitions ?? []).map((v) => v.variable.name.value),
              })),
            },
          },
          refusal: null,
        }),
      },
    ),
    // A citizen's own consents (R5), when subjects are named at all.
    consents: d.subjectKeys
      ? outer(
          { methods: ['GET', 'POST', 'DELETE'] },
          consentSteps(d.consents, d.subjectKeys, d.policies, { maxBytes: CONSENT_BODY_BYTES, timeoutMs: d.bodyTimeoutMs }),
        )
      : null,
    shutdown,
    admission,
  };
}

/** A logout token is a signed JWT of a few hundred bytes. */
const LOGOUT_BODY_BYTES = 16_384;
/** A consent is an agency and a purpose: a few hundred bytes. */
const CONSENT_BODY_BYTES = 4_096;

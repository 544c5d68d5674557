/**
 * The child's side of startWaiting (processes.ts): `npm start` starts the subgraph host and the
 * gateway while the embedded PostgreSQL comes up, so they load their modules meanwhile, and
 * hands over the rest of their environment (the database's URL) once it answers. A process
 * started by anyone else (no IPC channel) has its whole environment already.
 */
export interface Handover {
  env: Record<string, string>;
  /** A readiness URL the child waits for before it goes on (the gateway: the audit subgraph's, whose migrations make the journal's schema). */
  after?: string;
}

/** How often the child asks `after`: its own event loop is idle, unlike the launcher's, which runs the embedded database. */
const POLL_MS = 50;

// The listener is in place as soon as this module loads: a message that came before it would be lost.
const handedOver: Promise<Handover> = !process.send
  ? Promise.resolve({ env: {} })
  : new Promise((resolve, reject) => {
      const gone = () => reject(new Error('the launcher went away before it handed over the environment'));
      process.once('disconnect', gone);
      process.once('message', (handover: Handover) => {
        process.off('disconnect', gone);
        // Nothing more comes this way; an open channel would keep the process from ending on its own.
        process.disconnect();
        resolve(handover);
      });
    });
// Whoever waits for it sees the failure; until then it must not count as unhandled.
handedOver.catch(() => undefined);

/** The rest of the environment, once the launcher hands it over and what it named is ready. */
export async function environmentFromLauncher(): Promise<Record<string, string>> {
  const { env, after } = await handedOver;
  // Should it never answer, the launcher gives up on the hub and stops this process.
  while (
    after &&
    !(await fetch(after).then(
      (r) => r.ok,
      () => false,
    ))
  )
    await new Promise((r) => setTimeout(r, POLL_MS));
  return env;
}

/** Tells the launcher that something it waits for is done (nothing when no launcher started this process). */
export function tellLauncher(what: string): void {
  process.send?.(what);
}

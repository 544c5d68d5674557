import { OperationTypeNode } from 'graphql';
import { Refusal } from './refusal';
import type { SelectedOperation } from './operation';

/**
 * R1 (İAMAS 5.6.4.1): connected systems are used only to obtain information. Anything but a
 * query is refused here, before a plan exists, so no subgraph is ever called for it.
 */
export function refuseWrites(selected: SelectedOperation): void {
  if (selected.type !== OperationTypeNode.QUERY) {
    throw new Refusal('READ_ONLY', `The hub is read-only (İAMAS rules 5.6.4.1): ${selected.type} operations are refused.`, 403, { operationType: selected.type });
  }
}

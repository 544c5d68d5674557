import { OperationTypeNode } from 'graphql';
import { Refusal } from '../pipeline/refusal';
import type { Stage } from '../pipeline/stage';

/**
 * R1 (İAMAS 5.6.4.1): connected systems are used only to obtain information. Anything but a
 * query is refused before a plan exists, so no subgraph is ever called for it.
 */
export function useReadOnly(): Stage {
  return {
    name: 'read-only',
    onOperation(_hub, operation) {
      if (operation.type !== OperationTypeNode.QUERY) {
        throw new Refusal('READ_ONLY', `The hub is read-only (İAMAS rules 5.6.4.1): ${operation.type} operations are refused.`, 403, {
          operationType: operation.type,
        });
      }
    },
  };
}

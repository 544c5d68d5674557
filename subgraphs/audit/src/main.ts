import { runSubgraphProcess } from '@hub/kit';
import { auditSubgraph } from './index';

void runSubgraphProcess(auditSubgraph, process.env);

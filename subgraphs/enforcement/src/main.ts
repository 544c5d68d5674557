import { runSubgraphProcess } from '@hub/kit';
import { enforcementSubgraph } from './index';

void runSubgraphProcess(enforcementSubgraph, process.env);

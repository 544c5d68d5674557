import { runSubgraphProcess } from '@hub/kit';
import { appealsSubgraph } from './index';

void runSubgraphProcess(appealsSubgraph, process.env);

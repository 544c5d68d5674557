import { runSubgraphProcess } from '@hub/kit';
import { blanksSubgraph } from './index';

void runSubgraphProcess(blanksSubgraph, process.env);

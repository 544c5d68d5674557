import { runSubgraphProcess } from '@hub/kit';
import { citizensSubgraph } from './index';

void runSubgraphProcess(citizensSubgraph, process.env);

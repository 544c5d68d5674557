import { runSubgraphProcess } from '@hub/kit';
import { childDataSubgraph } from './index';

void runSubgraphProcess(childDataSubgraph, process.env);

import { runSubgraphProcess } from '@hub/kit';
import { foreignersSubgraph } from './index';

void runSubgraphProcess(foreignersSubgraph, process.env);

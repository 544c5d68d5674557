import { runSubgraphProcess } from '@hub/kit';
import { restrictionListSubgraph } from './index';

void runSubgraphProcess(restrictionListSubgraph, process.env);

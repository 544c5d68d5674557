import { runSubgraphProcess } from '@hub/kit';
import { borderCrossingsSubgraph } from './index';

void runSubgraphProcess(borderCrossingsSubgraph, process.env);

import { after } from 'node:test';
import { stopSharedTestHub } from '../src/hub';
// Suites that need the whole hub but change nothing of it share one started hub (sharedTestHub),
// each with its own callers. A suite that stops or replaces a part of the hub keeps a file of its own.
import './one-hub/access-matrix';
import './one-hub/assurance';
import './one-hub/auditors';
import './one-hub/citizen-view';
import './one-hub/consent';
import './one-hub/hub';
import './one-hub/limits';
import './one-hub/read-only';
import './one-hub/restricted';
import './one-hub/subjects';
import './one-hub/trusted-operations';

after(stopSharedTestHub);

// Once per topology run (npm run test:redis-topologies), after test/global-setup.ts: a local 3-primary
// Redis Cluster shared by the cluster test files (REDIS_CLUSTER_NODES as inject('clusterNodes')). The
// Sentinel test starts its own set, since it kills a primary.
import type { TestProject } from 'vitest/node';
import { startCluster } from './processes.js';

declare module 'vitest' {
  export interface ProvidedContext {
    clusterNodes: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cluster = await startCluster();
  project.provide('clusterNodes', cluster.nodes);
  return () => cluster.stop();
}

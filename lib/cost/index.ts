// The public face of lib/cost: other domains and apps import from here, never from its files.
export * from './cluster-pricing';
export * from './cost-addon';
export * from './cost-allocation-check';
export * from './cost-report';
export * from './cost-rules';
export * from './karpenter-capacity';
export * from './karpenter';
export * from './price-table';
export * from './rightsizing-recommendations';
export * from './vertical-pod-autoscaler';

export * from './facts';
export * from './infra-app';
export * from './names';
export * from './platform-stack';
export * from './serialize';
export * from './aws/stack';
export * from './azure/stack';
export * from './gcp/stack';

// The public face of lib/hardening: other domains and apps import from here, never from its files.
export * from './admission-policies';
export * from './audit-policy';
export * from './falco-addon';
export * from './falco-rules';
export * from './falco';
export * from './guarded-namespace';
export * from './guardrail-checks';
export * from './guardrails-addon';
export * from './kyverno';
export * from './namespace-security';
export * from './network-isolation';
export * from './platform-network-policies';
export * from './trivy-operator';

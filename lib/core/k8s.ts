/**
 * The Kubernetes kinds (`cdk8s-plus-28`'s generated `k8s` module), loaded with linear converters
 * (./k8s-linear.ts: imported first, so that its loader hook is in place before the module loads).
 * The platform imports the Kubernetes kinds from here.
 */
import './k8s-linear';

export * from 'cdk8s-plus-28/lib/imports/k8s';

import { kubernetesVersionProblems, supportedMinors } from '../../core/versions';
import { preflightStack } from '../preflight';
import { Finding, VerifyCheck } from '../types';

/** Each cluster's Kubernetes minor is in its cloud's standard support on the day verify runs, and in the pinned Istio's range where the mesh runs. */
export const kubernetesVersions: VerifyCheck = {
  name: 'versions/kubernetes',
  description: 'each cluster runs a Kubernetes minor its cloud supports today and the pinned Istio is tested on',
  run(state, ctx) {
    const meshed = state.releases.some((r) => r.chart === 'istiod');
    return kubernetesVersionProblems(state.cluster, ctx.asOf, meshed).map((p): Finding => ({
      check: 'versions/kubernetes',
      environment: state.environment.name,
      cluster: state.cluster.name,
      message: p.message,
      fix: `set kubernetesVersion of ${state.cluster.name} in apps/platform/platform.ts to a supported minor (table: lib/core/versions.ts)`,
      severity: p.severity,
    }));
  },
};

/** The Terraform stack of each cluster passes the preflight (what the cloud API or provider would refuse at apply). */
export const terraformPreflight: VerifyCheck = {
  name: 'terraform/preflight',
  description: 'the Terraform stack of each cluster passes the preflight (supported versions, provider rules the plan does not catch)',
  run(state, ctx) {
    const stack = `terraform/${state.environment.name}-${state.cluster.cloud}/cdk.tf.json`;
    const json = ctx.terraform.get(stack);
    if (!json || state.cluster.cloud === 'edge') return [];
    const supported = { aws: supportedMinors('aws'), azure: supportedMinors('azure'), gcp: supportedMinors('gcp') };
    return preflightStack(stack, json as object, { supportedKubernetesVersions: supported }).map((f) => ({
      check: 'terraform/preflight',
      environment: state.environment.name,
      cluster: state.cluster.name,
      file: stack,
      object: f.address,
      message: f.message,
      fix: 'change the stack in lib/infra/ (or the cluster in apps/platform/platform.ts)',
    }));
  },
};

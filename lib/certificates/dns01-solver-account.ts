import { Construct } from 'constructs';
import { KubeRole, KubeRoleBinding, KubeServiceAccount } from '../core/k8s';
import { DNS01_SOLVER } from '../core/traffic-failover';

export interface Dns01SolverAccountProps {
  /** The role the token is exchanged for (shown on the ServiceAccount for reviewers; the ClusterIssuer names it). */
  readonly roleArn: string;
}

/**
 * The ServiceAccount whose token cert-manager exchanges for the DNS-01 role (`auth.kubernetes.
 * serviceAccountRef` of the Route 53 solver), and the one permission that takes: cert-manager's
 * controller may request tokens for that ServiceAccount only (cert-manager's Route 53 documentation,
 * "Referencing your own ServiceAccount"). No pod runs as it, and nothing mounts its token.
 */
export class Dns01SolverAccount extends Construct {
  constructor(scope: Construct, id: string, props: Dns01SolverAccountProps) {
    super(scope, id);
    const { namespace, serviceAccount, controllerServiceAccount } = DNS01_SOLVER;
    new KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name: serviceAccount, namespace, annotations: { 'ceres.io/aws-role-arn': props.roleArn } },
      automountServiceAccountToken: false,
    });
    const name = `${controllerServiceAccount}-${serviceAccount}-tokenrequest`;
    new KubeRole(this, 'TokenRequest', {
      metadata: { name, namespace },
      rules: [{ apiGroups: [''], resources: ['serviceaccounts/token'], resourceNames: [serviceAccount], verbs: ['create'] }],
    });
    new KubeRoleBinding(this, 'TokenRequestBinding', {
      metadata: { name, namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name: controllerServiceAccount, namespace }],
    });
  }
}

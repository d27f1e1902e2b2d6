import { KubeManifest } from '../../lib/core/checks';
import {
  endpointFindings,
  externalSecretFindings,
  grantsOf,
  helmFullname,
  identityChecks,
  objectStoreFindings,
  parseDestinationPath,
  parseStack,
  releaseServiceAccount,
  serviceAccountFindings,
} from '../../lib/verify/checks/identity';
import {
  AWS_STACK,
  AZURE_STACK,
  azureFederated,
  cnpgCluster,
  configMap,
  context,
  ENV,
  gcpWorkloadIdentity,
  GCP_STACK,
  irsaRole,
  merge,
  namespace,
  networkPolicy,
  podIdentityRole,
  release,
  roleBucketPolicy,
  s3Bucket,
  scheduledBackup,
  serviceAccount,
  serviceEntry,
  stack,
  state,
} from './flow-fixtures';

const BUCKET = 'ceres-prod-aws-backups-eu-west-1';
const veleroValues = (bucket = BUCKET, extra: object = {}) => ({
  configuration: { backupStorageLocation: [{ name: 'default', provider: 'aws', bucket, prefix: 'velero', config: { region: 'eu-west-1' } }] },
  credentials: { useSecret: false },
  ...extra,
});

describe('reading Terraform and chart values', () => {
  test('grants of every mechanism, references left unresolved', () => {
    const aws = parseStack(AWS_STACK, stack(merge(podIdentityRole('velero', 'velero', 'velero-server'), irsaRole('dns', 'external-dns', 'external-dns'))));
    expect(grantsOf(aws).map((g) => [g.mechanism, g.namespace, g.serviceAccount, g.identity?.address])).toEqual([
      ['eks-pod-identity', 'velero', 'velero-server', 'aws_iam_role.velero-role'],
      ['irsa', 'external-dns', 'external-dns', 'aws_iam_role.dns-role'],
    ]);
    const gcp = parseStack(GCP_STACK, stack(gcpWorkloadIdentity('velero', 'velero', 'velero-server'), 'europe-west1', 'google'));
    expect(grantsOf(gcp).map((g) => [g.mechanism, g.namespace, g.serviceAccount, g.identity?.address])).toEqual([
      ['gke-workload-identity', 'velero', 'velero-server', 'google_service_account.velero'],
    ]);
    const azure = parseStack(AZURE_STACK, stack(azureFederated('velero', 'velero', 'velero-server'), 'westeurope', 'azurerm'));
    expect(grantsOf(azure).map((g) => [g.mechanism, g.identity?.address])).toEqual([['azure-federated', 'azurerm_user_assigned_identity.velero']]);
  });

  test("ServiceAccounts of releases not rendered: the chart's default names", () => {
    expect(helmFullname({ chart: 'velero', releaseName: 'velero', values: {} })).toBe('velero');
    expect(helmFullname({ chart: 'velero', releaseName: 'backup', values: {} })).toBe('backup-velero');
    expect(releaseServiceAccount(release('velero', 'velero', {}))?.name).toBe('velero-server');
    expect(releaseServiceAccount(release('velero', 'velero', { serviceAccount: { server: { name: 'velero' } } }))?.name).toBe('velero');
    expect(releaseServiceAccount(release('velero', 'velero', { serviceAccount: { server: { create: false } } }))).toBeUndefined();
    expect(releaseServiceAccount(release('karpenter', 'kube-system', { serviceAccount: { name: 'karpenter' } }))?.name).toBe('karpenter');
    expect(releaseServiceAccount(release('some-chart', 'x', {}))).toBeUndefined();
    expect(releaseServiceAccount(release('some-chart', 'x', { serviceAccount: { create: true, name: 'worker' } }))?.name).toBe('worker');
  });

  test('Barman destination paths on the three clouds', () => {
    expect(parseDestinationPath('s3://b/cnpg/t')).toEqual({ cloud: 'aws', bucket: 'b', prefix: 'cnpg/t' });
    expect(parseDestinationPath('gs://b/cnpg/t')).toEqual({ cloud: 'gcp', bucket: 'b', prefix: 'cnpg/t' });
    expect(parseDestinationPath('https://acct.blob.core.windows.net/postgres/t')).toEqual({ cloud: 'azure', account: 'acct', bucket: 'postgres', prefix: 't' });
  });
});

describe('identity/service-accounts', () => {
  const velero = release('velero', 'velero', veleroValues());

  test('an EKS Pod Identity association for a ServiceAccount nothing creates', () => {
    const s = state({ objects: [namespace('velero')], releases: [velero] });
    const broken = serviceAccountFindings(s, context([s], { [AWS_STACK]: stack(podIdentityRole('velero', 'velero', 'velero')) }));
    expect(broken).toHaveLength(1);
    expect(broken[0].object).toBe('aws_eks_pod_identity_association.velero-identity');
    expect(broken[0].message).toContain('ServiceAccounts of velero: velero-server');
    expect(broken[0].fix).toContain('velero/velero-server');
    expect(serviceAccountFindings(s, context([s], { [AWS_STACK]: stack(podIdentityRole('velero', 'velero', 'velero-server')) }))).toEqual([]);
  });

  test('an IRSA trust for a ServiceAccount that does not exist, and one without the annotation', () => {
    const roleArn = 'arn:aws:iam::123456789012:role/ceres-prod-aws-dns';
    const tf = { [AWS_STACK]: stack(irsaRole('dns', 'external-dns', 'external-dns')) };
    const missing = state({ objects: [namespace('external-dns')] });
    expect(serviceAccountFindings(missing, context([missing], tf))[0].message).toContain('has no ServiceAccount external-dns/external-dns');
    const unannotated = state({ objects: [namespace('external-dns'), serviceAccount('external-dns', 'external-dns')] });
    const findings = serviceAccountFindings(unannotated, context([unannotated], tf));
    expect(findings).toHaveLength(1);
    expect(findings[0].fix).toContain(roleArn.replace('123456789012', '<account>'));
    const fixed = state({ objects: [namespace('external-dns'), serviceAccount('external-dns', 'external-dns', { 'eks.amazonaws.com/role-arn': roleArn })] });
    expect(serviceAccountFindings(fixed, context([fixed], tf))).toEqual([]);
  });

  test('a ServiceAccount annotation naming a role Terraform does not create', () => {
    const tf = { [AWS_STACK]: stack(irsaRole('dns', 'external-dns', 'external-dns')) };
    const broken = state({
      objects: [serviceAccount('external-dns', 'external-dns', { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/external-dns' })],
    });
    const findings = serviceAccountFindings(broken, context([broken], tf));
    expect(findings.map((f) => f.message).join('\n')).toContain(
      'names role external-dns in eks.amazonaws.com/role-arn, which terraform/prod-aws/cdk.tf.json does not create',
    );
  });

  test('a role-arn annotation on a ServiceAccount bound by Pod Identity (no IRSA trust)', () => {
    const tf = { [AWS_STACK]: stack(podIdentityRole('velero', 'velero', 'velero-server')) };
    const broken = state({
      objects: [serviceAccount('velero', 'velero-server', { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/ceres-prod-aws-velero' })],
    });
    const findings = serviceAccountFindings(broken, context([broken], tf));
    expect(findings).toHaveLength(1);
    expect(findings[0].fix).toContain('drop the eks.amazonaws.com/role-arn annotation');
    const fixed = state({ objects: [serviceAccount('velero', 'velero-server')] });
    expect(serviceAccountFindings(fixed, context([fixed], tf))).toEqual([]);
  });

  test('GKE: the Kubernetes ServiceAccount must name the Google service account', () => {
    const tf = { [GCP_STACK]: stack(gcpWorkloadIdentity('velero', 'velero', 'velero-server'), 'europe-west1', 'google') };
    const unannotated = state({ cloud: 'gcp', objects: [], releases: [release('velero', 'velero', {})] });
    const findings = serviceAccountFindings(unannotated, context([unannotated], tf));
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('has no iam.gke.io/gcp-service-account annotation');
    const annotated = state({
      cloud: 'gcp',
      objects: [],
      releases: [
        release('velero', 'velero', {
          serviceAccount: { server: { annotations: { 'iam.gke.io/gcp-service-account': 'ceres-prod-velero@proj.iam.gserviceaccount.com' } } },
        }),
      ],
    });
    expect(serviceAccountFindings(annotated, context([annotated], tf))).toEqual([]);
  });

  test('Azure: an annotation without a federated credential, and the reverse', () => {
    const none = { [AZURE_STACK]: stack({}, 'westeurope', 'azurerm') };
    const broken = state({
      cloud: 'azure',
      objects: [serviceAccount('velero', 'velero-server', { 'azure.workload.identity/client-id': '00000000-0000-0000-0000-000000000001' })],
    });
    expect(serviceAccountFindings(broken, context([broken], none))[0].message).toContain(
      'federates no identity with system:serviceaccount:velero:velero-server',
    );
    const tf = { [AZURE_STACK]: stack(azureFederated('velero', 'velero', 'velero-server'), 'westeurope', 'azurerm') };
    expect(serviceAccountFindings(broken, context([broken], tf))).toEqual([]);
    const unannotated = state({ cloud: 'azure', objects: [serviceAccount('velero', 'velero-server')] });
    expect(serviceAccountFindings(unannotated, context([unannotated], tf))[0].message).toContain('has no azure.workload.identity/client-id annotation');
  });

  test('Azure: a client id set at bootstrap from a stack output the ServiceAccount names', () => {
    const marked = state({
      cloud: 'azure',
      objects: [serviceAccount('tenant-a', 'external-secrets-reader', { 'ceres.io/azure-client-id-from': 'secret_reader_client_ids.secrets-tenant-a' })],
    });
    const federated = stack(azureFederated('reader', 'tenant-a', 'external-secrets-reader'), 'westeurope', 'azurerm');
    const withOutput = { [AZURE_STACK]: { ...federated, output: { secret_reader_client_ids: { value: { 'secrets-tenant-a': '${x.client_id}' } } } } };
    expect(serviceAccountFindings(marked, context([marked], withOutput))).toEqual([]);
    // The output the annotation names is not in the stack: nothing would set the client id.
    expect(serviceAccountFindings(marked, context([marked], { [AZURE_STACK]: federated }))[0].message).toContain(
      'has no azure.workload.identity/client-id annotation',
    );
  });

  test('a CloudNativePG Cluster creates the ServiceAccount its identity is granted to', () => {
    const tf = { [AWS_STACK]: stack(podIdentityRole('pg', 'tenant-a', 'a-postgres')) };
    const s = state({ objects: [namespace('tenant-a'), cnpgCluster('tenant-a', 'a-postgres', `s3://${BUCKET}/cnpg/tenant-a`)] });
    expect(serviceAccountFindings(s, context([s], tf))).toEqual([]);
  });
});

describe('identity/object-stores', () => {
  const tf = (...extra: Parameters<typeof merge>) => ({
    [AWS_STACK]: stack(
      merge(s3Bucket('backups', BUCKET), podIdentityRole('velero', 'velero', 'velero-server'), roleBucketPolicy('velero', 'backups'), ...extra),
    ),
  });

  test('a BackupStorageLocation bucket Terraform does not create', () => {
    const broken = state({ objects: [namespace('velero')], releases: [release('velero', 'velero', veleroValues('ceres-backups'))] });
    const findings = objectStoreFindings(broken, context([broken], tf()));
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain(`creates no S3 bucket ceres-backups (its buckets: ${BUCKET})`);
    const fixed = state({ objects: [namespace('velero')], releases: [release('velero', 'velero', veleroValues())] });
    expect(objectStoreFindings(fixed, context([fixed], tf()))).toEqual([]);
  });

  test('a BackupStorageLocation object on another cloud, written with workload identity', () => {
    const bsl = {
      apiVersion: 'velero.io/v1',
      kind: 'BackupStorageLocation',
      metadata: { name: 'offsite', namespace: 'velero' },
      spec: { provider: 'gcp', objectStorage: { bucket: 'offsite' } },
    };
    const s = state({ objects: [bsl], releases: [release('velero', 'velero', veleroValues())] });
    const findings = objectStoreFindings(s, context([s], tf()));
    expect(findings.map((f) => f.message).join('\n')).toContain('writes to a gcp store from aws cluster');
  });

  test('the writing identity is not granted the bucket (policy on another prefix)', () => {
    const pg = cnpgCluster('tenant-a', 'a-postgres', `s3://${BUCKET}/cnpg/tenant-a`);
    const broken = state({ objects: [pg] });
    const wrongPrefix = {
      [AWS_STACK]: stack(
        merge(s3Bucket('backups', BUCKET), podIdentityRole('pg', 'tenant-a', 'a-postgres'), roleBucketPolicy('pg', 'backups', 'cnpg/tenant-b')),
      ),
    };
    const findings = objectStoreFindings(broken, context([broken], wrongPrefix));
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain(`do not allow s3:PutObject on arn:aws:s3:::${BUCKET}/cnpg/tenant-a/backup`);
    const right = {
      [AWS_STACK]: stack(
        merge(s3Bucket('backups', BUCKET), podIdentityRole('pg', 'tenant-a', 'a-postgres'), roleBucketPolicy('pg', 'backups', 'cnpg/tenant-a')),
      ),
    };
    expect(objectStoreFindings(broken, context([broken], right))).toEqual([]);
    const unbound = { [AWS_STACK]: stack(s3Bucket('backups', BUCKET)) };
    expect(objectStoreFindings(broken, context([broken], unbound))[0].message).toContain('binds to no cloud identity');
  });

  test('a ScheduledBackup of a Cluster without backup configuration, and a Schedule to an unknown location', () => {
    const schedule = {
      apiVersion: 'velero.io/v1',
      kind: 'Schedule',
      metadata: { name: 'daily', namespace: 'velero' },
      spec: { schedule: '0 2 * * *', template: { storageLocation: 'elsewhere' } },
    };
    const broken = state({
      objects: [cnpgCluster('tenant-a', 'a-postgres', undefined), scheduledBackup('tenant-a', 'daily', 'a-postgres'), schedule],
      releases: [release('velero', 'velero', veleroValues())],
    });
    const findings = objectStoreFindings(broken, context([broken], tf()));
    expect(findings.map((f) => f.object).sort()).toEqual(['Schedule velero/daily', 'ScheduledBackup tenant-a/daily']);
    const fixedSchedule = { ...schedule, spec: { ...schedule.spec, template: { storageLocation: 'default' } } };
    const fixed = state({
      objects: [cnpgCluster('tenant-a', 'a-postgres', undefined), scheduledBackup('tenant-a', 'daily', 'a-postgres', 'volumeSnapshot'), fixedSchedule],
      releases: [release('velero', 'velero', veleroValues())],
    });
    const cluster = fixed.objects[0].manifest;
    (cluster.spec as any).backup = { volumeSnapshot: { className: 'csi' } };
    expect(objectStoreFindings(fixed, context([fixed], tf()))).toEqual([]);
  });
});

describe('identity/endpoints', () => {
  const rds = {
    aws_db_instance: { postgres: { identifier: 'ceres-prod-aws-postgres', db_subnet_group_name: '${aws_db_subnet_group.data.name}' } },
    aws_db_subnet_group: { data: { subnet_ids: ['${aws_subnet.data-a.id}', '${aws_subnet.data-b.id}', '${aws_subnet.data-c.id}'] } },
    aws_subnet: { 'data-a': { cidr_block: '10.30.192.0/21' }, 'data-b': { cidr_block: '10.30.200.0/21' }, 'data-c': { cidr_block: '10.30.208.0/21' } },
  };
  const records = {
    aws_route53_zone: { internal: { name: 'ceres-prod-aws.internal', vpc: [{ vpc_id: '${aws_vpc.vpc.id}' }] } },
    aws_route53_record: {
      postgres: { zone_id: '${aws_route53_zone.internal.zone_id}', name: 'postgres', type: 'CNAME', records: ['${aws_db_instance.postgres.address}'] },
      redis: { zone_id: '${aws_route53_zone.internal.zone_id}', name: 'redis.ceres-prod-aws.internal', type: 'CNAME', records: ['x'] },
    },
  };

  test('the private names lib/core/cloud.ts promises must be records of the stack', () => {
    const s = state({ objects: [] });
    const broken = endpointFindings(s, context([s], { [AWS_STACK]: stack(rds) }));
    expect(broken.map((f) => f.message.split(' for ')[0])).toEqual([
      "lib/core/cloud.ts dataEndpoints gives ceres-prod-aws's clients postgres.ceres-prod-aws.internal",
      "lib/core/cloud.ts dataEndpoints gives ceres-prod-aws's clients redis.ceres-prod-aws.internal",
    ]);
    expect(endpointFindings(s, context([s], { [AWS_STACK]: stack(merge(rds, records)) }))).toEqual([]);
  });

  test('a ServiceEntry or ConfigMap host the stack does not create (another region, another cloud)', () => {
    const tf = { [AWS_STACK]: stack(merge(rds, records)) };
    const broken = state({
      objects: [
        serviceEntry('istio-egress', 'rds', ['*.eu-central-1.rds.amazonaws.com'], [{ number: 5432 }]),
        configMap('ceres', 'db', { DATABASE_HOST: 'ceres-prod-azure-postgres.postgres.database.azure.com' }),
      ],
    });
    const findings = endpointFindings(broken, context([broken], tf));
    expect(findings.map((f) => f.object).sort()).toEqual(['ConfigMap ceres/db', 'ServiceEntry istio-egress/rds']);
    const fixed = state({
      objects: [
        serviceEntry('istio-egress', 'rds', ['*.eu-west-1.rds.amazonaws.com'], [{ number: 5432 }]),
        configMap('ceres', 'db', { DATABASE_HOST: 'postgres.ceres-prod-aws.internal:5432' }),
      ],
    });
    expect(endpointFindings(fixed, context([fixed], tf))).toEqual([]);
  });

  test('egress to data ports outside the data subnets', () => {
    const tf = { [AWS_STACK]: stack(merge(rds, records)) };
    const egress = (cidr: string) =>
      networkPolicy('ceres', 'to-data', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr } }], ports: [{ port: 5432 }] }] });
    const broken = state({ objects: [egress('10.31.64.0/24')] });
    expect(endpointFindings(broken, context([broken], tf))[0].message).toContain('outside the data subnets');
    const wide = state({ objects: [egress('10.30.0.0/16')] });
    expect(endpointFindings(wide, context([wide], tf))[0].message).toContain('wider than the data subnets');
    const fixed = state({ objects: [egress('10.30.192.0/21')] });
    expect(endpointFindings(fixed, context([fixed], tf))).toEqual([]);
  });

  test('the checks are wired with their names; edge sites have no stack and are skipped', () => {
    const edge = state({ cloud: 'edge', objects: [serviceAccount('velero', 'velero-server', { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/x' })] });
    expect(identityChecks.flatMap((c) => c.run(edge, context([edge])))).toEqual([]);
    expect(identityChecks.map((c) => c.name)).toEqual([
      'identity/service-accounts',
      'identity/object-stores',
      'identity/endpoints',
      'identity/external-secrets',
    ]);
  });
});

describe('identity/external-secrets', () => {
  const NS = 'tenant-a';
  const READER = 'external-secrets-reader';
  const ROLE = `ceres-${ENV}-aws-secrets-${NS}`;
  const externalSecret = (store = NS, key = `${NS}--smtp`, ns = NS): KubeManifest => ({
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: { name: 'smtp', namespace: ns },
    spec: { secretStoreRef: { kind: 'ClusterSecretStore', name: store }, target: { name: 'smtp' }, dataFrom: [{ extract: { key } }] },
  });
  const store = (
    provider: object = { aws: { service: 'SecretsManager', region: 'eu-west-1', auth: { jwt: { serviceAccountRef: { name: READER, namespace: NS } } } } },
    namespaces = [NS],
  ): KubeManifest => ({
    apiVersion: 'external-secrets.io/v1',
    kind: 'ClusterSecretStore',
    metadata: { name: NS },
    spec: { conditions: [{ namespaces }], provider },
  });
  const tokenRole: KubeManifest[] = [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'token', namespace: NS },
      rules: [{ apiGroups: [''], resources: ['serviceaccounts/token'], resourceNames: [READER], verbs: ['create'] }],
    } as KubeManifest,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'token', namespace: NS },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'token' },
      subjects: [{ kind: 'ServiceAccount', name: 'external-secrets', namespace: 'external-secrets' }],
    } as KubeManifest,
  ];
  const reader = serviceAccount(NS, READER, { 'eks.amazonaws.com/role-arn': `arn:aws:iam::123456789012:role/${ROLE}` });
  const readPolicy = (prefix: string) => ({
    aws_iam_role_policy: {
      'reader-policy': {
        role: '${aws_iam_role.reader-role.id}',
        policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${prefix}*` },
          ],
        }),
      },
    },
  });
  const tf = (prefix = `${NS}--`) => ({ [AWS_STACK]: stack(merge(irsaRole('reader', NS, READER, ROLE), readPolicy(prefix))) });
  const findings = (objects: KubeManifest[], terraform: Record<string, unknown> = tf()) => {
    const s = state({ objects });
    return externalSecretFindings(s, context([s], terraform)).map((f) => f.message);
  };
  const good = () => [externalSecret(), store(), reader, ...tokenRole];

  test('a tenant reading its own prefix through its own store and reader passes', () => {
    expect(findings(good())).toEqual([]);
  });

  test('each broken link is named', () => {
    expect(findings([externalSecret('shared'), store(), reader, ...tokenRole])[0]).toContain('ClusterSecretStore shared, which');
    expect(findings([externalSecret(), store(undefined, ['tenant-b']), reader, ...tokenRole])[0]).toContain('do not admit namespace tenant-a');
    expect(findings([externalSecret(), store({ azurekv: { vaultUrl: 'https://x.vault.azure.net/' } }), reader, ...tokenRole])[0]).toContain('not aws');
    expect(findings([externalSecret(), store(), ...tokenRole])[0]).toContain(`ServiceAccount ${NS}/${READER}, which`);
    expect(findings([externalSecret(), store(), reader])[0]).toContain('may not create tokens');
    expect(findings(good(), tf('tenant-b--'))[0]).toContain(
      `secretsmanager:GetSecretValue on arn:aws:secretsmanager:eu-west-1:123456789012:secret:${NS}--smtp`,
    );
    expect(findings([externalSecret(undefined, 'tenant-b--smtp'), store(), reader, ...tokenRole])[0]).toContain('tenant-b--smtp');
    expect(findings(good(), {})[0]).toContain('verify context has none');
  });

  test('a store without a ServiceAccount would read as the operator itself: refused', () => {
    expect(findings([externalSecret(), store({ aws: { service: 'SecretsManager', region: 'eu-west-1' } }), ...tokenRole])[0]).toContain(
      'not scoped to one tenant',
    );
  });
});

import { SyncWave } from '../core/argocd';
import { Construct } from 'constructs';
import { EnvironmentOutput, OutputFolder } from '../core/output';
import { DatabaseSpec, TenantSpec } from '../core/input/types';
import { tenantLabels, tenantNames, TenantNames } from '../core/names';
import { GuardedNamespace } from '../hardening/guarded-namespace';

export interface TenantProps {
  /** The validated CeresTenant. */
  readonly spec: TenantSpec;
  /** The tenant's databases (CeresDatabase documents naming its tenantId). @default [] */
  readonly databases?: readonly DatabaseSpec[];
}

/**
 * A tenant of the platform in one environment: its own dist/ folder (one Argo CD Application),
 * expanded from one CeresTenant document into namespace and guardrails.
 */
export class Tenant extends Construct {
  public readonly spec: TenantSpec;
  public readonly names: TenantNames;
  public readonly folder: OutputFolder;

  constructor(output: EnvironmentOutput, props: TenantProps) {
    const names = tenantNames(props.spec.tenantId);
    const folder = output.folder(names.folder, {
      description: `Tenant ${props.spec.displayName} (${props.spec.tenantId}, ${props.spec.subscriptionLevel})`,
      project: names.project,
      labels: tenantLabels(props.spec.tenantId, props.spec.subscriptionLevel),
      stateful: true,
      syncWave: SyncWave.namespaces,
    });
    super(folder, 'Tenant');
    this.spec = props.spec;
    this.names = names;
    this.folder = folder;

    new GuardedNamespace(folder.manifest('namespace'), 'Namespace', {
      name: names.namespace,
      podSecurity: 'restricted',
      meshInjection: true,
      annotations: { 'ceres.io/display-name': props.spec.displayName },
    });
  }
}

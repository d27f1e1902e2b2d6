import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { IstioOperator } from '../../imports/istio-operator-install.istio.io';
import { PlatformNamespaces } from '../core/namespaces';
import { istioOperatorSpec, IstioPlatform } from './istio-values';
import { MeshSettings } from './mesh-config';

export interface IstioInstallDocumentProps {
  /** The environment's resolved mesh settings. */
  readonly mesh: MeshSettings;
  /** metadata.name of the document. @default 'ceres-<environment>' */
  readonly name?: string;
  /** Platform flavour (`k3s` for edge sites, `gke` for GKE). @default none */
  readonly platform?: IstioPlatform;
}

/**
 * The design's `istio-install.yml`: an IstioOperator document for teams that install with
 * `istioctl install -f`, equivalent to the Helm Applications. The in-cluster operator is gone
 * since Istio 1.24, so this document is never applied by Argo CD: it lives in an unsynced folder.
 */
export class IstioInstallDocument extends Construct {
  constructor(scope: Construct, id: string, props: IstioInstallDocumentProps) {
    super(scope, id);
    // The generated IstioOperator class only carries metadata (its CRD schema preserves unknown
    // fields), so the typed spec is attached to a plain ApiObject with the same GVK.
    new ApiObject(this, 'Resource', {
      ...IstioOperator.GVK,
      metadata: { name: props.name ?? `ceres-${props.mesh.environment}`, namespace: PlatformNamespaces.istio },
      spec: istioOperatorSpec(props.mesh, props.platform),
    });
  }
}

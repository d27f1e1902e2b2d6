import { Construct } from 'constructs';
import { AuthorizationPolicy, AuthorizationPolicySpecAction, RequestAuthentication } from '../../imports/istio-security.istio.io';
import { argoAnnotations, SyncWave } from '../core/argocd';
import { realmIssuer, realmJwksUri } from '../core/realm';

/** Issuer and JWKS endpoint of a Keycloak realm. */
export function keycloakRealm(keycloakUrl: string, realm: string): { issuer: string; jwksUri: string } {
  return { issuer: realmIssuer(keycloakUrl, realm), jwksUri: realmJwksUri(keycloakUrl, realm) };
}

export interface JwtRequirementProps {
  /** Base name: the RequestAuthentication is `<name>`, the paired AuthorizationPolicy `<name>-require-jwt`. */
  readonly name: string;
  /** Namespace of the RequestAuthentication and the AuthorizationPolicy. */
  readonly namespace: string;
  /** Keycloak base URL (`https://auth.ceres.io`). */
  readonly keycloakUrl: string;
  /** Keycloak realm whose tokens are accepted. */
  readonly realm: string;
  /** Workloads concerned (`app: api`). @default every workload of the namespace */
  readonly selector?: Readonly<Record<string, string>>;
  /**
   * Principals whose requests must carry a token of the realm: the ingress gateway, i.e. traffic
   * from outside the mesh. Calls between services are governed by their ALLOW policies instead.
   */
  readonly enforcedFor: readonly string[];
  /** Paths that must carry a token. @default every path */
  readonly paths?: readonly string[];
}

/**
 * A RequestAuthentication for a Keycloak realm, always paired with a DENY policy refusing requests
 * without a valid token of that realm. A RequestAuthentication alone only rejects *invalid*
 * tokens: a request with no token at all passes, which is the mistake this construct prevents.
 */
export class JwtRequirement extends Construct {
  public readonly issuer: string;

  constructor(scope: Construct, id: string, props: JwtRequirementProps) {
    super(scope, id);
    const { issuer, jwksUri } = keycloakRealm(props.keycloakUrl, props.realm);
    this.issuer = issuer;
    const selector = props.selector ? { matchLabels: { ...props.selector } } : undefined;
    const annotations = argoAnnotations({ wave: SyncWave.namespaces });
    this.node.addValidation({
      validate: () => (props.enforcedFor.length === 0 ? [`JwtRequirement ${props.name}: enforcedFor is empty, so no request would ever need a token`] : []),
    });
    new RequestAuthentication(this, 'Authentication', {
      metadata: { name: props.name, namespace: props.namespace, annotations },
      spec: { selector, jwtRules: [{ issuer, jwksUri, forwardOriginalToken: true }] },
    });
    new AuthorizationPolicy(this, 'RequireToken', {
      metadata: { name: `${props.name}-require-jwt`, namespace: props.namespace, annotations },
      spec: {
        action: AuthorizationPolicySpecAction.DENY,
        selector,
        rules: [
          {
            from: [{ source: { principals: [...props.enforcedFor], notRequestPrincipals: [`${issuer}/*`] } }],
            to: props.paths?.length ? [{ operation: { paths: [...props.paths] } }] : undefined,
          },
        ],
      },
    });
  }
}

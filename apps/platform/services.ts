import { PlatformNamespaces } from '../../lib/core/namespaces';
import { ServiceCatalog } from '../../lib/core/services';

/**
 * The platform's own services (the catalog docs/mesh.md describes): the core `api-server` (3-20
 * replicas at 70% CPU, 500m/512Mi requests, 2000m/1Gi limits; its rollouts owned by Flagger), an `api`
 * example of a weighted split (90% to v1, 10% to v2, prefix /api/v1) and the `web` front end calling it.
 */
export const serviceCatalog: ServiceCatalog = {
  services: [
    {
      name: 'api-server',
      namespace: PlatformNamespaces.core,
      port: 8080,
      versions: [{ name: 'v3', image: 'registry.ceres.io/ceres/api-server:3.0.0' }],
      resources: { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '2000m', memory: '1Gi' } },
      targetCpuPercent: 70,
      rollout: 'flagger',
      // Flagger generates the DestinationRules: no TCP connection pool (maxConnections) can be set.
      trafficPolicy: { loadBalancing: 'LEAST_REQUEST', maxPendingRequests: 200, consecutive5xxErrors: 5, maxEjectionPercent: 50 },
    },
    {
      name: 'api',
      namespace: PlatformNamespaces.core,
      port: 8080,
      versions: [
        { name: 'v1', image: 'registry.ceres.io/ceres/api:1.9.4', weight: 90 },
        { name: 'v2', image: 'registry.ceres.io/ceres/api:2.0.0', weight: 10 },
      ],
      expose: { hostPrefix: 'api', pathPrefixes: ['/api/v1'], requireJwt: true, realm: 'ceres' },
      dependsOn: [{ service: 'api-server', paths: ['/v1/*'], methods: ['GET', 'POST', 'PUT', 'DELETE'] }],
      trafficPolicy: { loadBalancing: 'ROUND_ROBIN' },
      replicas: { min: 2, max: 10 },
    },
    {
      name: 'web',
      namespace: PlatformNamespaces.core,
      port: 8080,
      versions: [{ name: 'v1', image: 'registry.ceres.io/ceres/web:1.4.0' }],
      expose: { hostPrefix: 'app', pathPrefixes: ['/'], requireJwt: false },
      dependsOn: [{ service: 'api', paths: ['/api/v1/*'], methods: ['GET', 'POST'] }],
      trafficPolicy: { loadBalancing: { consistentHashHeader: 'x-session-id' } },
      replicas: { min: 2, max: 6 },
    },
  ],
  external: [{ name: 'keycloak', hosts: ['auth.ceres.io'], port: 443, protocol: 'TLS', namespaces: [PlatformNamespaces.core] }],
};

/**
 * Checks over the rendered objects of one environment, run after rendering and before anything is
 * written. Domain libraries add their own (mesh consistency, policy coverage) through `ManifestCheck`.
 */

/** A Kubernetes object as it will be written, with where it will be written. */
export interface RenderedObject {
  readonly environment: string;
  readonly folder: string;
  /** Path relative to dist/ (`prod/tenant-acme-001/namespace.yaml`). */
  readonly file: string;
  readonly manifest: KubeManifest;
}

export interface KubeManifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name?: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly [key: string]: any;
}

export interface ManifestCheck {
  /** Short name shown with each problem. */
  readonly name: string;
  /** Returns one message per problem; empty when all is well. */
  check(objects: readonly RenderedObject[]): string[];
}

/** `Kind namespace/name in file` for messages. */
export function describeObject(o: RenderedObject): string {
  const m = o.manifest;
  const ns = m.metadata.namespace ? `${m.metadata.namespace}/` : '';
  return `${m.kind} ${ns}${m.metadata.name ?? '(unnamed)'} in dist/${o.file}`;
}

/** No plaintext Secret may reach dist/ (it is committed to git): use a SealedSecret or an external reference. */
export const noPlaintextSecrets: ManifestCheck = {
  name: 'no-plaintext-secrets',
  check: (objects) =>
    objects
      .filter((o) => o.manifest.kind === 'Secret' && o.manifest.apiVersion === 'v1')
      .filter((o) => {
        const m = o.manifest;
        const has = (v: unknown) => v !== undefined && v !== null && Object.keys(v as object).length > 0;
        return has(m.data) || has(m.stringData);
      })
      .map(
        (o) =>
          `${describeObject(o)} carries plaintext data; dist/ is committed to git. Supply it as a SealedSecret (encrypted with kubeseal) or an external secret reference instead`,
      ),
};

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Every object has a valid name; namespaces are DNS-1123 labels; label values are valid. */
export const validNames: ManifestCheck = {
  name: 'valid-names',
  check: (objects) => {
    const problems: string[] = [];
    for (const o of objects) {
      const { name, labels } = o.manifest.metadata;
      if (!name) problems.push(`${describeObject(o)} has no metadata.name`);
      else if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) problems.push(`${describeObject(o)}: name ${JSON.stringify(name)} is not a DNS-1123 subdomain`);
      else if (o.manifest.kind === 'Namespace' && name.length > 63) problems.push(`${describeObject(o)}: namespace names are at most 63 characters`);
      for (const [k, v] of Object.entries(labels ?? {})) {
        if (typeof v !== 'string' || v.length > 63 || !LABEL_VALUE.test(v)) problems.push(`${describeObject(o)}: label ${k}=${JSON.stringify(v)} is not a valid label value`);
      }
    }
    return problems;
  },
};

/**
 * No two objects of an environment share group, kind, namespace and name: two Argo CD Applications
 * would fight over it, and within one file the later would silently win.
 */
export const uniqueObjects: ManifestCheck = {
  name: 'unique-objects',
  check: (objects) => {
    const seen = new Map<string, RenderedObject>();
    const problems: string[] = [];
    for (const o of objects) {
      const m = o.manifest;
      const group = m.apiVersion.includes('/') ? m.apiVersion.split('/')[0] : '';
      const key = `${group}|${m.kind}|${m.metadata.namespace ?? ''}|${m.metadata.name}`;
      const prev = seen.get(key);
      if (prev) problems.push(`${describeObject(o)} is also rendered in dist/${prev.file}; each object must have one owner`);
      else seen.set(key, o);
    }
    return problems;
  },
};

/** The checks every synth runs. */
export const CORE_CHECKS: readonly ManifestCheck[] = [noPlaintextSecrets, validNames, uniqueObjects];

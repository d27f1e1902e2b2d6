/**
 * Go's YAML stack (sigs.k8s.io/yaml over go-yaml, YAML 1.1 semantics: what kubectl and Argo CD use),
 * reached through `kubectl annotate --local`, which parses manifests without a cluster. Used by the
 * YAML emitter's round-trip test when kubectl is installed.
 */
import { spawnSync } from 'node:child_process';

let available: boolean | undefined;

/** Whether a kubectl binary can be run. */
export function kubectlAvailable(): boolean {
  available ??= spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8', env: kubectlEnv() }).status === 0;
  return available;
}

function kubectlEnv(): NodeJS.ProcessEnv {
  return { ...process.env, KUBECONFIG: '/dev/null' };
}

/**
 * Parses a multi-document stream of Kubernetes objects with kubectl and returns each object as JSON
 * data, in order; throws with kubectl's message when it cannot parse the stream.
 */
export function parseWithKubectl(stream: string): unknown[] {
  const r = spawnSync('kubectl', ['annotate', '--local', '-f', '-', 'ceres.io/parsed=true', '-o', 'json'], {
    input: stream,
    encoding: 'utf8',
    env: kubectlEnv(),
    maxBuffer: 1 << 28,
  });
  if (r.status !== 0) throw new Error(`kubectl: ${r.stderr.trim()}`);
  // one pretty-printed JSON object after another
  const objects = JSON.parse(`[${r.stdout.trim().replace(/\n\}\n\{/g, '\n},\n{')}]`) as { metadata: { annotations?: Record<string, string> } }[];
  for (const o of objects) {
    delete o.metadata.annotations?.['ceres.io/parsed'];
    if (o.metadata.annotations && Object.keys(o.metadata.annotations).length === 0) delete o.metadata.annotations;
  }
  return objects;
}

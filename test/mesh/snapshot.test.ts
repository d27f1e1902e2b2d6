import { renderMesh } from './support/build';

/** The mesh's files of an environment: control plane, istioctl, mesh-wide, and each namespace's mesh.yaml. */
function meshFiles(env: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [path, content] of renderMesh(env).files) {
    if (/\/(mesh|istioctl)\/|\/argocd\/istio\.yaml$|\/mesh\.yaml$/.test(path)) out[path] = content;
  }
  return out;
}

describe('mesh output', () => {
  it.each(['dev', 'staging', 'prod'])('matches the reviewed snapshot for %s', (env) => {
    const files = meshFiles(env);
    expect(Object.keys(files).sort()).toMatchSnapshot('files');
    expect(files).toMatchSnapshot('content');
  });
});

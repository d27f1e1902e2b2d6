import { apiVersionsOf, objectsOfKind, RenderedObject } from '../../lib/core/checks';

const obj = (kind: string, name: string, apiVersion = 'v1'): RenderedObject => ({
  environment: 'e',
  folder: 'f',
  file: 'e/f/x.yaml',
  manifest: { apiVersion, kind, metadata: { name } },
});

describe('objectsOfKind', () => {
  const objects = [
    obj('Service', 'a'),
    obj('Namespace', 'b'),
    obj('VirtualService', 'c', 'networking.istio.io/v1'),
    obj('Service', 'd'),
    obj('Namespace', 'e'),
  ];

  it('gives the objects of the kinds asked, in their order in the list, whatever the order of the kinds', () => {
    expect(objectsOfKind(objects, 'Service').map((o) => o.manifest.metadata.name)).toEqual(['a', 'd']);
    expect(objectsOfKind(objects, 'Namespace', 'Service').map((o) => o.manifest.metadata.name)).toEqual(['a', 'b', 'd', 'e']);
    expect(objectsOfKind(objects, 'VirtualService', 'Namespace').map((o) => o.manifest.metadata.name)).toEqual(['b', 'c', 'e']);
    expect(objectsOfKind(objects, 'Deployment')).toEqual([]);
  });

  it('indexes each list on its own, and knows its API versions', () => {
    const other = [obj('Service', 'z')];
    expect(objectsOfKind(other, 'Service').map((o) => o.manifest.metadata.name)).toEqual(['z']);
    expect([...apiVersionsOf(objects)].sort()).toEqual(['networking.istio.io/v1', 'v1']);
    expect([...apiVersionsOf(other)]).toEqual(['v1']);
  });
});

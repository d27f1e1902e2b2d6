/**
 * Why an image reference is not pinned, or undefined when it is: a tag other than `latest`, or a
 * digest. A mutable tag makes a rollback redeploy something else, and a restart pull something new.
 */
export function imagePinProblem(image: string): string | undefined {
  if (/@sha256:[a-f0-9]{64}$/.test(image)) return undefined;
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.lastIndexOf(':');
  if (colon < 0) return `image "${image}" has no tag; pin a version (name:1.2.3) or a digest (name@sha256:...)`;
  const tag = lastSegment.slice(colon + 1);
  if (tag === '' || tag === 'latest') return `image "${image}" uses the mutable tag "${tag || '(empty)'}"; pin a version (name:1.2.3) or a digest`;
  return undefined;
}

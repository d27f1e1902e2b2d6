/**
 * vCPUs of a cloud instance type, read from its size (AWS `c5.xlarge` = 4, `r5.2xlarge` = 8, `t3.large`
 * = 2; Azure `Standard_D4s_v5` = 4; GCP `e2-standard-4` = 4). Unknown shapes count as 2.
 */
export function instanceVcpus(instanceType: string): number {
  const aws = /\.(\d*)(x?large|medium|small|micro|nano)$/.exec(instanceType);
  if (aws) {
    const [, n, size] = aws;
    if (size === 'xlarge') return 4 * (n ? Number(n) : 1);
    if (size === 'large') return 2;
    return 1;
  }
  const azure = /^Standard_[A-Z]+(\d+)/.exec(instanceType);
  if (azure) return Number(azure[1]);
  const gcp = /-(\d+)$/.exec(instanceType);
  if (gcp) return Number(gcp[1]);
  return 2;
}

import { Cloud } from '../core/model';

/** One instance type's shape and on-demand list price in one region. */
export interface InstancePrice {
  /** vCPUs of the type. */
  readonly vcpus: number;
  /** Memory of the type, in GiB. */
  readonly memoryGib: number;
  /** On-demand (pay-as-you-go) Linux list price for one hour, USD. */
  readonly onDemandHour: number;
}

/** A commitment discount the cloud sells for steady usage (Savings Plans, Reservations, committed-use discounts). */
export interface CommitmentOffer {
  /** The offer, as the cloud names it, with its term and payment option. */
  readonly name: string;
  /** Share of the on-demand price it saves on the usage it covers (0.28 = 28 %). */
  readonly discount: number;
}

/** What capacity costs in one region of one cloud (USD). */
export interface RegionPrices {
  /** The public price pages the figures were read from. */
  readonly source: string;
  /** The day the figures were recorded in this table (ISO date). */
  readonly asOf: string;
  /** On-demand prices of the instance types the platform model uses in this region (node pools). */
  readonly instances: Readonly<Record<string, InstancePrice>>;
  /**
   * Per-pod prices where the cloud bills pod requests rather than nodes (GKE Autopilot general-purpose
   * Pods; edge sites, as amortized owned hardware). Absent where nodes are billed.
   */
  readonly pods?: { readonly vcpuHour: number; readonly memoryGibHour: number };
  /** The default StorageClass's disk, as billed (`gp3`, `StandardSSD_LRS`, `pd-balanced`). */
  readonly storageClass: string;
  /** That disk, one GiB for one month. */
  readonly storageGibMonth: number;
  /** Managed control plane, one cluster for one hour (EKS standard support, AKS Standard tier, GKE management fee). */
  readonly controlPlaneHour: number;
  /**
   * Typical share of the on-demand price saved on spot capacity (EC2 Spot, Azure Spot VMs, GKE Spot
   * Pods and VMs): spot prices move, so this is a planning figure. 0 where there is no spot.
   */
  readonly spotDiscount: number;
  /** The commitment the reserved-capacity analysis prices (absent where there is none, e.g. owned hardware). */
  readonly commitment?: CommitmentOffer;
}

/** Hours in an average month (365 × 24 / 12), the usual cloud billing convention. */
export const HOURS_PER_MONTH = 730;

/**
 * Ratio of the price of one vCPU-hour to one GiB-hour, used to split an instance's price into CPU and
 * memory for allocating it to pod requests: the ratio of Compute Engine's N1/N2 per-resource prices
 * (0.031611 / 0.004237 USD in us-central1), which is also OpenCost's default split.
 */
export const VCPU_TO_GIB_PRICE_RATIO = 0.031611 / 0.004237;

/** The region key of edge sites: owned hardware, one amortized figure wherever the site is. */
export const ANY_REGION = '*';

const AS_OF = '2026-12-03';

/**
 * List prices per cloud and region for the instance types, disks and control planes the platform model
 * uses (apps/platform/platform.ts and the test fixtures). Recorded by hand from the clouds' public price
 * pages (no network at synth: the table is data, so synths stay byte-identical); `source` names the
 * pages and `asOf` the day. Spot discounts and commitment discounts are typical figures of those pages
 * and advisors, not quotes. A cluster whose region or instance type is missing here fails the synth
 * with the field to fix (lib/cost/cluster-pricing.ts): add the row, with its source.
 */
export const PRICE_TABLE: Readonly<Record<Cloud, Readonly<Record<string, RegionPrices>>>> = {
  aws: {
    'eu-west-1': {
      source:
        'https://aws.amazon.com/ec2/pricing/on-demand/ (Linux, EU Ireland), https://aws.amazon.com/ebs/pricing/, https://aws.amazon.com/eks/pricing/, https://aws.amazon.com/ec2/spot/instance-advisor/, https://aws.amazon.com/savingsplans/compute-pricing/',
      asOf: AS_OF,
      instances: {
        't3.large': { vcpus: 2, memoryGib: 8, onDemandHour: 0.0912 },
        'c5.xlarge': { vcpus: 4, memoryGib: 8, onDemandHour: 0.192 },
        'r5.2xlarge': { vcpus: 8, memoryGib: 64, onDemandHour: 0.564 },
      },
      storageClass: 'gp3',
      storageGibMonth: 0.088,
      controlPlaneHour: 0.1,
      spotDiscount: 0.6,
      commitment: { name: 'Compute Savings Plan, 1 year, no upfront', discount: 0.27 },
    },
  },
  azure: {
    westeurope: {
      source:
        'https://azure.microsoft.com/pricing/details/virtual-machines/linux/ (West Europe), https://azure.microsoft.com/pricing/details/managed-disks/, https://azure.microsoft.com/pricing/details/kubernetes-service/, https://azure.microsoft.com/pricing/spot-advisor/',
      asOf: AS_OF,
      instances: {
        Standard_D4s_v5: { vcpus: 4, memoryGib: 16, onDemandHour: 0.23 },
      },
      // AKS's default StorageClass `managed-csi` provisions Standard SSD LRS disks (E10: 128 GiB for 9.60 USD a month).
      storageClass: 'StandardSSD_LRS',
      storageGibMonth: 0.075,
      // The Terraform stack creates AKS on the Standard tier (uptime SLA), billed per cluster-hour.
      controlPlaneHour: 0.1,
      spotDiscount: 0.8,
      commitment: { name: 'Reserved VM Instances, 1 year', discount: 0.37 },
    },
  },
  gcp: {
    'europe-west1': {
      source:
        'https://cloud.google.com/kubernetes-engine/pricing (Autopilot general-purpose Pods, Spot Pods, cluster management fee; europe-west1), https://cloud.google.com/compute/disks-image-pricing (pd-balanced), https://cloud.google.com/docs/cuds',
      asOf: AS_OF,
      instances: {},
      pods: { vcpuHour: 0.049, memoryGibHour: 0.0054 },
      // Autopilot's default StorageClass `standard-rwo` provisions pd-balanced disks.
      storageClass: 'pd-balanced',
      storageGibMonth: 0.11,
      controlPlaneHour: 0.1,
      spotDiscount: 0.7,
      commitment: { name: 'Compute flexible committed use discount, 1 year', discount: 0.28 },
    },
  },
  edge: {
    [ANY_REGION]: {
      source: 'amortized owned hardware (3-year depreciation of a small server, power and rack space); not a list price',
      asOf: AS_OF,
      instances: {},
      pods: { vcpuHour: 0.02, memoryGibHour: 0.0025 },
      storageClass: 'local-path',
      storageGibMonth: 0.05,
      controlPlaneHour: 0,
      spotDiscount: 0,
    },
  },
};

/** Monthly budget per environment (USD) above which `CostThresholdExceeded` fires. */
export const MONTHLY_BUDGET: Readonly<Record<string, number>> = { dev: 3000, staging: 8000, prod: 40000 };

import { Cloud } from '../core/model';

/** What capacity costs on one cloud, in USD. */
export interface CloudPrices {
  /** On-demand price of one vCPU for one hour. */
  readonly vcpuHour: number;
  /** On-demand price of one GiB of memory for one hour. */
  readonly memoryGibHour: number;
  /** Block storage (PersistentVolumes), one GiB for one month. */
  readonly storageGibMonth: number;
  /** Share of the on-demand price saved on spot / preemptible capacity (0 where there is none). */
  readonly spotDiscount: number;
}

/** Hours in an average month (365 × 24 / 12), the usual cloud billing convention. */
export const HOURS_PER_MONTH = 730;

/**
 * The price table the cost report and the cost alerts use. Per-unit figures are derived from public
 * list prices of general-purpose instances in the design's regions (AWS eu-west-1 m5/c5, Azure
 * westeurope Dsv5, GCP europe-west1 n2 / GKE Autopilot, gp3 / Premium SSD / pd-balanced disks),
 * split into vCPU and memory the way the clouds' own custom-machine pricing does, and rounded. Edge
 * sites are owned hardware: an amortized figure, no spot. They are estimates for comparing tenants
 * and environments, not invoices: update them here when prices change.
 */
export const PRICE_TABLE: Readonly<Record<Cloud, CloudPrices>> = {
  aws: { vcpuHour: 0.0425, memoryGibHour: 0.0057, storageGibMonth: 0.088, spotDiscount: 0.65 },
  azure: { vcpuHour: 0.046, memoryGibHour: 0.0058, storageGibMonth: 0.095, spotDiscount: 0.6 },
  gcp: { vcpuHour: 0.0346, memoryGibHour: 0.0046, storageGibMonth: 0.11, spotDiscount: 0.6 },
  edge: { vcpuHour: 0.02, memoryGibHour: 0.0025, storageGibMonth: 0.05, spotDiscount: 0 },
};

/** Monthly budget per environment (USD) above which `CostThresholdExceeded` fires. */
export const MONTHLY_BUDGET: Readonly<Record<string, number>> = { dev: 3000, staging: 8000, prod: 40000 };

/**
 * Entry point for the cdktf CLI (`cdktf synth`, see cdktf.json): the same stacks as `npm run synth`
 * (the default platform and the tenant documents of apps/platform/tenants/), written by cdktf to
 * `cdktf.out/`. Day-to-day use goes through `npm run synth` and `dist/terraform/`.
 */
import { platform } from '../platform/platform';
import { createInfraApp } from '../../lib/infra';
import { defaultTenantInput } from './main';

const { app } = createInfraApp(platform, defaultTenantInput(), process.env.CDKTF_OUTDIR ?? 'cdktf.out');
app.synth();

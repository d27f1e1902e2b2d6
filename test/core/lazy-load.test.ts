import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** Packages under node_modules that a fresh process has loaded after running `script`. */
function loadedPackages(script: string): string[] {
  const probe = `${script}; const s = new Set(); for (const k of Object.keys(require.cache)) { const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(k); if (m) s.add(m[1]); } console.log(JSON.stringify([...s].sort()));`;
  const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', '-e', probe], { cwd: ROOT, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

describe('what a command loads', () => {
  it('listing the commands (every ceres run does) loads neither cdktf, the providers nor cdk8s', () => {
    const loaded = loadedPackages("require('./apps/cli').COMMANDS()");
    expect(loaded).toContain('yaml'); // the probe sees packages at all
    expect(loaded.filter((p) => /^(cdktf|@cdktf\/|cdk8s)/.test(p))).toEqual([]);
  });
});

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The shipped supervisor (ops/systemd/tanfang.service): checked by systemd's own tools where they are
 * installed (systemd-analyze verify, and its security exposure score offline). Running it under
 * systemd needs systemd as PID 1, which CI containers do not have (SECURITY.md says what was run).
 */
const ROOT = join(import.meta.dirname, '..');
const UNIT = join(ROOT, 'ops/systemd/tanfang.service');
const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
const hasAnalyze = analyze.status === 0;

const directives = () => {
  const m = new Map<string, string[]>();
  for (const line of readFileSync(UNIT, 'utf8').split('\n')) {
    const x = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (x) m.set(x[1], [...(m.get(x[1]) ?? []), x[2]]);
  }
  return m;
};

describe('systemd unit', () => {
  it('restarts always, stops gracefully, reads an EnvironmentFile and starts the documented command', () => {
    const d = directives();
    expect(d.get('Restart')).toEqual(['always']);
    expect(d.get('StartLimitIntervalSec')).toEqual(['0']);
    expect(d.get('KillSignal')).toEqual(['SIGTERM']);
    expect(Number(d.get('TimeoutStopSec')?.[0])).toBeGreaterThan(30); // the server forces its exit at 30 s
    expect(d.get('EnvironmentFile')).toEqual(['/etc/tanfang/tanfang.env']);
    expect(d.get('Environment')?.join(' ')).toContain('NODE_ENV=production');
    expect(d.get('ExecStart')?.[0]).toMatch(/ \/opt\/tanfang\/bin\/tanfang\.mjs start$/);
    expect(existsSync(join(ROOT, 'bin/tanfang.mjs'))).toBe(true);
    expect(d.get('PrivateTmp')).toEqual(['yes']);
    expect(d.get('NoNewPrivileges')).toEqual(['yes']);
    // Every setting the example environment file names is one the server reads (README lists them).
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const line of readFileSync(join(ROOT, 'ops/systemd/tanfang.env.example'), 'utf8').split('\n')) {
      const name = /^([A-Z_]+)=/.exec(line)?.[1];
      if (name) expect(readme, name).toContain(`\`${name}\``);
    }
  });

  it.skipIf(!hasAnalyze)('passes systemd-analyze verify, and its offline exposure score is low', () => {
    const v = spawnSync('systemd-analyze', ['verify', UNIT], { encoding: 'utf8' });
    expect(v.status, v.stderr).toBe(0);
    expect(v.stderr.trim()).toBe('');
    const s = spawnSync('systemd-analyze', ['security', '--offline=true', UNIT], { encoding: 'utf8' });
    const score = Number(/Overall exposure level for tanfang\.service: ([\d.]+)/.exec(s.stdout)?.[1]);
    expect(score, s.stdout.slice(-300)).toBeLessThan(3);
  });
});

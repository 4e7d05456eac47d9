// The lockfile of a consumer project that depends on esgrad's tarball: the repository's own lockfile
// without its dev-only packages, so `npm ci --offline` installs from the tarballs `npm ci` cached.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

interface LockEntry {
  readonly dev?: boolean;
  readonly [field: string]: unknown;
}
interface Lock {
  readonly packages: Record<string, LockEntry>;
}
interface Manifest {
  readonly version: string;
  readonly license?: string;
  readonly dependencies?: Record<string, string>;
  readonly engines?: Record<string, string>;
  readonly bin?: Record<string, string>;
}

/** package.json and package-lock.json of a project depending on `tarball` (a file name in its folder). */
export function consumerProject(
  repoLockPath: string,
  esgrad: Manifest,
  tarballPath: string,
  tarball: string,
): { manifest: object; lock: object } {
  const repo = JSON.parse(readFileSync(repoLockPath, 'utf8')) as Lock;
  const spec = `file:${tarball}`;
  const types = repo.packages['node_modules/@types/node'];
  const manifest = {
    name: 'esgrad-consumer',
    private: true,
    type: 'module',
    dependencies: { esgrad: spec },
    devDependencies: { '@types/node': `^${String(types?.version)}` },
  };
  const packages: Record<string, unknown> = {
    '': {
      name: manifest.name,
      dependencies: manifest.dependencies,
      devDependencies: manifest.devDependencies,
    },
    'node_modules/esgrad': {
      version: esgrad.version,
      resolved: spec,
      integrity: `sha512-${createHash('sha512').update(readFileSync(tarballPath)).digest('base64')}`,
      license: esgrad.license,
      dependencies: esgrad.dependencies,
      bin: esgrad.bin,
      engines: esgrad.engines,
    },
  };
  for (const [path, entry] of Object.entries(repo.packages)) {
    if (path !== '' && !entry.dev) packages[path] = entry;
  }
  return { manifest, lock: { name: manifest.name, lockfileVersion: 3, requires: true, packages } };
}

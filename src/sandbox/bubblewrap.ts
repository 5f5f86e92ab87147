import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { SandboxMount } from './types.js';

/**
 * What bubblewrap is told: the file system, namespaces and user a sandboxed command gets.
 * Built as a plain list of arguments, handed to bwrap through a pipe (`--args`) rather than its
 * command line, since a command line is readable by every user of the host and the environment
 * (secrets) is part of it.
 */

/** Where a private HOME lives inside when the caller gives none: a tmpfs that ends with the process. */
const SANDBOX_HOME = '/home/sandbox';

/** The system folders every sandbox sees read-only: programs and libraries, nothing of anyone's data. */
const SYSTEM_FOLDERS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];
/**
 * The parts of `/etc` programs need to start, resolve users, and verify TLS: not the rest (it
 * holds the host's service configuration, npmrc, gitconfig, pip.conf and their tokens).
 */
const SYSTEM_FILES = [
  '/etc/alternatives',
  '/etc/ca-certificates',
  '/etc/ca-certificates.conf',
  '/etc/ssl',
  '/etc/passwd',
  '/etc/group',
  '/etc/hosts',
  '/etc/host.conf',
  '/etc/nsswitch.conf',
  '/etc/gai.conf',
  '/etc/ld.so.cache',
  '/etc/ld.so.conf',
  '/etc/ld.so.conf.d',
  '/etc/localtime',
  '/etc/timezone',
  '/etc/mime.types',
  '/etc/protocols',
  '/etc/services',
  '/etc/os-release',
  '/etc/debian_version',
  '/etc/shells',
  '/etc/profile',
  '/etc/bash.bashrc',
  '/etc/inputrc',
  '/etc/terminfo',
  '/etc/python3',
  '/etc/python3.11',
  '/etc/java-17-openjdk',
  '/etc/maven',
];

/**
 * The read-only system of every sandbox, as this host lays it out (merged `/usr` links stay
 * links). The `/etc` pieces are copied once into `etcCopy`, which is mounted as `/etc`: one
 * mount instead of thirty is most of what a sandbox costs to start. The copy is made again at
 * every start of Paved, so it follows the host's certificates and users from then on.
 */
export function systemArguments(etcCopy: string): string[] {
  copyEtc(etcCopy);
  return [...systemFolderArguments(), '--ro-bind', etcCopy, '/etc'];
}

/** `/usr`, `/bin`, `/lib` … read-only: symlinks into `/usr` on a merged-`/usr` system, folders otherwise. */
export function systemFolderArguments(): string[] {
  return SYSTEM_FOLDERS.flatMap((folder) => {
    const stat = fs.lstatSync(folder, { throwIfNoEntry: false });
    if (!stat) return [];
    return stat.isSymbolicLink() ? ['--symlink', fs.readlinkSync(folder), folder] : ['--ro-bind', folder, folder];
  });
}

/** `setpriv` to an unprivileged user with no groups, capabilities or way to gain privileges; the command follows. */
export function dropPrivilegesCommand(setpriv: string, uid: number, gid: number): string[] {
  return [setpriv, `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--no-new-privs', '--inh-caps=-all', '--bounding-set=-all', '--'];
}

/** Private keys (/etc/ssl/private) are the host's, not a build's. */
const keptInEtc = (source: string) => path.basename(source) !== 'private';

/**
 * Copies the allow-listed `/etc` files unless the copy already matches them (every entry's
 * path, size, mode and time, in a fingerprint beside the copy): reading them costs a few
 * milliseconds, writing them again a few hundred, at every start.
 */
function copyEtc(etcCopy: string): void {
  const present = SYSTEM_FILES.filter((file) => fs.existsSync(file));
  const fingerprint = crypto.createHash('sha256');
  const walk = (entry: string) => {
    if (!keptInEtc(entry)) return;
    const stat = fs.lstatSync(entry);
    fingerprint.update(`${entry}\0${stat.size}\0${stat.mode}\0${stat.mtimeMs}\0${stat.isSymbolicLink() ? fs.readlinkSync(entry) : ''}\n`);
    if (stat.isDirectory()) for (const child of fs.readdirSync(entry).sort()) walk(path.join(entry, child));
  };
  present.forEach(walk);
  const wanted = fingerprint.digest('hex');
  const recorded = `${etcCopy}.fingerprint`;
  if (fs.existsSync(etcCopy) && fs.existsSync(recorded) && fs.readFileSync(recorded, 'utf8') === wanted) return;
  fs.rmSync(etcCopy, { recursive: true, force: true });
  fs.mkdirSync(etcCopy, { recursive: true, mode: 0o755 });
  for (const file of present) fs.cpSync(file, path.join(etcCopy, path.basename(file)), { recursive: true, verbatimSymlinks: true, preserveTimestamps: true, filter: keptInEtc });
  fs.writeFileSync(recorded, wanted);
}

export interface BubblewrapCommand {
  system: string[];
  command: string[];
  cwd: string;
  mounts: SandboxMount[];
  env: Record<string, string>;
  /** Joins a network namespace made elsewhere instead of getting one with only loopback. */
  sharedNetwork: boolean;
  /** Paved runs as root: no user namespace, `setpriv` drops to this user inside. */
  dropTo?: { setpriv: string; uid: number; gid: number };
}

/**
 * bwrap's options (read from `--args`: the environment is among them) and the command that
 * follows them on its command line.
 */
export function bubblewrapArguments(spec: BubblewrapCommand): { options: string[]; command: string[] } {
  // The options travel NUL-separated: a NUL inside a value would start an option of its own
  // (`--bind / /…`), so none may hold one.
  for (const [name, value] of Object.entries(spec.env)) {
    if (name.includes('\0') || name.includes('=') || value.includes('\0')) throw new Error(`environment variable ${JSON.stringify(name.replace(/\0/g, '\\0'))} holds a NUL character or its name an =; it cannot be passed to a sandboxed process`);
  }
  for (const folder of [spec.cwd, ...spec.mounts.map((mount) => mount.path)]) {
    if (folder.includes('\0') || !path.isAbsolute(folder)) throw new Error(`sandbox folder ${JSON.stringify(folder)} is not an absolute path without NUL characters`);
  }
  const env: Record<string, string> = { ...spec.env, TMPDIR: '/tmp' };
  const homeIsMounted = env.HOME !== undefined && spec.mounts.some((mount) => mount.writable && isInside(env.HOME!, mount.path));
  if (!homeIsMounted) env.HOME = SANDBOX_HOME;
  const args = [
    // Without a user namespace (as root) bwrap keeps the host's users, and setpriv drops to an
    // unprivileged one; as another user, a user namespace maps that user to itself.
    ...(spec.dropTo ? [] : ['--unshare-user']),
    '--unshare-ipc',
    '--unshare-pid',
    '--unshare-uts',
    '--unshare-cgroup-try',
    ...(spec.sharedNetwork ? [] : ['--unshare-net']),
    '--die-with-parent',
    '--new-session',
    '--hostname',
    'sandbox',
    '--clearenv',
    ...Object.entries(env).flatMap(([name, value]) => ['--setenv', name, value]),
    ...spec.system,
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--perms',
    '1777',
    '--tmpfs',
    '/tmp',
    ...(homeIsMounted ? [] : ['--perms', '0777', '--tmpfs', SANDBOX_HOME]),
    // bwrap makes a mount's missing parents 0700 root: the sandbox's user could not walk an
    // absolute path into its own workspace. They are made traversable (and empty) first.
    ...ancestors(spec.mounts.map((mount) => mount.path)).flatMap((folder) => ['--perms', '0755', '--dir', folder]),
    ...[...spec.mounts].sort((a, b) => depth(a.path) - depth(b.path)).flatMap((mount) => [mount.writable ? '--bind' : '--ro-bind', mount.path, mount.path]),
    '--chdir',
    spec.cwd,
  ];
  const command = ['--'];
  if (spec.dropTo) {
    const { setpriv, uid, gid } = spec.dropTo;
    command.push(...dropPrivilegesCommand(setpriv, uid, gid));
  }
  command.push(...spec.command);
  return { options: args, command };
}

/** The folders above `paths` that the sandbox's own tmpfs holds (not `/`, not `/tmp`), outermost first. */
function ancestors(paths: string[]): string[] {
  const found = new Set<string>();
  for (const folder of paths) {
    for (let parent = path.dirname(folder); parent !== '/' && parent !== '/tmp' && parent !== SANDBOX_HOME; parent = path.dirname(parent)) found.add(parent);
  }
  return [...found].sort((a, b) => depth(a) - depth(b));
}

function depth(folder: string): number {
  return folder.split('/').length;
}

function isInside(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

import { createHash } from 'node:crypto';

/**
 * The git object model behind the fake GitHub's git data API: content-addressed blobs, trees and
 * commits hashed exactly as git hashes them (so equal content gets equal shas, as on GitHub), and
 * refs that only fast-forward unless forced.
 */

export interface Signature {
  name: string;
  email: string;
  date: string;
}

export interface TreeEntry {
  name: string;
  /** git's modes: 100644 file, 100755 executable, 040000 tree, 120000 symlink, 160000 submodule. */
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  sha: string;
}

export type GitObject =
  | { type: 'blob'; content: Buffer }
  | { type: 'tree'; entries: TreeEntry[] }
  | {
      type: 'commit';
      tree: string;
      parents: string[];
      message: string;
      author: Signature;
      committer: Signature;
    };

/** A path in a tree, flattened: "src/a.ts" → its entry. */
export type FlatTree = Map<string, Omit<TreeEntry, 'name'>>;

export const FILE_MODES = new Set(['100644', '100755', '040000', '120000', '160000']);

function hash(type: string, body: Buffer): string {
  return createHash('sha1')
    .update(Buffer.concat([Buffer.from(`${type} ${body.length}\0`), body]))
    .digest('hex');
}

function signatureLine(who: Signature): string {
  return `${who.name} <${who.email}> ${Math.floor(Date.parse(who.date) / 1000)} +0000`;
}

export class GitStore {
  readonly objects = new Map<string, GitObject>();
  /** "refs/heads/main" → commit sha. */
  readonly refs = new Map<string, string>();

  putBlob(content: Buffer): string {
    const sha = hash('blob', content);
    this.objects.set(sha, { type: 'blob', content });
    return sha;
  }

  putTree(entries: TreeEntry[]): string {
    // git orders entries by name, a tree's name compared as if it ended with "/".
    const key = (e: TreeEntry) => (e.type === 'tree' ? `${e.name}/` : e.name);
    const sorted = [...entries].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    const body = Buffer.concat(
      sorted.map((e) =>
        Buffer.concat([Buffer.from(`${e.mode.replace(/^0/, '')} ${e.name}\0`), Buffer.from(e.sha, 'hex')]),
      ),
    );
    const sha = hash('tree', body);
    this.objects.set(sha, { type: 'tree', entries: sorted });
    return sha;
  }

  putCommit(commit: {
    tree: string;
    parents: string[];
    message: string;
    author: Signature;
    committer: Signature;
  }): string {
    const lines = [`tree ${commit.tree}`, ...commit.parents.map((p) => `parent ${p}`)];
    lines.push(`author ${signatureLine(commit.author)}`, `committer ${signatureLine(commit.committer)}`);
    const sha = hash('commit', Buffer.from(`${lines.join('\n')}\n\n${commit.message}`));
    this.objects.set(sha, { type: 'commit', ...commit });
    return sha;
  }

  get<T extends GitObject['type']>(sha: string, type: T): Extract<GitObject, { type: T }> | undefined {
    const object = this.objects.get(sha);
    return object?.type === type ? (object as Extract<GitObject, { type: T }>) : undefined;
  }

  /** Every blob under a tree, by path. */
  flatten(treeSha: string, prefix = '', into: FlatTree = new Map()): FlatTree {
    for (const entry of this.get(treeSha, 'tree')?.entries ?? []) {
      const path = `${prefix}${entry.name}`;
      if (entry.type === 'tree') this.flatten(entry.sha, `${path}/`, into);
      else into.set(path, { mode: entry.mode, type: entry.type, sha: entry.sha });
    }
    return into;
  }

  /** Builds the nested trees for a flat path map; returns the root tree's sha. */
  buildTree(flat: FlatTree): string {
    const files: TreeEntry[] = [];
    const dirs = new Map<string, FlatTree>();
    for (const [path, entry] of flat) {
      const slash = path.indexOf('/');
      if (slash < 0) files.push({ name: path, ...entry });
      else {
        const dir = path.slice(0, slash);
        if (!dirs.has(dir)) dirs.set(dir, new Map());
        dirs.get(dir)!.set(path.slice(slash + 1), entry);
      }
    }
    const trees = [...dirs].map(([name, sub]): TreeEntry => ({
      name,
      mode: '040000',
      type: 'tree',
      sha: this.buildTree(sub),
    }));
    return this.putTree([...files, ...trees]);
  }

  /** The entry at `path` in a commit's tree ('' is the root tree). */
  lookup(commitSha: string, path: string): TreeEntry | undefined {
    const commit = this.get(commitSha, 'commit');
    if (!commit) return undefined;
    let entry: TreeEntry = { name: '', mode: '040000', type: 'tree', sha: commit.tree };
    for (const name of path.split('/').filter(Boolean)) {
      if (entry.type !== 'tree') return undefined;
      const next = this.get(entry.sha, 'tree')?.entries.find((e) => e.name === name);
      if (!next) return undefined;
      entry = next;
    }
    return entry;
  }

  /** A commit sha for a branch name, "heads/x", "refs/heads/x", a tag name or a commit sha. */
  resolve(ref: string): string | undefined {
    for (const candidate of [ref, `refs/${ref}`, `refs/heads/${ref}`, `refs/tags/${ref}`]) {
      const sha = this.refs.get(candidate);
      if (sha) return sha;
    }
    return this.get(ref, 'commit') ? ref : undefined;
  }

  /** Whether `ancestor` is `descendant` or reachable through its parents. */
  isAncestor(ancestor: string, descendant: string): boolean {
    const seen = new Set<string>();
    const queue = [descendant];
    while (queue.length > 0) {
      const sha = queue.shift()!;
      if (sha === ancestor) return true;
      if (seen.has(sha)) continue;
      seen.add(sha);
      queue.push(...(this.get(sha, 'commit')?.parents ?? []));
    }
    return false;
  }

  /** Test seeding: commits files on top of a branch (created when missing) and moves it. */
  commitFiles(
    branch: string,
    files: Record<string, string | Buffer>,
    message: string,
    who: Signature,
  ): string {
    const parent = this.refs.get(`refs/heads/${branch}`);
    const flat: FlatTree = parent ? this.flatten(this.get(parent, 'commit')!.tree) : new Map();
    for (const [path, content] of Object.entries(files)) {
      const sha = this.putBlob(Buffer.isBuffer(content) ? content : Buffer.from(content));
      flat.set(path, { mode: '100644', type: 'blob', sha });
    }
    const sha = this.putCommit({
      tree: this.buildTree(flat),
      parents: parent ? [parent] : [],
      message,
      author: who,
      committer: who,
    });
    this.refs.set(`refs/heads/${branch}`, sha);
    return sha;
  }
}

export interface GitRepositoriesTable {
  namespace: string;
  name: string;
  /** Ref of the user or group that owns the repository; its members may push. */
  owner_ref: string;
  created_by: string;
  created_at: string;
}


export interface GitPushEventsTable {
  id: string;
  namespace: string;
  name: string;
  ref: string;
  /** Commit ids before and after; all zeros for a created or deleted ref. */
  before: string;
  after: string;
  pusher: string;
  /** JSON array of `{id, author, email, time, message}`, newest first. */
  commits: string;
  pushed_at: string;
}

export interface GitTables {
  git_repositories: GitRepositoriesTable;
  git_push_events: GitPushEventsTable;
}

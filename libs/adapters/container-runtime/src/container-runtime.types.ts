/** An image converted for this site's runtime and cached by digest. */
export interface PreparedImage {
  /** What the runtime runs: a SquashFS file, a SIF file or a directory. */
  path: string;
  digest: string;
}

/** A command to run inside a container. */
export interface ContainerRun {
  image: PreparedImage;
  command: readonly string[];
  env: Readonly<Record<string, string>>;
  /** Directory inside the container to start in (must exist in the image or be a bind target). */
  workDir?: string;
  /** Host directories to bind into the container; targets under /cairn always exist (see MOUNT_ROOT). */
  binds?: readonly { source: string; target: string }[];
  /** Where the run's own files (such as an env file) may be written. */
  scratchDir: string;
  /**
   * A host directory of the agent's own programs (the item runner, ADR 0016), bound
   * read-only at the runtime's `toolsMount` so they run in any image.
   */
  tools?: string;
}

/** How to launch a run: an argument vector plus files it needs, written before it starts. */
export interface LaunchPlan {
  argv: string[];
  files: { path: string; content: string }[];
}

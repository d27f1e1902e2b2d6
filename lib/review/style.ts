/** Terminal styling of review output; {@link PLAIN} when colour is off. */
export interface Style {
  /** Headings and emphasis (object names, destructive counts). */
  readonly bold: (s: string) => string;
  /** Secondary text: file paths, notes, progress lines. */
  readonly dim: (s: string) => string;
  /** Removals and destructive changes. */
  readonly red: (s: string) => string;
  /** Additions. */
  readonly green: (s: string) => string;
  /** Changes, approvals and warnings. */
  readonly yellow: (s: string) => string;
  /** An accent colour for commands (the review itself does not use it). */
  readonly cyan: (s: string) => string;
}

const id = (s: string) => s;
export const PLAIN: Style = { bold: id, dim: id, red: id, green: id, yellow: id, cyan: id };

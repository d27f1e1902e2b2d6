// The public face of lib/review: other domains and apps import from here, never from its files.
export * from './git';
export * from './line-diff';
export * from './manifest-diff';
export * from './review';
export * from './style';
export * from './terraform-diff';

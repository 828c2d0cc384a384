export * from './trainer';
export type { AdamWPath, AdamWPlacement } from './adamw';

// Statistics over plain numbers (no GPU, no files): rank correlations and bootstrap intervals.
export * from './rank.ts';
export * from './bootstrap.ts';

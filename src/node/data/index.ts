// Node side of the data layer: data directory, files on disk, downloads.
export * from './dirs.ts';
export * from './files.ts';
export * from './md5.ts';
export * from './download.ts';
export * from './image-folder.ts';
export * from './source.ts';
export * from './verify.ts';
export * from './proxy.ts';

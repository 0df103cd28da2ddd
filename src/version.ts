// The library's version (package.json's), stored in the files it writes and printed by `mednas --version`.
export const MEDNAS_VERSION = '0.1.0';

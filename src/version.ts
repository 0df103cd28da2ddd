// The library's version (package.json's), stored in the files it writes and printed by `mednas --version`.
//
// Why a build-time constant with a literal fallback, and not an import of package.json: the core
// runs under Node, Deno and in a browser, so it reads no files (no node:fs) and cannot know where
// package.json lies; a JSON import would put the whole manifest into every bundle and, for the
// type declarations, drag package.json into the compiled sources. So the build (tsup.config.ts
// `define`) replaces __MEDNAS_VERSION__ with package.json's version as it stands at build time,
// and a published package can never carry another. Runs from the sources (tsx, the tests, a
// bundle made without that define) see no such constant and use the literal below;
// test/version.test.ts fails when the literal and package.json differ (bump both: `npm version`
// runs scripts/sync-version.mjs, which rewrites the literal), and checks `mednas --version`, from
// the sources and from dist/, against package.json.
declare const __MEDNAS_VERSION__: string | undefined;

/** The version of the sources: kept equal to package.json's by scripts/sync-version.mjs (checked by test/version.test.ts). */
const SOURCE_VERSION = '0.1.0';

export const MEDNAS_VERSION: string = typeof __MEDNAS_VERSION__ === 'string' ? __MEDNAS_VERSION__ : SOURCE_VERSION;

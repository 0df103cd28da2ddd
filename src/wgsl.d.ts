// Shaders are imported as text: tsup inlines them (loader '.wgsl': 'text'); tests use scripts/wgsl-hooks.mjs.
declare module '*.wgsl' {
  const source: string;
  export default source;
}

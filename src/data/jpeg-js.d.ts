// jpeg-js's decoder alone (CommonJS, `module.exports = decode`): importing it without the package
// root keeps the encoder, which needs Node's Buffer, out of the core. Its own index.d.ts types the root only.
declare module 'jpeg-js/lib/decoder.js' {
  interface JpegDecodeOptions {
    useTArray: true;
    colorTransform?: boolean;
    formatAsRGBA?: boolean;
    tolerantDecoding?: boolean;
    maxResolutionInMP?: number;
    maxMemoryUsageInMB?: number;
  }
  const decode: (jpegData: Uint8Array | ArrayBuffer, options: JpegDecodeOptions) => { width: number; height: number; data: Uint8Array };
  export default decode;
}

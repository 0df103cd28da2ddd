// Decoding PNG and JPEG files held in memory into 8-bit pixels, and converting between grayscale
// and RGB. Pure JavaScript decoders that run the same under Node, Deno and in a browser:
// fast-png (MIT; every PNG bit depth and colour type, palettes, interlacing, CRCs checked) and
// jpeg-js's decoder (BSD-3-Clause; baseline and progressive JPEG, strict mode: a damaged file is
// an error, not a half-grey picture). Neither imports a Node module; jpeg-js's encoder, which uses
// Node's Buffer, is not imported here.
//
// Conventions, as PIL's convert('L') / convert('RGB') have them: alpha is dropped (not blended),
// 16-bit samples are scaled to 8 bits, palettes are expanded, and RGB to grayscale is ITU-R 601-2
// luma, L = R 299/1000 + G 587/1000 + B 114/1000 (PIL's integer formula). An image whose three
// channels are equal at every pixel (a gray JPEG, a gray picture saved as RGB) is grayscale.
import { decode as decodePng } from 'fast-png';
import decodeJpeg from 'jpeg-js/lib/decoder.js';
import { ImageFileError } from './errors.ts';

export type ImageFormat = 'png' | 'jpeg';

export interface DecodedImage {
  readonly width: number;
  readonly height: number;
  /** 1 (grayscale) or 3 (RGB). */
  readonly channels: 1 | 3;
  /** uint8 pixels, row-major, channels interleaved: H x W x C. */
  readonly data: Uint8Array;
  readonly format: ImageFormat;
}

/** Images larger than this are refused before decoding (as jpeg-js's own default limit). */
export const MAX_IMAGE_MEGAPIXELS = 100;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The format of a file from its first bytes (its name's extension is not trusted), or null. */
export function imageFormat(bytes: Uint8Array): ImageFormat | null {
  if (bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return null;
}

const reason = (e: unknown): string =>
  e instanceof RangeError && /outside the bounds|out of bounds/i.test(e.message) ? 'it ends too early'
    : e instanceof Error ? e.message.replace(/[:.\s]+$/, '') : String(e);

function tooLarge(file: string, width: number, height: number): never {
  throw new ImageFileError(file, `is ${width} x ${height} pixels, more than ${MAX_IMAGE_MEGAPIXELS} megapixels`, 'Make it smaller first (the images are resized to a few dozen pixels anyway).');
}

/** One channel when every pixel has R = G = B, else the image as it is. */
function grayIfEqual(width: number, height: number, rgb: Uint8Array, format: ImageFormat): DecodedImage {
  const n = width * height;
  for (let p = 0; p < n; p++) {
    const r = rgb[3 * p];
    if (rgb[3 * p + 1] !== r || rgb[3 * p + 2] !== r) return { width, height, channels: 3, data: rgb, format };
  }
  const gray = new Uint8Array(n);
  for (let p = 0; p < n; p++) gray[p] = rgb[3 * p];
  return { width, height, channels: 1, data: gray, format };
}

/** Sample k of a row of packed samples of `depth` < 8 bits (PNG packs the most significant bits first). */
function packedSample(data: ArrayLike<number>, rowStart: number, k: number, depth: number): number {
  const bit = k * depth;
  return (data[rowStart + (bit >> 3)] >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
}

function decodePngImage(bytes: Uint8Array, file: string): DecodedImage {
  // The header (IHDR) is the first chunk: refuse a huge image before allocating it.
  if (bytes.length >= 24) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const w = view.getUint32(16);
    const h = view.getUint32(20);
    if (w * h > MAX_IMAGE_MEGAPIXELS * 1e6) tooLarge(file, w, h);
  }
  let png;
  try {
    png = decodePng(bytes, { checkCrc: true });
  } catch (e) {
    throw new ImageFileError(file, `is not a readable PNG (${reason(e)}): the file is damaged or truncated`);
  }
  const { width, height, depth, channels: c, palette } = png;
  const data = png.data as ArrayLike<number>;
  if (!(width > 0 && height > 0)) throw new ImageFileError(file, `is a PNG of ${width} x ${height} pixels (empty)`);
  const packed = depth < 8;
  const rowBytes = packed ? Math.ceil((width * c * depth) / 8) : width * c;
  if (data.length < rowBytes * height) {
    throw new ImageFileError(file, `is a truncated PNG: its pixel data holds ${data.length} of ${rowBytes * height} values`);
  }
  const n = width * height;
  if (palette) {
    const rgb = new Uint8Array(3 * n);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const index = packed ? packedSample(data, y * rowBytes, x, depth) : data[y * rowBytes + x];
        const color = palette[index];
        if (!color) throw new ImageFileError(file, `is a damaged PNG: pixel (${x}, ${y}) names palette colour ${index} of ${palette.length}`);
        rgb.set(color.slice(0, 3), 3 * (y * width + x));
      }
    }
    return grayIfEqual(width, height, rgb, 'png');
  }
  // Samples to 8 bits: low depths stretched to 0..255, 16 bits rounded down the scale.
  const max = (1 << depth) - 1;
  const to8 = depth === 8 ? (v: number) => v : (v: number) => Math.round((v * 255) / max);
  const keep = c === 1 || c === 2 ? 1 : 3; // gray(+alpha) -> 1; RGB(+alpha) -> 3: alpha dropped
  const out = new Uint8Array(keep * n);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let ch = 0; ch < keep; ch++) {
        const k = x * c + ch;
        out[(y * width + x) * keep + ch] = to8(packed ? packedSample(data, y * rowBytes, k, depth) : data[y * rowBytes + k]);
      }
    }
  }
  return keep === 1 ? { width, height, channels: 1, data: out, format: 'png' } : grayIfEqual(width, height, out, 'png');
}

function decodeJpegImage(bytes: Uint8Array, file: string): DecodedImage {
  let jpeg;
  try {
    jpeg = decodeJpeg(bytes, {
      useTArray: true, formatAsRGBA: false, tolerantDecoding: false, maxResolutionInMP: MAX_IMAGE_MEGAPIXELS, maxMemoryUsageInMB: 2048,
    });
  } catch (e) {
    const text = reason(e);
    if (/maxResolutionInMP/.test(text)) throw new ImageFileError(file, `is larger than ${MAX_IMAGE_MEGAPIXELS} megapixels`, 'Make it smaller first.');
    throw new ImageFileError(file, `is not a readable JPEG (${text}): the file is damaged, truncated, or of a kind jpeg-js cannot decode (e.g. arithmetic coding)`);
  }
  const { width, height, data } = jpeg;
  if (!(width > 0 && height > 0) || data.length !== width * height * 3) {
    throw new ImageFileError(file, `is a damaged JPEG (${width} x ${height} pixels, ${data.length} values decoded)`);
  }
  return grayIfEqual(width, height, data, 'jpeg');
}

/**
 * Decodes a PNG or JPEG (told apart by its first bytes) into 8-bit grayscale or RGB pixels.
 * `file` names the image in errors: ImageFileError for anything else, or a damaged file.
 */
export function decodeImage(bytes: Uint8Array, file: string): DecodedImage {
  const format = imageFormat(bytes);
  if (format === 'png') return decodePngImage(bytes, file);
  if (format === 'jpeg') return decodeJpegImage(bytes, file);
  const what = bytes.length === 0 ? 'is empty (0 bytes)' : 'is not a PNG or JPEG image (its first bytes are neither signature)';
  throw new ImageFileError(file, what);
}

/** The image with `channels` channels: gray repeated into R, G, B, or RGB to luma (PIL's convert('L')). */
export function convertChannels(image: DecodedImage, channels: 1 | 3): DecodedImage {
  if (image.channels === channels) return image;
  const n = image.width * image.height;
  const src = image.data;
  const out = new Uint8Array(n * channels);
  if (channels === 3) {
    for (let p = 0; p < n; p++) out[3 * p] = out[3 * p + 1] = out[3 * p + 2] = src[p];
  } else {
    for (let p = 0; p < n; p++) out[p] = (src[3 * p] * 19595 + src[3 * p + 1] * 38470 + src[3 * p + 2] * 7471 + 0x8000) >> 16;
  }
  return { ...image, channels, data: out };
}

// The three ways text enters the report page, each safe for where it goes: element text and
// attribute values (escaped), JSON inside a <script> element (no "</script>" can end it early),
// and an SVG picture as a data: URL of an <img> (its markup is never parsed as part of the page,
// so a script or style in it cannot run or leak into the page).

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for element content or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

/**
 * JSON for a `<script type="application/json">` element: '<', '>' and '&' as \u escapes (so no
 * "</script" or "<!--" can appear), and U+2028/U+2029 too (old parsers end a line there).
 * JSON.parse of the element's text gives `value` back.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Base64 of a string's UTF-8 bytes, with btoa (Node, Deno and browsers all have it). */
export function base64Utf8(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  // In chunks: String.fromCharCode with a whole picture's bytes as arguments overflows the stack.
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** An SVG document as a data: URL for <img src>. */
export function svgDataUrl(svg: string): string {
  return `data:image/svg+xml;base64,${base64Utf8(svg)}`;
}

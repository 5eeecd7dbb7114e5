/**
 * The little XML the OSS API needs: writing responses, and reading the two request bodies
 * that carry XML (CompleteMultipartUpload and DeleteMultipleObjects). Both request shapes are
 * flat lists of small elements, so a tolerant regex reader is enough and keeps the emulator
 * free of dependencies; anything it cannot read is answered with MalformedXML, as OSS does.
 */

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
}

function unescapeXml(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_m, e: string) => {
    switch (e) {
      case 'lt': return '<';
      case 'gt': return '>';
      case 'amp': return '&';
      case 'quot': return '"';
      case 'apos': return "'";
      default: return String.fromCodePoint(e.startsWith('#x') ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    }
  });
}

/** `<name>text</name>`, or `<name/>`-equivalent empty element when text is ''. */
export function xmlElement(name: string, text: string | number | boolean): string {
  return `<${name}>${escapeXml(String(text))}</${name}>`;
}

/** `<name>children…</name>` from already-rendered children. */
export function xmlNode(name: string, children: string[]): string {
  return `<${name}>${children.join('')}</${name}>`;
}

export function xmlDocument(root: string, children: string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${xmlNode(root, children)}\n`;
}

/** Every `<name>…</name>` block's inner text, in document order. */
export function xmlBlocks(xml: string, name: string): string[] {
  const re = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`, 'g');
  return [...xml.matchAll(re)].map((m) => m[1] ?? '');
}

/** The text of the first `<name>` element, unescaped and trimmed; undefined if absent. */
export function xmlText(xml: string, name: string): string | undefined {
  const b = xmlBlocks(xml, name)[0];
  return b === undefined ? undefined : unescapeXml(b.trim());
}

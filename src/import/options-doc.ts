/**
 * renderOptionTables: the option tables of docs/flink-options.md, from flink-options.ts, so
 * the docs say exactly what the importer does. `npm run docs:flink-options` writes them
 * between the markers; import.test.ts fails when the file is stale.
 */
import { OPTION_SECTIONS, type OptionSection, type UnsupportedOption } from './flink-options.ts';

export const BEGIN_MARKER = '<!-- BEGIN generated from src/import/flink-options.ts (npm run docs:flink-options); edit there -->';
export const END_MARKER = '<!-- END generated -->';

function unsupportedLine(u: UnsupportedOption): string {
  const keys = u.keys.map((k) => `\`${k}\``).join(', ');
  const values = u.values === undefined ? '' : ` = ${u.values.map((v) => `\`${v}\``).join(' / ')}`;
  const effect = u.severity === 'needs-user' ? ' (`sluice import` reports it as needing you)' : '';
  return `- ${u.label === undefined ? `${keys}${values}` : `${u.label}, ${keys}${values}`}: ${u.reason}${effect}.`;
}

function renderSection(s: OptionSection): string {
  const lines = [`## ${s.title}`, '', ...(s.intro === undefined ? [] : [s.intro, '']), `| ${s.id === 'job' ? 'Flink' : 'Flink option'} | ${s.ingestJobHeader} | Default |`, '| --- | --- | --- |'];
  for (const r of s.rows) {
    if (r.flink === '') continue; // folded into the row before it
    lines.push(`| ${r.flink ?? `\`${r.key}\``} | ${r.ingestJob} | ${r.default ?? ''} |`);
  }
  if (s.notes !== undefined) lines.push('', s.notes);
  if (s.unsupported.length > 0) lines.push('', 'Not supported, and why:', ...s.unsupported.map(unsupportedLine));
  return lines.join('\n');
}

export function renderOptionTables(): string {
  return [BEGIN_MARKER, '', OPTION_SECTIONS.map(renderSection).join('\n\n'), '', END_MARKER].join('\n');
}

/** The document with its generated part replaced. @throws when the markers are missing */
export function withOptionTables(doc: string): string {
  const a = doc.indexOf(BEGIN_MARKER);
  const b = doc.indexOf(END_MARKER);
  if (a < 0 || b < a) throw new Error(`docs/flink-options.md: the markers ${BEGIN_MARKER} … ${END_MARKER} are missing`);
  return doc.slice(0, a) + renderOptionTables() + doc.slice(b + END_MARKER.length);
}

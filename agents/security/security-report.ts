import { countBySeverity, type Finding, SEVERITY_ORDER, sortFindings } from './security-rules.js';

/** The security report, as Markdown for people or JSON for programs (chosen by the file's extension). */

export interface ReportData {
  paths: string[];
  filesScanned: number;
  /** Files that could not be read (too large, not text), with why. */
  skipped: Array<{ file: string; reason: string }>;
  findings: Finding[];
  generatedAt: string;
}

export function reportFormat(reportPath: string): 'json' | 'markdown' {
  return /\.json$/i.test(reportPath) ? 'json' : 'markdown';
}

export function renderReport(data: ReportData, format: 'json' | 'markdown'): string {
  const findings = sortFindings(data.findings);
  const counts = countBySeverity(findings);
  if (format === 'json') return `${JSON.stringify({ ...data, counts, findings }, null, 2)}\n`;
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/`/g, "'");
  return [
    '# Security scan report',
    '',
    `Generated ${data.generatedAt}. Scanned ${data.filesScanned} file(s) under: ${data.paths.map((p) => `\`${p}\``).join(', ')}.`,
    '',
    '## Summary',
    '',
    '| Severity | Findings |',
    '| --- | --- |',
    ...SEVERITY_ORDER.map((s) => `| ${s} | ${counts[s]} |`),
    '',
    '## Findings',
    '',
    ...(findings.length === 0
      ? ['No findings.']
      : [
          '| Severity | File | Line | Rule | Excerpt (secrets masked) |',
          '| --- | --- | --- | --- | --- |',
          ...findings.map(
            (f) => `| ${f.severity} | ${cell(f.file)} | ${f.line} | ${f.rule} | \`${cell(f.excerpt)}\` |`,
          ),
        ]),
    ...(data.skipped.length === 0
      ? []
      : ['', '## Not scanned', '', ...data.skipped.map((s) => `- \`${s.file}\`: ${s.reason}`)]),
    '',
  ].join('\n');
}

/** The security agent's rules: patterns of leaked secrets and risky code, checked line by line. */

export type Severity = 'critical' | 'high' | 'medium' | 'low';

export interface Finding {
  file: string;
  /** 1-based. */
  line: number;
  rule: string;
  severity: Severity;
  message: string;
  /** The matched text with the secret part masked: a report must not leak what it found. */
  excerpt: string;
}

export interface Rule {
  id: string;
  severity: Severity;
  message: string;
  pattern: RegExp;
  /** Only files whose path matches (e.g. config files). @defaultValue every file */
  files?: RegExp;
  /** A match that is a placeholder, not a secret. */
  ignore?: RegExp;
}

const CONFIG_FILE =
  /(^|\/)(\.env(\..+)?|[^/]+\.(ya?ml|json|ini|cfg|conf|toml|properties|env)|[^/]*config[^/]*)$/i;
const PLACEHOLDER =
  /^(?:\$\{?[A-Za-z_]|<[^>]+>$|\*+$|x+$|changeme$|password$|secret$|example|your[-_]|null$|none$|todo$|redacted)/i;

export const RULES: readonly Rule[] = [
  {
    id: 'aws-access-key-id',
    severity: 'critical',
    message: 'AWS access key id',
    pattern: /\b((?:AKIA|ASIA)[0-9A-Z]{16})\b/,
  },
  {
    id: 'aws-secret-access-key',
    severity: 'critical',
    message: 'AWS secret access key',
    pattern: /aws_?secret_?(?:access_?)?key\s*["']?\s*[:=]\s*["']?([A-Za-z0-9/+=]{40})\b/i,
  },
  {
    id: 'private-key',
    severity: 'critical',
    message: 'Private key',
    pattern: /-----BEGIN ((?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?)-----/,
  },
  {
    id: 'github-token',
    severity: 'high',
    message: 'GitHub token',
    pattern: /\b(gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/,
  },
  {
    id: 'slack-token',
    severity: 'high',
    message: 'Slack token',
    pattern: /\b(xox[abposr]-[A-Za-z0-9-]{10,})\b/,
  },
  {
    id: 'password-in-config',
    severity: 'high',
    message: 'Password or secret in a configuration file',
    // Not \b: `DB_PASSWORD` has a word character (`_`) before the name.
    pattern:
      /(?<![A-Za-z0-9])(?:password|passwd|pwd|secret|api[_-]?key|access[_-]?token|auth[_-]?token)["']?\s*[:=]\s*["']?([^\s"',#;]{4,})/i,
    files: CONFIG_FILE,
    ignore: PLACEHOLDER,
  },
  {
    id: 'credentials-in-url',
    severity: 'high',
    message: 'Credentials in a URL',
    pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:([^\s:/@]{3,})@/i,
    ignore: PLACEHOLDER,
  },
  {
    id: 'eval-call',
    severity: 'medium',
    message: 'Call of eval(): code built from data can run anything',
    pattern: /(?<![\w.$])eval\s*\(/,
  },
  {
    id: 'new-function',
    severity: 'medium',
    message: 'new Function(): code built from strings',
    pattern: /\bnew\s+Function\s*\(/,
  },
  {
    id: 'tls-verification-disabled',
    severity: 'medium',
    message: 'TLS certificate verification disabled',
    pattern: /(rejectUnauthorized\s*:\s*false|NODE_TLS_REJECT_UNAUTHORIZED\s*=\s*['"]?0|verify\s*=\s*False)/,
  },
];

/** The secret part (the pattern's first group) masked, keeping 4 characters for recognition. */
function mask(line: string, match: RegExpExecArray): string {
  const secret = match[1];
  const text = line.trim().slice(0, 200);
  if (!secret || /PRIVATE KEY/.test(secret)) return text;
  const shown = secret.length > 8 ? secret.slice(0, 4) : '';
  return text.split(secret).join(`${shown}${'*'.repeat(8)}`);
}

/** Every finding of `rules` in one file's text, in line order. */
export function checkFile(file: string, content: string, rules: readonly Rule[] = RULES): Finding[] {
  const findings: Finding[] = [];
  const lines = content.split(/\r?\n/);
  const applicable = rules.filter((r) => !r.files || r.files.test(file));
  for (const [index, line] of lines.entries()) {
    for (const rule of applicable) {
      const match = rule.pattern.exec(line);
      if (!match) continue;
      if (rule.ignore && match[1] !== undefined && rule.ignore.test(match[1])) continue;
      findings.push({
        file,
        line: index + 1,
        rule: rule.id,
        severity: rule.severity,
        message: rule.message,
        excerpt: mask(line, match),
      });
    }
  }
  return findings;
}

export const SEVERITY_ORDER: readonly Severity[] = ['critical', 'high', 'medium', 'low'];

export function countBySeverity(findings: readonly Finding[]): Record<Severity, number> {
  const counts = { critical: 0, high: 0, medium: 0, low: 0 };
  for (const f of findings) counts[f.severity]++;
  return counts;
}

/** Worst first, then by file and line. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) ||
      a.file.localeCompare(b.file) ||
      a.line - b.line,
  );
}

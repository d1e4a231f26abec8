import { describe, expect, it } from 'vitest';
import { renderReport } from '../../../../agents/security/security-report.js';
import { checkFile, countBySeverity, sortFindings } from '../../../../agents/security/security-rules.js';

const rules = (file: string, content: string) => checkFile(file, content).map((f) => `${f.line}:${f.rule}`);

describe('security rules', () => {
  it('finds AWS keys, private keys and tokens in any file', () => {
    expect(
      rules(
        'src/a.ts',
        [
          'const id = "AKIAIOSFODNN7EXAMPLE";',
          'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
          '-----BEGIN OPENSSH PRIVATE KEY-----',
          `token: ghp_${'a'.repeat(36)}`,
          'ok',
        ].join('\n'),
      ),
    ).toEqual(['1:aws-access-key-id', '2:aws-secret-access-key', '3:private-key', '4:github-token']);
  });

  it('flags passwords only in configuration files, and not placeholders', () => {
    const env = 'DB_PASSWORD=hunter2\nAPI_KEY=${API_KEY}\npassword: changeme\nsecret = <your-secret>\n';
    expect(rules('deploy/.env', env)).toEqual(['1:password-in-config']);
    expect(rules('config/app.yaml', 'password: s3cr3t!\n')).toEqual(['1:password-in-config']);
    expect(rules('src/login.ts', 'const password = input;\n')).toEqual([]);
  });

  it('flags eval( but not a method or a word that ends in eval', () => {
    expect(rules('a.js', 'eval(x)\nfoo.eval(x)\nretrieval(x)\nnew Function("return 1")')).toEqual([
      '1:eval-call',
      '4:new-function',
    ]);
  });

  it('masks the secret in the excerpt', () => {
    const [finding] = checkFile('.env', 'DB_PASSWORD=hunter2-prod-value');
    expect(finding?.excerpt).toBe('DB_PASSWORD=hunt********');
    expect(checkFile('a', 'AKIAIOSFODNN7EXAMPLE')[0]?.excerpt).not.toContain('AKIAIOSFODNN7EXAMPLE');
  });

  it('sorts worst first and counts by severity; the report lists them', () => {
    const findings = [...checkFile('b.js', 'eval(1)'), ...checkFile('a', 'AKIAIOSFODNN7EXAMPLE')];
    expect(sortFindings(findings).map((f) => f.severity)).toEqual(['critical', 'medium']);
    expect(countBySeverity(findings)).toEqual({ critical: 1, high: 0, medium: 1, low: 0 });
    const data = {
      paths: ['.'],
      filesScanned: 2,
      skipped: [],
      findings,
      generatedAt: '2025-01-01T00:00:00Z',
    };
    expect(renderReport(data, 'markdown')).toContain('| critical | a | 1 | aws-access-key-id |');
    expect(JSON.parse(renderReport(data, 'json'))).toMatchObject({ counts: { critical: 1, medium: 1 } });
  });
});

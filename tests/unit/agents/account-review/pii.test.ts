import { describe, expect, it } from 'vitest';
import { hasPii, maskPii } from '../../../../agents/account-review/pii.js';

describe('maskPii', () => {
  it('masks email addresses and counts them', () => {
    const { text, findings } = maskPii('Write to jane.roe@acme.com or ops+crm@mail.acme.co.uk today.');
    expect(text).toBe('Write to [email redacted] or [email redacted] today.');
    expect(findings).toEqual([{ kind: 'email', count: 2 }]);
  });

  it('masks phone numbers in the usual notations', () => {
    for (const phone of ['+1-555-123-4567', '(415) 555 0100', '+44 20 7946 0958', '555.123.4567']) {
      expect(maskPii(`call ${phone} now`).text).toBe('call [phone redacted] now');
    }
  });

  it('masks card numbers that pass the Luhn check and leaves other long digit runs to the other rules', () => {
    expect(maskPii('card 4111 1111 1111 1111 on file').text).toBe('card [card redacted] on file');
    expect(maskPii('card 4111-1111-1111-1111').findings).toEqual([{ kind: 'card', count: 1 }]);
    // Fails Luhn: not a card (16 digits is too long for a phone number too).
    expect(maskPii('ref 4111 1111 1111 1112').findings.some((f) => f.kind === 'card')).toBe(false);
  });

  it('masks IBANs and social security numbers', () => {
    expect(maskPii('IBAN DE89 3704 0044 0532 0130 00 please').text).toBe('IBAN [iban redacted] please');
    expect(maskPii('GB82WEST12345698765432').text).toBe('[iban redacted]');
    expect(maskPii('ssn 078-05-1120').text).toBe('ssn [ssn redacted]');
  });

  it('leaves dates, amounts, record ids and risk scores alone', () => {
    const text =
      'Account review 2026-12-01: risk 45 (medium). Deal deal_s42_000007_2 (USD 120,000) closes 2026-12-20. acc_s42_000007';
    expect(maskPii(text)).toEqual({ text, findings: [] });
    expect(hasPii(text)).toBe(false);
  });

  it('never reports the values it found, only their kinds and counts', () => {
    const { findings } = maskPii('jane@acme.com +1-555-123-4567');
    expect(JSON.stringify(findings)).not.toContain('jane');
    expect(JSON.stringify(findings)).not.toContain('555');
  });
});

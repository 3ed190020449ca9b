// The IBAN recognizer checked the mod-97 digits only, so any token of two letters, two digits and 11+
// alphanumerics passed 1 time in 97: a hex hash or an API key in a question came out as IBAN_CODE
// with confidence 1 (denied by a policy, kept out of the semantic cache), and a grouped IBAN took the
// next words when they kept the checksum ("... 0130 00 DNA The"; "tg10781 they will be all done" was
// one IBAN). Each country's IBAN has one length (SWIFT registry); a candidate must have it.
import { describe, expect, it } from 'vitest';
import { ibanValid } from '../../src/classify/pii/recognizers/checksums.ts';
import { runRecognizers } from '../../src/classify/pii/recognizers/index.ts';

const ibans = (text: string) => runRecognizers(text).filter((m) => m.type === 'IBAN_CODE').map((m) => text.slice(m.start, m.end));

describe('IBAN lengths by country', () => {
  it.each([
    'what does error db865c729d9c3a7c55f0253b5f17b76d mean',
    'the key NM41tFVL0v0V9Uwg3f241d0Y expired',
    'run chatcmpl-tool-fd26238eee5d46db90a93300a3af3b16 again',
    'ok tg10781 they will be all done',
  ])('a token that only passes mod-97 is no IBAN: %s', (text) => {
    expect(ibans(text)).toEqual([]);
  });

  it('a grouped IBAN does not take the words after it', () => {
    expect(ibans('wire to DE89 3704 0044 0532 0130 00 DNA The rest')).toEqual(['DE89 3704 0044 0532 0130 00']);
  });

  it.each([
    // Its groups "5390 0754 7034" pass Luhn: the card recognizer, ahead of the IBAN one, took them.
    'BE68 5390 0754 7034',
    'NO93 8601 1117 947',
    'CH93 0076 2011 6238 5295 7',
    'FR14 2004 1010 0505 0001 3M02 606',
    'MT84 MALT 0110 0001 2345 MTLC AST0 01S',
    'GB82WEST12345698765432',
    'DE89370400440532013000',
  ])('registry-length IBANs are found: %s', (iban) => {
    expect(ibans(`pay to ${iban} today`)).toEqual([iban]);
  });

  it('one character short or long of the country length fails', () => {
    expect(ibanValid('GB82WEST12345698765432')).toBe(true);
    expect(ibanValid('GB82WEST1234569876543')).toBe(false);
    expect(ibanValid('NO9386011117947')).toBe(true);
    expect(ibanValid('XX9386011117947')).toBe(false);
  });
});

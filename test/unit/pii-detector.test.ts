import { describe, expect, it } from 'vitest';
import { createTokenFeaturizer, tokenize } from '../../src/classify/featurizers/token-features.ts';
import { mergeBio } from '../../src/classify/pii/bio.ts';
import { createPiiDetector } from '../../src/classify/pii/detector.ts';
import { parseTag, toVsrType } from '../../src/classify/pii/type-names.ts';
import type { PackManifest, TokenClassifier, TokenPrediction } from '../../src/classify/types.ts';

/** A token model that tags the given words, everything else O. */
function fakeModel(tags: Record<string, string>, confidence = 0.9): TokenClassifier {
  return {
    name: 'fake',
    labels: ['O', 'B-PERSON', 'I-PERSON', 'B-LOCATION', 'I-LOCATION', 'B-EMAIL_ADDRESS', 'B-PHONE_NUMBER', 'I-PHONE_NUMBER'],
    threshold: 0.5,
    async predict(text: string): Promise<TokenPrediction[]> {
      return tokenize(text, 512).tokens.map((t) => ({ start: t.start, end: t.end, label: tags[t.text] ?? 'O', confidence }));
    },
  };
}

const tok = (start: number, end: number, label: string, confidence = 0.9): TokenPrediction => ({ start, end, label, confidence });

describe('type names', () => {
  it('maps data and Presidio labels to vSR names', () => {
    expect(toVsrType('ADDRESS')).toBe('STREET_ADDRESS');
    expect(toVsrType('LOCATION')).toBe('GPE');
    expect(toVsrType('location')).toBe('GPE');
    expect(toVsrType('corporation')).toBe('ORGANIZATION');
    expect(toVsrType('product')).toBeNull();
    expect(parseTag('B-PER')).toEqual({ prefix: 'B', type: 'PERSON' });
    expect(parseTag('O')).toEqual({ prefix: 'O', type: null });
  });
});

describe('BIO merge', () => {
  it('merges B/I runs and repairs a stray I- into a new entity', () => {
    const ents = mergeBio([tok(0, 4, 'B-PERSON'), tok(5, 10, 'I-PERSON'), tok(11, 13, 'O'), tok(14, 20, 'I-GPE', 0.5)]);
    expect(ents.map((e) => [e.type, e.start, e.end])).toEqual([['PERSON', 0, 10], ['GPE', 14, 20]]);
    expect(ents[1]!.confidence).toBeCloseTo(0.5);
  });
  it('B- after B- of the same type starts a new entity unless only a space separates them in text', () => {
    const preds = [tok(0, 5, 'B-PERSON'), tok(6, 12, 'B-PERSON')];
    expect(mergeBio(preds).length).toBe(2);
    expect(mergeBio(preds, 'Lewis Forbes').map((e) => [e.start, e.end])).toEqual([[0, 12]]);
    expect(mergeBio(preds, 'Lewis,Forbes').length).toBe(2);
  });
  it('joins address lines split at commas and line breaks', () => {
    const text = '5 Main St\nSpringfield';
    const ents = mergeBio([tok(0, 1, 'B-STREET_ADDRESS'), tok(2, 6, 'I-STREET_ADDRESS'), tok(7, 9, 'I-STREET_ADDRESS'), tok(10, 21, 'B-STREET_ADDRESS')], text);
    expect(ents.map((e) => text.slice(e.start, e.end))).toEqual([text]);
  });
});

describe('detector', () => {
  it('combines model spans and recognizer spans with vSR names', async () => {
    const det = createPiiDetector(fakeModel({ Maria: 'B-PERSON', Keller: 'I-PERSON', Lisbon: 'B-LOCATION' }), { name: 'pii', threshold: 0.5 });
    const text = 'Maria Keller from Lisbon, mail maria@example.com';
    const ents = await det.detect(text);
    expect(ents.map((e) => [e.type, text.slice(e.start, e.end), e.source])).toEqual([
      ['PERSON', 'Maria Keller', 'model'],
      ['GPE', 'Lisbon', 'model'],
      ['EMAIL_ADDRESS', 'maria@example.com', 'pattern'],
    ]);
    expect(det.types).toContain('GPE');
    expect(det.types).toContain('CREDIT_CARD');
  });
  it('recognizers win overlaps; model spans of closed formats are dropped', async () => {
    const det = createPiiDetector(fakeModel({ bob: 'B-PERSON', example: 'B-EMAIL_ADDRESS', '12': 'B-PHONE_NUMBER' }), { name: 'pii', threshold: 0.5 });
    const text = 'write bob@example.com or 12';
    const ents = await det.detect(text);
    expect(ents.map((e) => [e.type, text.slice(e.start, e.end)])).toEqual([['EMAIL_ADDRESS', 'bob@example.com']]);
  });
  it('applies the threshold (default and per call) to model and pattern spans', async () => {
    const det = createPiiDetector(fakeModel({ Maria: 'B-PERSON' }, 0.6), { name: 'pii', threshold: 0.7 });
    expect(await det.detect('Maria here')).toEqual([]);
    expect((await det.detect('Maria here', { threshold: 0.5 })).length).toBe(1);
    // a bare 10-digit number without context is a weak phone match (0.4)
    expect(await det.detect('ref 5403926876', { threshold: 0.5 })).toEqual([]);
    expect((await det.detect('ref 5403926876', { threshold: 0.3 })).map((e) => e.type)).toEqual(['PHONE_NUMBER']);
  });
  it('works without a model (recognizers only)', async () => {
    const det = createPiiDetector(undefined, { name: 'pii', threshold: 0.5 });
    expect((await det.detect('ip 10.1.2.3')).map((e) => e.type)).toEqual(['IP_ADDRESS']);
  });
  it('never throws on bad input', async () => {
    const det = createPiiDetector(fakeModel({ Maria: 'B-PERSON' }), { name: 'pii', threshold: 0.5 });
    expect(await det.detect('')).toEqual([]);
    expect(await det.detect('   \n\t ')).toEqual([]);
    expect(await det.detect(undefined as unknown as string)).toEqual([]);
    const weird = '\ud800 Maria \udfff 😀👩‍👩‍👧 مرحبا 你好 \u0000\u0007 Мария';
    const ents = await det.detect(weird);
    expect(ents.map((e) => weird.slice(e.start, e.end))).toEqual(['Maria']);
    const big = 'Maria writes a long letter. '.repeat(40_000);
    const t0 = performance.now();
    const r = await det.detect(big);
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(r.length).toBeGreaterThan(0);
  });
});

describe('token-features featurizer', () => {
  const manifest = { name: 't', version: '1', task: 'token-classification', featurizer: { type: 'token-features', buckets: 1000, templates: ['bias', 'lw', 'shape', 'lw-1', 'wsb|sshape'] }, inputs: ['feature_ids'], output: 'probabilities', max_length: 4 } as PackManifest;
  const fz = createTokenFeaturizer(manifest.featurizer, manifest);
  it('emits [1,T,K] int32 ids within the bucket range, with UTF-16 offsets', () => {
    const f = fz.encode('Hi 😀 Zoë!');
    expect(f.feeds.feature_ids!.dims).toEqual([1, 4, 5]);
    expect(f.feeds.feature_ids!.type).toBe('int32');
    expect([...(f.feeds.feature_ids!.data as Int32Array)].every((v) => v >= 0 && v < 1000)).toBe(true);
    expect(f.offsets).toEqual([[0, 2], [3, 5], [6, 9], [9, 10]]);
    expect(f.truncated).toBe(false);
    expect(f.length).toBe(4);
  });
  it('cuts at max_length tokens and says so', () => {
    const f = fz.encode('one two three four five six');
    expect(f.length).toBe(4);
    expect(f.truncated).toBe(true);
    expect(f.offsets!.length).toBe(4);
  });
  it('same token in the same context gets the same ids; case and context change them', () => {
    const ids = (t: string) => [...(fz.encode(t).feeds.feature_ids!.data as Int32Array)];
    expect(ids('Paris is')).toEqual(ids('Paris is'));
    expect(ids('paris is').slice(0, 5)).not.toEqual(ids('Paris is').slice(0, 5));
  });
  it('empty text feeds one padding row and reports length 0', () => {
    const f = fz.encode('');
    expect(f.length).toBe(0);
    expect(f.feeds.feature_ids!.dims).toEqual([1, 1, 5]);
    expect(f.offsets).toEqual([]);
  });
  it('rejects unknown templates naming the field', () => {
    const bad = { ...manifest, featurizer: { type: 'token-features', buckets: 10, templates: ['nope'] } } as PackManifest;
    expect(() => createTokenFeaturizer(bad.featurizer, bad)).toThrow(/templates: unknown template "nope"/);
  });
});

describe('detector overlap trimming', () => {
  it('splits a recognizer span off the edge of a model span instead of dropping it', async () => {
    const det = createPiiDetector(fakeModel({ Mr: 'B-PERSON', '.': 'I-PERSON', Baader: 'I-PERSON' }), { name: 'pii', threshold: 0.5 });
    const text = 'Mr. Baader is here';
    const ents = await det.detect(text);
    expect(ents.map((e) => [e.type, text.slice(e.start, e.end)])).toEqual([['TITLE', 'Mr.'], ['PERSON', 'Baader']]);
  });
});

describe('PERSON boundary repair', () => {
  const run = async (tags: Record<string, string>, text: string) => {
    const det = createPiiDetector(fakeModel(tags), { name: 'pii', threshold: 0.5 });
    return (await det.detect(text)).filter((e) => e.type === 'PERSON').map((e) => text.slice(e.start, e.end));
  };
  it('grows a partial name over neighbouring capitalised words and initials', async () => {
    expect(await run({ Palerma: 'B-PERSON' }, 'Producer Liviana Palerma explained it')).toEqual(['Liviana Palerma']);
    expect(await run({ Ryan: 'B-PERSON', P: 'I-PERSON' }, 'we need to add Ryan P Costa as guardian')).toEqual(['Ryan P Costa']);
    expect(await run({ Ella: 'B-PERSON' }, '>Ella H. Snider\n>Otc Markets')).toEqual(['Ella H. Snider']);
  });
  it('does not take sentence-initial words into a two-word name, nor cross lines or punctuation', async () => {
    expect(await run({ Liviana: 'B-PERSON', Palerma: 'I-PERSON' }, 'Norway. Producer Liviana Palerma said')).toEqual(['Liviana Palerma']);
    expect(await run({ Smith: 'B-PERSON' }, 'Anna\nSmith, Berlin')).toEqual(['Smith']);
    expect(await run({ Smith: 'B-PERSON' }, 'ask Smith about it')).toEqual(['Smith']);
  });
});

describe('hyphen snapping', () => {
  it('never leaves a span starting or ending inside a hyphenated word', async () => {
    const det = createPiiDetector(fakeModel({ '-': 'B-PERSON', Murray: 'I-PERSON' }), { name: 'pii', threshold: 0.5 });
    const text = 'During 1971, Valentine-Murray invested';
    expect((await det.detect(text)).filter((e) => e.type === 'PERSON').map((e) => text.slice(e.start, e.end))).toEqual(['Valentine-Murray']);
  });
});

describe('span edge clean-up', () => {
  it('drops line furniture at span edges, closes parentheses, and gives addresses their postal code', async () => {
    const det = createPiiDetector(fakeModel({ '24': 'B-STREET_ADDRESS', Clarke: 'I-STREET_ADDRESS', Avenue: 'I-STREET_ADDRESS', '>': 'I-STREET_ADDRESS', Cyprus: 'B-LOCATION', '(': 'I-LOCATION', Greek: 'I-LOCATION', Portugal: 'B-STREET_ADDRESS' }), { name: 'pii', threshold: 0.5 });
    const text = '>24 Clarke Avenue\n>Apt. 5 from Cyprus (Greek) to Portugal 44674 now';
    expect((await det.detect(text)).map((e) => [e.type, text.slice(e.start, e.end)])).toEqual([
      ['STREET_ADDRESS', '24 Clarke Avenue'],
      ['GPE', 'Cyprus (Greek)'],
      ['STREET_ADDRESS', 'Portugal 44674'],
    ]);
  });
});

describe('contact-card layout', () => {
  it('reads the short line right after a name-only line as the organisation, after a blank line as the job title', async () => {
    const det = createPiiDetector(fakeModel({ Lina: 'B-PERSON', Artemova: 'I-PERSON' }), { name: 'pii', threshold: 0.5 });
    const text = '> Lina Artemova\n> Irecycle\n> 2224 Trenerys gate 232';
    expect((await det.detect(text)).map((e) => [e.type, text.slice(e.start, e.end)])).toEqual([['PERSON', 'Lina Artemova'], ['ORGANIZATION', 'Irecycle']]);
    const prose = 'Lina Artemova wrote:\nthanks for the call';
    expect((await det.detect(prose)).map((e) => e.type)).toEqual(['PERSON']);
    const title = 'Lina Artemova\n\nTechnical writer\n\nPersonal Info:';
    expect((await det.detect(title)).map((e) => [e.type, title.slice(e.start, e.end)])).toEqual([['PERSON', 'Lina Artemova'], ['TITLE', 'Technical writer']]);
    const heading = 'Lina Artemova\n\nPersonal Info:';
    expect((await det.detect(heading)).map((e) => e.type)).toEqual(['PERSON']);
  });
});

describe('card name line and forms of address', () => {
  it('takes a two-word first line of a multi-line message as a name, and its repeats', async () => {
    const det = createPiiDetector(fakeModel({}), { name: 'pii', threshold: 0.5 });
    const text = '>Gyala Antall\n>Google Public Data Explorer\n>Gyala Antall\n>3369 24 Clarke Avenue';
    const ents = await det.detect(text);
    expect(ents.filter((e) => e.type === 'PERSON').map((e) => text.slice(e.start, e.end))).toEqual(['Gyala Antall', 'Gyala Antall']);
    expect(ents.filter((e) => e.type === 'ORGANIZATION').map((e) => text.slice(e.start, e.end))).toEqual(['Google Public Data Explorer']);
    expect(await det.detect('Dear team\nthe report is late')).toEqual([]);
    expect(await det.detect('Gyala Antall')).toEqual([]);
  });
  it('drops a PERSON span that is only a form of address', async () => {
    const det = createPiiDetector(fakeModel({ Sir: 'B-PERSON' }), { name: 'pii', threshold: 0.5 });
    expect(await det.detect('Excuse me, Sir bot, but no')).toEqual([]);
  });
});

describe('address lines', () => {
  it('grows a line-start address over its line and splits off the leading building number', async () => {
    const det = createPiiDetector(fakeModel({ Lovers: 'B-STREET_ADDRESS', Lane: 'I-STREET_ADDRESS' }), { name: 'pii', threshold: 0.5 });
    const text = 'Esat Jeknic\n>3378 217 Lovers Lane\n>Suite 680';
    expect((await det.detect(text)).filter((e) => e.type === 'STREET_ADDRESS').map((e) => text.slice(e.start, e.end))).toEqual(['3378', '217 Lovers Lane', 'Suite 680']);
    // in prose the line is not grown, but the house number before the street is taken
    const prose = 'Send it to 217 Lovers Lane, thanks';
    expect((await det.detect(prose)).map((e) => prose.slice(e.start, e.end))).toEqual(['217 Lovers Lane']);
  });
});

describe('multi-line address layout', () => {
  const det = createPiiDetector(fakeModel({ Edeby: 'B-STREET_ADDRESS', '55': 'I-STREET_ADDRESS', Harkeswei: 'B-STREET_ADDRESS', '125': 'I-STREET_ADDRESS' }), { name: 'pii', threshold: 0.5 });
  const show = async (text: string) => (await det.detect(text)).map((e) => [e.type, text.slice(e.start, e.end)]);
  it('splits a standalone address into street, unit, city, country and postcode', async () => {
    expect(await show('28030 Edeby 55\n Apt. 297\n TYSTBERGA\n Sweden 99178')).toEqual([
      ['STREET_ADDRESS', '28030'], ['STREET_ADDRESS', 'Edeby 55'], ['STREET_ADDRESS', 'Apt. 297'],
      ['GPE', 'TYSTBERGA'], ['GPE', 'Sweden'], ['STREET_ADDRESS', '99178'],
    ]);
  });
  it('keeps an address that follows prose as one span over its lines', async () => {
    expect(await show('please send it to 5551 Tjalling Harkeswei 125\n Suite 250\n Lippenhuizen\n Netherlands?')).toEqual([
      ['STREET_ADDRESS', '5551 Tjalling Harkeswei 125\n Suite 250\n Lippenhuizen\n Netherlands'],
    ]);
  });
  it('leaves a single line alone', async () => {
    expect(await show('send it to Harkeswei 125 today\nthanks')).toEqual([['STREET_ADDRESS', 'Harkeswei 125']]);
  });
});

describe('address endings', () => {
  it('ends a multi-line address inside a line of prose, and joins places that follow a one-line address', async () => {
    const det = createPiiDetector(fakeModel({ Mlýnská: 'B-STREET_ADDRESS', '1540': 'I-STREET_ADDRESS', Passauer: 'B-STREET_ADDRESS', Strasse: 'I-STREET_ADDRESS', '33': 'I-STREET_ADDRESS', Tunisia: 'B-LOCATION' }), { name: 'pii', threshold: 0.5 });
    const a = 'change my address to 50541 Mlýnská 1540\nTrancoso\n, GU\n Portugal 44674 for post mail?';
    expect((await det.detect(a)).map((e) => a.slice(e.start, e.end))).toEqual(['50541 Mlýnská 1540\nTrancoso\n, GU\n Portugal 44674']);
    const b = 'It arrived at 760 Passauer Strasse 33, Tunisia last night.';
    expect((await det.detect(b)).map((e) => [e.type, b.slice(e.start, e.end)])).toEqual([['STREET_ADDRESS', '760 Passauer Strasse 33, Tunisia']]);
  });
});

describe('street corners', () => {
  it('takes "the corner of X and Y" as one address', async () => {
    const det = createPiiDetector(fakeModel({ Kuusiku: 'B-STREET_ADDRESS', '7': 'I-STREET_ADDRESS' }), { name: 'pii', threshold: 0.5 });
    const text = 'please send a new one to the corner of Kuusiku 7 and Alexander Flat? I am away';
    expect((await det.detect(text)).map((e) => text.slice(e.start, e.end))).toEqual(['the corner of Kuusiku 7 and Alexander Flat']);
  });
});

describe('precision on benign text', () => {
  it('drops one-word lowercase names from writers who use capitals, and keeps all-lowercase writers', async () => {
    const det = createPiiDetector(fakeModel({ nitrogen: 'B-PERSON', višeslav: 'B-PERSON' }), { name: 'pii', threshold: 0.5 });
    expect(await det.detect('In an industrial process, nitrogen is heated')).toEqual([]);
    const t = 'sometimes people call me višeslav';
    expect((await det.detect(t)).map((e) => t.slice(e.start, e.end))).toEqual(['višeslav']);
  });
  it('finds an honorific after a capitalised sentence start', async () => {
    const det = createPiiDetector(fakeModel({ Fields: 'B-PERSON' }), { name: 'pii', threshold: 0.5 });
    const t = 'Should Mr. Fields sell the property now?';
    expect((await det.detect(t)).map((e) => [e.type, t.slice(e.start, e.end)])).toEqual([['TITLE', 'Mr.'], ['PERSON', 'Fields']]);
  });
});
